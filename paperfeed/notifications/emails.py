"""Notification mail, warehouse style: one context function + subject.txt / body.txt.

Plain text only: what users wrote is reduced to text (``rendering.plain_text``), so a comment can
put no markup into a mail, and the subject carries no user text at all (no header injection).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.utils.text import Truncator

from paperfeed.accounts.emails import MailMessage, render_subject
from paperfeed.digests.emails import mail_domain, site_url
from paperfeed.discussions.rendering import plain_text

from .models import Notification, NotificationMail


def mail_context(mail: NotificationMail) -> dict | None:
    """What the mail says: the account's batched notifications whose comments are still visible."""
    items = list(
        Notification.objects.filter(mail=mail, comment__deleted_at__isnull=True, comment__hidden_at__isnull=True)
        .select_related("comment", "paper", "actor").order_by("created_at", "pk")
    )
    if not items or not mail.user.email:
        return None
    lines = [{
        "kind": n.get_kind_display(),
        "who": n.actor.get_username() if n.actor else "someone",
        "title": " ".join(n.paper.title.split()),
        "excerpt": Truncator(" ".join(plain_text(n.comment.body_html).split())).chars(300),
        "url": site_url(f"{n.paper.get_absolute_url()}#c-{n.comment_id}"),
    } for n in items]
    return {
        "user": mail.user.get_username(), "items": lines, "site_name": settings.SITE_NAME,
        "page_url": site_url("/notifications/"), "settings_url": site_url("/notifications/#preferences"),
    }


def notification_email(mail: NotificationMail) -> MailMessage | None:
    """The message for one outbox row, or None when nothing is left to say."""
    context = mail_context(mail)
    if context is None:
        return None
    subject = render_subject("notifications/email/subject.txt", context)
    body = render_to_string("notifications/email/body.txt", context)
    return MailMessage(
        subject=subject, body=body, to=[mail.user.email],
        headers={"Message-ID": make_msgid(domain=mail_domain()), "Auto-Submitted": "auto-generated"},
    )
