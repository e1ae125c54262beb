"""``paperfeed serve``: the production web server (gunicorn, static files by WhiteNoise).

    paperfeed serve [--host H] [--port N] [--workers W] [--with-worker] [--access-log]

Collects static files, checks the port is free, exports the ONNX query model once (in a
short-lived child: web workers never load torch), runs gunicorn with W sync workers and, with
``--with-worker``, the background job worker (``paperfeed worker``) beside it. Ctrl-C (or
SIGTERM) stops every child process; if gunicorn stops, the worker is stopped too.

Overload: at most ``WEB_QUEUE_PER_WORKER`` connections per worker (64) wait in the kernel's
queue, past which the kernel turns new ones away; a queued request whose client has hung up is
answered 499 unserved, and one that waited longer than ``WEB_QUEUE_TIMEOUT`` since nginx received
it 503 unserved (web/shedding.py); a request runs at most 30 s. Outside production, mails and
feeds link to the address served (``PAPERFEED_SITE_URL`` unless set).
"""

from __future__ import annotations

import ctypes
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from paperfeed.web.logs import gunicorn_log_config
from paperfeed.web.metrics import VARIABLE, fresh_multiproc_dir

STOP_GRACE_SECONDS = 10
# Overload sheds load instead of running it late (see the docstring). The kernel's queue holds a
# burst (a hundred connections wait their turn instead of retrying their SYN a second later while
# the workers sit idle); what waited too long, or whose client left, is dropped unserved
# (web/shedding.py); no request runs longer than REQUEST_TIMEOUT_SECONDS.
REQUEST_TIMEOUT_SECONDS = 30
# gunicorn's default (4094) cut a long search with a bare 414; this is gunicorn's maximum and fits
# the longest query the search box sends (search.forms.MAX_QUERY_LENGTH, fully percent-encoded).
LIMIT_REQUEST_LINE = 8190


def _die_with_parent() -> None:
    """In a child: receive SIGTERM if the serve process dies, so no server is left orphaned (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def bind_address(host: str, port: int) -> str:
    """gunicorn's --bind value (IPv6 addresses in brackets)."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def port_is_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True


PREPARE_QUERY_MODEL = (
    "import django; django.setup(); "
    "from paperfeed.search.embedding import prepare_query_model; print(prepare_query_model())"
)


TORCH_EMBEDDER = "paperfeed.search.embedding.torch.SentenceTransformerEmbedder"
ONNX_EMBEDDER = "paperfeed.search.embedding.onnx.OnnxEmbedder"


def worker_settings() -> dict[str, str]:
    """Environment for the job worker beside the web server: documents embedded through ONNX too.

    The fp32 ONNX graph (exported before the workers start) gives the torch model's vectors under
    the same model name, so stored embeddings stay valid; the worker then never loads torch
    (~600 MB), and `serve --with-worker` fits a small machine (bench/memory.py).
    """
    same_model = settings.EMBEDDER == TORCH_EMBEDDER and settings.QUERY_EMBEDDER == "onnx"
    if not same_model or (settings.EMBEDDING_QUANTIZE or "none").lower() != "none":
        return {}  # another embedder, or int8 (another model name): leave the worker as configured
    return {"PAPERFEED_EMBEDDER": ONNX_EMBEDDER}


def demo_site_url(host: str, port: int) -> str:
    """The site URL that matches this server, when none was configured outside production; else ''.

    Mails and feeds link to SITE_URL: on a demo served on another port they would point to a dead host.
    """
    if settings.PRODUCTION or "PAPERFEED_SITE_URL" in os.environ:
        return ""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "[::]") else host
    return f"http://{bind_address(shown, port)}"


