"""The release: ``make dist`` builds a wheel that installs into a fresh venv outside the checkout and runs there.

No downloads: the wheel goes in with ``--no-deps``, and its dependencies (torch included) come from
this test run's venv through a ``.pth`` line in the new one.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

import httpx
import pytest

from tests.deploy.server import REPO, environment, paperfeed, serving

# Real servers on their own SQLite: run once, in the SQLite run (make test), not again on PostgreSQL.
pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                                                   reason="runs in the SQLite run only")]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``make dist`` into a temporary folder (the install stamp is taken as up to date)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(["make", "-o", ".venv/.installed-runtime", "dist", f"DIST={out}"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("paperfeed-*.whl")
    (sdist,) = out.glob("paperfeed-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    for needed in ("deploy/nginx.conf", "deploy/paperfeed-web.service", "static/vendor/katex/katex.min.js",
                   "catalog/data/demo_papers.jsonl.gz", "templates/base.html"):
        assert any(name.endswith(needed) for name in names), needed
    return built


def test_wheel_installs_outside_the_checkout_then_migrates_loads_the_demo_and_serves(wheel, tmp_path):
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    packages = next((target / "lib").glob("python*/site-packages"))
    (packages / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(target / "bin" / "python"), "install",
                    "--quiet", "--no-deps", "--no-index", str(wheel)], check=True, timeout=300)
    command = [str(target / "bin" / "paperfeed")]
    where = tmp_path / "site"
    where.mkdir()
    # No PAPERFEED_DATA_DIR: the data dir is var/ under the current directory, not inside the venv.
    env = {k: v for k, v in environment(where).items() if k != "PAPERFEED_DATA_DIR"}
    env["PYTHONPATH"] = ""
    found = subprocess.run([str(target / "bin" / "python"), "-c", "import paperfeed; print(paperfeed.__file__)"],
                           env=env, cwd=where, capture_output=True, text=True, check=True).stdout
    assert found.startswith(str(packages)), found

    paperfeed(["migrate", "--noinput", "-v", "0"], env, command=command, cwd=where)
    loaded = paperfeed(["demo_setup"], env, command=command, cwd=where, timeout=600)
    assert "Demo data" in loaded.stdout
    assert (where / "var" / "paperfeed.sqlite3").exists()

    with serving(env, "--workers", "1", command=command, cwd=where, log=tmp_path / "serve.log") as server:
        home = httpx.get(server.url + "/", timeout=30)
        katex = httpx.get(server.url + "/static/vendor/katex/katex.min.js", timeout=30)
        api = httpx.get(server.url + "/api/daily_papers", params={"limit": 2}, timeout=30)
    assert home.status_code == 200 and "paperfeed" in home.text
    assert katex.status_code == 200 and b"katex" in katex.content[:2000]
    assert api.status_code == 200 and len(api.json()) == 2
