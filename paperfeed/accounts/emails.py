"""Account emails: one small function per email returning its context; templates subject/body.txt/body.html."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string
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


def confirm_email_context(*, user, request: HttpRequest) -> dict:
    """Context of the "confirm your address" email."""
    url = request.build_absolute_uri(reverse("confirm_email", kwargs={"token": make_confirm_token(user)}))
    return {"user": user, "confirm_url": url, "days": confirm_max_age_days(), "site_name": settings.SITE_NAME}


def send_templated(*, template: str, to: str, context: dict) -> None:
    """Render ``<template>/subject.txt``, ``body.txt`` and ``body.html`` and send them."""
    subject = " ".join(render_to_string(f"{template}/subject.txt", context).split())
    text = render_to_string(f"{template}/body.txt", context)
    html = render_to_string(f"{template}/body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_confirmation(*, user, request: HttpRequest) -> None:
    """Send the account-confirmation email."""
    send_templated(
        template="accounts/emails/confirm", to=user.email, context=confirm_email_context(user=user, request=request)
    )
