"""Digest emails, warehouse style: one context function per email + subject.txt/body.txt/body.html.

The HTML part has its CSS inlined (css-inline) for mail clients that drop <style>; the <style>
block is kept for the dark-mode media query, which cannot be inlined.
"""

from __future__ import annotations

import functools
from email.utils import parseaddr
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from paperfeed.accounts.emails import MailMessage, render_subject

from .models import Delivery, Subscriber
from .tokens import make_token


def site_url(path: str) -> str:
    """Absolute URL on this site (SITE_URL + path)."""
    return settings.SITE_URL.rstrip("/") + path


def mail_domain() -> str:
    """The domain used in Message-IDs: the From address's domain, else SITE_URL's host."""
    addr = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return addr.rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "localhost"


@functools.lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


_PLACEHOLDER = "TOKEN-PLACEHOLDER"


@functools.lru_cache(maxsize=32)
def _url_pattern(name: str, site: str) -> str:
    # reverse() costs about as much as rendering a template: resolve each route once per process.
    return site.rstrip("/") + reverse(name, args=[_PLACEHOLDER])


def token_url(name: str, token: str, *, base: str | None = None) -> str:
    """URL of the token-taking route ``name`` (e.g. 'digests:unsubscribe'): absolute on SITE_URL,
    or on ``base`` ("" for a relative link, as web pages use)."""
    return _url_pattern(name, settings.SITE_URL if base is None else base).replace(_PLACEHOLDER, token)


def links(subscriber: Subscriber, delivery: Delivery | None = None, *, base: str | None = None) -> dict[str, str]:
    """The signed links every mail carries (``base=""``: relative, for web pages)."""
    manage = make_token("manage", subscriber)
    out = {
        "unsubscribe_url": token_url("digests:unsubscribe", make_token("unsubscribe", subscriber), base=base),
        "preferences_url": token_url("digests:preferences", manage, base=base),
        "preview_url": token_url("digests:preview", manage, base=base),
    }
    if delivery is not None:
        out["view_url"] = token_url("digests:view", make_token("view", subscriber, delivery=delivery), base=base)
    return out


def paper_view(paper) -> dict[str, str]:
    """What a digest shows of a paper, as plain strings (memoised on the instance: a batch of
    digests shares its papers, and plain strings keep template rendering cheap)."""
    view = getattr(paper, "_digest_view", None)
    if view is None:
        authors = list(paper.authors or [])
        line = ", ".join(authors[:4]) + (" et al." if len(authors) > 4 else "")
        view = paper._digest_view = {
            "title": " ".join(paper.title.split()),
            "authors": line,
            "category": paper.primary_category,
            "url": site_url(paper.get_absolute_url()),
        }
    return view


def render_email(
    name: str, context: dict, *, to: str, headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """Render templates/digests/email/<name>/{subject.txt,body.txt,body.html} into one message."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = render_subject(f"digests/email/{name}/subject.txt", context)
    text = render_to_string(f"digests/email/{name}/body.txt", context)
    html = _inliner().inline(render_to_string(f"digests/email/{name}/body.html", context))
    msg = MailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers or {})
    msg.attach_alternative(html, "text/html")
    return msg


def confirmation_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    """The double opt-in mail with a signed, expiring confirmation link."""
    url = token_url("digests:confirm", make_token("confirm", subscriber))
    days = settings.DIGEST_TOKEN_MAX_AGE_DAYS
    return render_email("confirm", {"confirm_url": url, "days": days, "subscriber": subscriber}, to=subscriber.email)


def already_subscribed_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    """Sent instead of a confirmation when an active address subscribes again (no leak on the web)."""
    return render_email("already", {"subscriber": subscriber, **links(subscriber)}, to=subscriber.email)


def unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe (https, plus mailto when configured) and RFC 8058 one-click."""
    value = f"<{unsubscribe_url}>"
    mailto = settings.DIGEST_UNSUBSCRIBE_MAILTO
    if mailto:
        token = unsubscribe_url.rstrip("/").rpartition("/")[2]
        value += f", <mailto:{mailto}?subject=unsubscribe%20{token}>"
    return {"List-Unsubscribe": value, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def digest_message_id(delivery: Delivery, subscriber: Subscriber) -> str:
    """A Message-ID stable for this (subscriber, period): a resend after a crash carries the same one."""
    period = delivery.period.replace(":", ".")
    return f"<digest.{period}.{delivery.pk}.{subscriber.secret[:8]}@{mail_domain()}>"


def digest_context(delivery: Delivery, subscriber: Subscriber, papers: dict[int, object], *,
                   base: str | None = None) -> dict:
    """Template context of one digest: its papers in order with their reasons, and the links
    (absolute for mail; ``base=""`` gives relative ones for a web page)."""
    reasons = delivery.reasons or [""] * len(delivery.paper_ids)
    items = [{**paper_view(papers[pid]), "reason": reason} for pid, reason in zip(delivery.paper_ids, reasons) if pid in papers]
    if base is not None:
        for item, pid in zip(items, [p for p in delivery.paper_ids if p in papers]):
            item["url"] = base + papers[pid].get_absolute_url()
    kind, _, label = delivery.period.partition(":")
    return {
        "subscriber": subscriber,
        "delivery": delivery,
        "items": items,
        "period_kind": "weekly" if kind == "weekly" else "daily",
        "period_label": label,
        **links(subscriber, delivery, base=base),
    }


def digest_email(delivery: Delivery, subscriber: Subscriber, papers: dict[int, object]) -> EmailMultiAlternatives:
    """The digest mail for one delivery, with List-Unsubscribe headers and a stable Message-ID."""
    context = digest_context(delivery, subscriber, papers)
    headers = unsubscribe_headers(context["unsubscribe_url"])
    headers["Message-ID"] = delivery.message_id or digest_message_id(delivery, subscriber)
    headers["X-Paperfeed-Period"] = delivery.period
    return render_email("digest", context, to=subscriber.email, headers=headers)
