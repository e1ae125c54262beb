"""deploy/: the systemd units pass ``systemd-analyze verify``, the nginx config ``nginx -t``, and they agree."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.server import REPO, environment

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
INSTALLED = "/opt/paperfeed/venv/bin/paperfeed"


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        pytest.skip(f"{name} is not installed (`make deploy-tools` installs it)")
    return path


def test_every_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = _tool("systemd-analyze")
    # verify checks that ExecStart's program exists: stand a script in for the installed venv.
    fake = tmp_path / "venv" / "bin" / "paperfeed"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALLED, str(fake)))
    done = subprocess.run([analyze, "verify", *[str(tmp_path / u.name) for u in UNITS]],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_units_have_no_inline_comments_and_the_long_running_ones_start_at_boot():
    assert {u.name for u in UNITS} == {"paperfeed-web.service", "paperfeed-worker.service",
                                       "paperfeed-backup.service", "paperfeed-backup.timer"}
    for unit in UNITS:
        for number, line in enumerate(unit.read_text().splitlines(), 1):
            # systemd has no inline comments: "EnvironmentFile=/etc/x.env  # y" names a file "x.env  # y".
            assert not re.match(r"^[A-Za-z]+=.*\s#", line), f"{unit.name}:{number}: inline comment"
    for name in ("paperfeed-web.service", "paperfeed-worker.service", "paperfeed-backup.timer"):
        assert "[Install]" in (DEPLOY / name).read_text(), name
    for name in ("paperfeed-web.service", "paperfeed-worker.service", "paperfeed-backup.service"):
        text = (DEPLOY / name).read_text()
        assert "After=network-online.target postgresql.service" in text
        assert "Environment=PAPERFEED_DATA_DIR=/var/lib/paperfeed" in text
        assert "EnvironmentFile=/etc/paperfeed/paperfeed.env\n" in text


def test_nginx_sends_to_where_the_web_unit_listens_and_only_it_is_trusted():
    web = (DEPLOY / "paperfeed-web.service").read_text()
    nginx = (DEPLOY / "nginx.conf").read_text()
    host, port = re.search(r"serve --host (\S+) --port (\d+)", web).groups()
    assert f"server {host}:{port} " in nginx
    assert "PAPERFEED_TRUSTED_PROXIES=127.0.0.1" in (DEPLOY / "paperfeed.env.example").read_text()
    assert "expires" not in nginx  # unversioned static names must be revalidated after an upgrade


def test_nginx_config_passes_nginx_t(tmp_path):
    nginx = _tool("nginx")
    openssl = _tool("openssl")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=papers.example.org", "-keyout", str(tmp_path / "privkey.pem"),
                    "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx.conf").read_text().replace("/etc/letsencrypt/live/papers.example.org", str(tmp_path))
    (tmp_path / "paperfeed.conf").write_text(site)
    (tmp_path / "main.conf").write_text(
        f"error_log {tmp_path}/error.log;\npid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/paperfeed.conf;\n}}\n")
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "main.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {name: value for name, value in pairs}


def test_the_example_env_file_passes_the_production_checks_once_its_key_is_filled_in(tmp_path):
    values = _env_file(DEPLOY / "paperfeed.env.example")
    check = [sys.executable, "-m", "paperfeed.cli", "check", "--deploy", "--fail-level", "WARNING"]
    values.pop("DATABASE_URL")  # no PostgreSQL here: the rest is checked on SQLite
    empty = subprocess.run(check, cwd=REPO, env=environment(tmp_path, **values), capture_output=True,
                           text=True, timeout=120)
    assert empty.returncode != 0 and "PAPERFEED_SECRET_KEY" in empty.stderr
    values["PAPERFEED_SECRET_KEY"] = secrets.token_urlsafe(50)
    done = subprocess.run(check, cwd=REPO, env=environment(tmp_path, **values), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
