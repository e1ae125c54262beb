"""Account emails: one small function per email returning its context; templates subject/body.txt/body.html."""

from __future__ import annotations

from urllib.parse import urlsplit

from email.message import Message

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import forbid_multi_line_headers
from django.http import HttpRequest
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse

CONFIRM_SALT = "paperfeed.community.confirm-email"  # unchanged by the move: links in flight stay valid


def confirm_max_age_days() -> int:
    """How long a confirmation link stays valid (setting ``ACCOUNT_CONFIRM_DAYS``)."""
    return settings.ACCOUNT_CONFIRM_DAYS


def make_confirm_token(user) -> str:
    """A signed, timestamped token naming the account and the address it confirms."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> dict:
    """The token's payload; raises ``signing.BadSignature`` (or ``SignatureExpired``) when invalid."""
    return signing.loads(token, salt=CONFIRM_SALT, max_age=confirm_max_age_days() * 86400)


def site_link(path: str) -> str:
    """The public URL of ``path`` on this site: ``settings.SITE_URL`` (never the request's host,
    which behind a proxy is the proxy's view: http, a loopback address, no port)."""
    return settings.SITE_URL.rstrip("/") + path


def site_link_context() -> dict:
    """``protocol`` and ``domain`` from ``settings.SITE_URL``, for Django's password-reset mail."""
    parts = urlsplit(settings.SITE_URL.rstrip("/"))
    return {"protocol": parts.scheme, "domain": parts.netloc + parts.path}


def confirm_email_context(*, user, request: HttpRequest) -> dict:
    """Context of the "confirm your address" email."""
    url = site_link(reverse("confirm_email", kwargs={"token": make_confirm_token(user)}))
    return {"user": user, "confirm_url": url, "days": confirm_max_age_days(), "site_name": settings.SITE_NAME}


def render_subject(template_name: str, context: dict) -> str:
    """A mail subject from its template: plain text (never HTML-escaped) on one line.

    Every mail the service sends takes its subject from here. Autoescaping is for HTML: in a
    subject it would show ``&amp;`` and ``&#x27;`` in the inbox. Newlines (header injection) and
    runs of whitespace become one space; the email package folds long subjects per RFC 5322
    when the message is written out.
    """
    template = get_template(template_name).template  # the engine's Template, to render without escaping
    return " ".join(template.render(Context(context, autoescape=False)).split())


class MailMessage(EmailMultiAlternatives):
    """A multipart mail whose Subject the email package folds per RFC 5322 when written out.

    Django pre-encodes a non-ASCII subject into encoded words without the header's name, and the
    result runs past 78 characters a line; given the plain string, the standard library encodes
    and folds it within the limit.
    """

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        forbid_multi_line_headers("Subject", self.subject, self.encoding)  # still no header injection
        del msg["Subject"]
        Message.__setitem__(msg, "Subject", self.subject)
        return msg


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's password-reset form, sending its mail with a plain, RFC 5322-folded subject."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None) -> None:
        """Render and send the reset mail (Django's own, except for the subject's handling)."""
        message = MailMessage(render_subject(subject_template_name, context),
                              render_to_string(email_template_name, context), from_email, [to_email])
        if html_email_template_name:
            message.attach_alternative(render_to_string(html_email_template_name, context), "text/html")
        message.send()


def send_templated(*, template: str, to: str, context: dict) -> None:
    """Render ``<template>/subject.txt``, ``body.txt`` and ``body.html`` and send them."""
    subject = render_subject(f"{template}/subject.txt", context)
    text = render_to_string(f"{template}/body.txt", context)
    html = render_to_string(f"{template}/body.html", context)
    message = MailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_confirmation(*, user, request: HttpRequest) -> None:
    """Send the account-confirmation email."""
    send_templated(
        template="accounts/emails/confirm", to=user.email, context=confirm_email_context(user=user, request=request)
    )
