"""``paperfeed serve``: the production web server (gunicorn, static files by WhiteNoise).

    paperfeed serve [--host H] [--port N] [--workers W] [--with-worker] [--access-log]

Collects static files, checks the port is free, runs gunicorn with W sync workers and, with
``--with-worker``, the background job worker (``paperfeed worker``) beside it. Ctrl-C (or
SIGTERM) stops every child process; if gunicorn stops, the worker is stopped too.
"""

from __future__ import annotations

import ctypes
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

STOP_GRACE_SECONDS = 10


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
        children = {"web": self._start_gunicorn(host, port, workers, access_log)}
        if with_worker:
            children["worker"] = self._spawn([sys.executable, "-m", "paperfeed.cli", "worker"])
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

    def _start_gunicorn(self, host: str, port: int, workers: int, access_log: bool) -> subprocess.Popen:
        cmd = [
            sys.executable, "-m", "gunicorn", "paperfeed.web.serving:application",
            "--bind", bind_address(host, port),
            "--workers", str(workers),
            "--worker-class", "sync",
            "--timeout", "60",
            "--graceful-timeout", str(STOP_GRACE_SECONDS - 2),
            "--backlog", "2048",
            "--log-level", "warning",
            "--forwarded-allow-ips", settings.FORWARDED_ALLOW_IPS,
        ]
        if access_log:
            cmd += ["--access-logfile", "-"]
        return self._spawn(cmd)

    def _spawn(self, cmd: list[str]) -> subprocess.Popen:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "paperfeed.settings"),
               "PAPERFEED_DATA_DIR": str(settings.DATA_DIR)}
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
