"""Shedding load: a request that waited too long in the queue, or whose client hung up there, is not served.

Under overload, requests wait in the kernel's accept queue. Two kinds are better dropped at once
than run for nobody while live requests wait behind them:

* a client that gave up has closed its connection: one non-blocking peek at the socket before the
  view runs tells (an orderly close, b"", or a reset), and the request is answered 499;
* a request that nginx received more than ``WEB_QUEUE_TIMEOUT`` seconds ago (its
  ``X-Request-Start: t=<seconds>`` header, deploy/nginx.conf) is answered 503 with
  ``Retry-After``: its reader has likely left, and answering it late would make every request
  behind it late too. That bounds the wait when a burst fills the queue. A client that sends the
  header itself (without nginx) can only have its own request shed.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable

from django.conf import settings

GONE_STATUS = "499 Client Closed Request"  # nginx's name for it; shows in the access log
LATE_STATUS = "503 Service Unavailable"


def client_gone(sock: socket.socket | None) -> bool:
    """Whether the peer of ``sock`` has closed or reset the connection (never blocks)."""
    if sock is None:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:  # nothing to read: the client is still waiting for us
        return False
    except ConnectionResetError:
        return True
    except OSError:  # not a socket we can peek: serve as usual
        return False


def queued_seconds(header: str | None, now: float) -> float | None:
    """How long ago a proxy received the request, from ``X-Request-Start`` (None when absent or odd).

    Accepts nginx's ``t=<seconds with milliseconds>`` (``$msec``) and ``t=<microseconds>`` (Apache's ``%t``).
    """
    if not header:
        return None
    try:
        stamp = float(header.strip().removeprefix("t="))
    except ValueError:
        return None
    if stamp > 1e12:  # microseconds since the epoch
        stamp /= 1e6
    waited = now - stamp
    return waited if 0 <= waited < 86_400 else None  # clocks apart or a made-up value: ignored


class ShedGoneClients:
    """WSGI wrapper: answer 499 when the client is already gone, 503 when the request queued too long."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.timeout = float(settings.WEB_QUEUE_TIMEOUT)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if client_gone(environ.get("gunicorn.socket")):
            start_response(GONE_STATUS, [("Content-Length", "0")])
            return [b""]
        if self.timeout > 0:
            waited = queued_seconds(environ.get("HTTP_X_REQUEST_START"), time.time())
            if waited is not None and waited > self.timeout:
                body = b"The site is busy; try again in a moment.\n"
                start_response(LATE_STATUS, [("Content-Type", "text/plain; charset=utf-8"),
                                             ("Content-Length", str(len(body))), ("Retry-After", "1")])
                return [body]
        return self.app(environ, start_response)
