"""A real SMTP server (aiosmtpd) on loopback for tests, with optional fault injection."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RecordingHandler:
    """Keeps every accepted message; refuses every ``fail_every``-th DATA with a 4xx."""

    fail_every: int = 0
    fail_code: str = "451 4.3.0 Try again later"
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        with self.lock:
            self.attempts += 1
            if self.fail_every and self.attempts % self.fail_every == 0:
                return self.fail_code
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose envelope recipients include ``address``."""
        return [m for m, (_, rcpts) in zip(self.messages, self.envelopes) if address in rcpts]


@contextmanager
def smtp_server(*, fail_every: int = 0) -> Iterator[tuple[RecordingHandler, int]]:
    """Run aiosmtpd on 127.0.0.1:<free port>; yields ``(handler, port)``."""
    handler = RecordingHandler(fail_every=fail_every)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