class Command(BaseCommand):
    help = "Serve paperfeed with gunicorn (production server); --with-worker also runs the job worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=settings.HOST,
                            help=f"Address to listen on (default {settings.HOST}; 0.0.0.0 for every interface).")
        parser.add_argument("--port", type=int, default=settings.PORT, help=f"Port (default {settings.PORT}).")
        parser.add_argument("--workers", type=int, default=settings.WEB_WORKERS,
                            help=f"gunicorn worker processes (default {settings.WEB_WORKERS}; about one per CPU core).")
        parser.add_argument("--with-worker", action="store_true",
                            help="Also run the background job worker (paperfeed worker).")
        parser.add_argument("--access-log", action="store_true", help="Print one line per request.")
        parser.add_argument("--skip-collectstatic", action="store_true",
                            help="Serve static files as they are (they are still found without collecting).")

    def handle(self, *args, host: str, port: int, workers: int, with_worker: bool, access_log: bool,
               skip_collectstatic: bool, **options) -> None:
        """Check the port, collect static files, start the children and supervise them."""
        if not 1 <= port <= 65535:
            raise CommandError(f"--port must be between 1 and 65535, got {port}.")
        if not 1 <= workers <= 64:
            raise CommandError(f"--workers must be between 1 and 64, got {workers}.")
        if not port_is_free(host, port):
            raise CommandError(f"{host}:{port} is in use (another server running?). "
                               "Stop it, or pass --port N to use another port.")
        self._warn_unapplied_migrations()
        if not skip_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        self._site_url = demo_site_url(host, port)
        # Every child inherits it (_env): the gunicorn workers' metrics add up at /metrics.
        os.environ[VARIABLE] = fresh_multiproc_dir(settings.DATA_DIR)
        self._prepare_query_model()
        children = {"web": self._start_gunicorn(host, port, workers, access_log)}
        if with_worker:
            children["worker"] = self._spawn([sys.executable, "-m", "paperfeed.cli", "worker"], **worker_settings())
        shown = host if ":" not in host else f"[{host}]"
        self.stdout.write(f"paperfeed serving http://{shown}:{port}/ with {workers} worker(s)"
                          f"{' and the job worker' if 'worker' in children else ''}. Ctrl-C stops it.")
        self.stdout.flush()
        self._supervise(children)

    def _warn_unapplied_migrations(self) -> None:
        connection = connections["default"]
        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:  # a broken database is reported by the first request, with detail
            self.stderr.write(f"Could not check migrations: {exc}")
            return
        finally:
            connection.close()
        if pending:
            self.stderr.write(f"{len(pending)} migration(s) not applied: run `paperfeed migrate` first.")

    def _prepare_query_model(self) -> None:
        # Web workers never load torch (search.embedding.forbid_torch); exporting the ONNX query
        # graph needs it once, so a short-lived child does it and gives its memory back on exit.
        done = subprocess.run([sys.executable, "-c", PREPARE_QUERY_MODEL], env=self._env(),
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["no message"])[-1]
            self.stderr.write(f"Could not prepare the query model ({tail}); search is keyword-only until it exists.")

    def _start_gunicorn(self, host: str, port: int, workers: int, access_log: bool) -> subprocess.Popen:
        cmd = [
            sys.executable, "-m", "gunicorn", "paperfeed.web.serving:application",
            "--bind", bind_address(host, port),
            "--workers", str(workers),
            "--worker-class", "sync",
            "--timeout", str(REQUEST_TIMEOUT_SECONDS),
            "--graceful-timeout", str(STOP_GRACE_SECONDS - 2),
            "--backlog", str(max(1, settings.WEB_QUEUE_PER_WORKER) * workers),
            "--limit-request-line", str(LIMIT_REQUEST_LINE),
            "--log-level", "warning",
            # gunicorn believes X-Forwarded-Proto (the scheme Django sees) from these proxies only.
            "--forwarded-allow-ips", ",".join(str(ipaddress.ip_network(entry, strict=False))
                                              for entry in settings.TRUSTED_PROXIES),
        ]
        if access_log:
            # Django's access line (web/logs.py): request id and duration, text or JSON like every log.
            self._access_log = True
        if settings.LOG_FORMAT == "json":
            # gunicorn's own lines (worker boots, timeouts) as JSON too: one format in the log.
            config = settings.DATA_DIR / "gunicorn-logging.json"
            config.write_text(json.dumps(gunicorn_log_config(settings.LOGGING)))
            cmd += ["--log-config-json", str(config)]
        return self._spawn(cmd)

    _site_url = ""
    _access_log = False

    def _env(self) -> dict[str, str]:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "paperfeed.settings"),
               "PAPERFEED_DATA_DIR": str(settings.DATA_DIR)}
        if self._site_url:
            env["PAPERFEED_SITE_URL"] = self._site_url
        return env

    def _spawn(self, cmd: list[str], **settings_env: str) -> subprocess.Popen:
        env = {**self._env(), **settings_env}
        if self._access_log:
            env["PAPERFEED_ACCESS_LOG"] = "1"
        if not sys.stderr.isatty():
            # A log file or the journal gets no progress bars (tqdm reads TQDM_DISABLE).
            env.setdefault("TQDM_DISABLE", "1")
        # A session of their own: Ctrl-C reaches only this process, which then stops each child
        # gracefully with SIGTERM (gunicorn finishes requests in flight; the worker its job).
        return subprocess.Popen(cmd, env=env, preexec_fn=_die_with_parent, start_new_session=True)

    def _supervise(self, children: dict[str, subprocess.Popen]) -> None:
        """Wait until Ctrl-C, SIGTERM or the web server's exit; then stop every child."""

        def on_sigterm(signum, frame):
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        # A shell starts background jobs with SIGINT ignored; `kill -INT` must still stop the server.
        previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
        code = 0
        try:
            while True:
                web = children["web"].poll()
                if web is not None:
                    code = web
                    self.stderr.write(f"gunicorn exited with status {web}.")
                    break
                worker = children.get("worker")
                if worker is not None and worker.poll() is not None:
                    self.stderr.write(f"The job worker exited with status {worker.returncode}; still serving.")
                    del children["worker"]
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write(f"Stopping (up to {STOP_GRACE_SECONDS} s; Ctrl-C again to stop at once)…")
        finally:
            signal.signal(signal.SIGTERM, previous)
            self._stop(children)
            signal.signal(signal.SIGINT, previous_int)
        if code:
            raise CommandError("The web server stopped unexpectedly (see its messages above).")

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for proc in children.values():
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            except KeyboardInterrupt:  # a second Ctrl-C: stop at once
                for other in children.values():
                    if other.poll() is None:
                        other.kill()
                break
