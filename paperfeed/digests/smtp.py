"""SMTP with a two-phase end of DATA: a hook runs after the message body was written and before
the final ``.`` line, so the sender can commit ``handed_off`` at the last moment it still knows the
server has not accepted the message.

Used through ``HandoffEmailBackend``, a subclass of Django's SMTP email backend (same host, port,
TLS, SSL, auth and timeout settings). ``handoff_connection()`` picks it whenever the configured
backend is Django's plain SMTP backend.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.utils.module_loading import import_string

END_OF_DATA = b"." + smtplib.bCRLF


class HandoffAborted(Exception):
    """The end-of-data hook refused (the claim was lost): the DATA was abandoned, nothing was sent."""


class HandoffSMTPMixin:
    """``data()`` exactly as in smtplib, split before the terminator to run ``before_end_of_data``.

    ``end_of_data_sent`` tells afterwards whether the terminator was written: an error after that
    point means the server may have accepted the message.
    """

    before_end_of_data: Callable[[], bool] | None = None
    end_of_data_sent: bool = False

    def connect(self, host: str = "localhost", port: int = 0, source_address=None):
        reply = super().connect(host, port, source_address)
        # The terminator is a small write of its own after the body: without TCP_NODELAY, Nagle's
        # algorithm holds it until the server's (delayed, ~40 ms) ACK of the body arrives.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def data(self, msg: bytes | str) -> tuple[int, bytes]:
        self.putcmd("data")
        code, repl = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        # Same transformation as smtplib.SMTP.data (CPython 3.11), using its own helpers so that
        # dot-stuffing and line endings stay byte-identical to what Django's backend sends.
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        body = smtplib._quote_periods(msg)
        if body[-2:] != smtplib.bCRLF:
            body += smtplib.bCRLF
        self.send(body)
        hook = self.before_end_of_data
        if hook is not None:
            try:
                proceed = hook()
            except BaseException:
                self.close()  # a DATA that never ends is discarded by the server
                raise
            if not proceed:
                self.close()
                raise HandoffAborted("claim lost before the end of data; message abandoned")
        self.send(END_OF_DATA)
        self.end_of_data_sent = True
        return self.getreply()


@cache
def _handoff_class(base: type[smtplib.SMTP]) -> type[smtplib.SMTP]:
    return type(f"Handoff{base.__name__}", (HandoffSMTPMixin, base), {})


class HandoffEmailBackend(DjangoSMTPBackend):
    """Django's SMTP backend whose connections run a hook just before the end of each message's DATA."""

    end_of_data_sent: bool = False  # of the last message: was its terminator written?

    @property
    def connection_class(self):
        return _handoff_class(super().connection_class)

    def send_with_handoff(self, message, *, before_end_of_data: Callable[[], bool]) -> bool:
        """Send one message over the open (or newly opened) connection; True once the server said 250.

        ``before_end_of_data()`` runs after the body was written and before the terminator; when it
        returns False the DATA is abandoned and ``HandoffAborted`` raised.
        """
        self.end_of_data_sent = False
        self.open()
        conn = self.connection
        conn.before_end_of_data, conn.end_of_data_sent = before_end_of_data, False
        try:
            return self.send_messages([message]) == 1
        finally:
            self.end_of_data_sent = conn.end_of_data_sent
            conn.before_end_of_data = None


def handoff_connection():
    """The configured email backend, as ``HandoffEmailBackend`` when it is Django's SMTP backend."""
    backend = settings.EMAIL_BACKEND
    if import_string(backend) is DjangoSMTPBackend:
        backend = f"{__name__}.HandoffEmailBackend"
    return get_connection(backend, fail_silently=False)
