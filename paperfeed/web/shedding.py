"""Shedding load: a request whose client hung up while it waited in the queue is not served.

Under overload, requests wait in the kernel's accept queue; a client that gives up closes its
connection, but gunicorn would still run the page for nobody while live requests wait behind it.
One non-blocking peek at the socket before the view runs tells: an orderly close (b"") or a reset
means nobody is listening, and the request is answered 499 at once.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

GONE_STATUS = "499 Client Closed Request"  # nginx's name for it; shows in the access log


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


class ShedGoneClients:
    """WSGI wrapper: answer 499 without running the app when the client is already gone."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if client_gone(environ.get("gunicorn.socket")):
            start_response(GONE_STATUS, [("Content-Length", "0")])
            return [b""]
        return self.app(environ, start_response)
