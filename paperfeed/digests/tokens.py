"""Signed links in digest mails: confirm (expiring), preferences, unsubscribe, view in browser.

Tokens are ``django.core.signing`` dumps (HMAC with SECRET_KEY, a salt per purpose) carrying the
subscriber's id and the first characters of its ``secret``: rotating a subscriber's secret
revokes every link mailed before. Only the confirmation link expires (DIGEST_TOKEN_MAX_AGE_DAYS);
unsubscribe and preferences links keep working in old mails, as they must.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core import signing

from .models import Delivery, Subscriber

PURPOSES = ("confirm", "manage", "unsubscribe", "view")


def _salt(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return f"paperfeed.digests.{purpose}"


def make_token(purpose: str, subscriber: Subscriber, *, delivery: Delivery | None = None) -> str:
    """A URL-safe signed token for ``purpose`` naming ``subscriber`` (and ``delivery`` for 'view')."""
    payload = {"s": subscriber.pk, "k": subscriber.secret[:10]}
    if delivery is not None:
        payload["d"] = delivery.pk
    return signing.dumps(payload, salt=_salt(purpose), compress=False)


def read_token(purpose: str, token: str) -> tuple[Subscriber, int | None] | None:
    """The (subscriber, delivery id) a valid token names, or None when forged, expired or revoked."""
    max_age = None
    if purpose == "confirm":
        max_age = settings.DIGEST_TOKEN_MAX_AGE_DAYS * 86400
    try:
        payload = signing.loads(token, salt=_salt(purpose), max_age=max_age)
        subscriber = Subscriber.objects.get(pk=int(payload["s"]))
    except (signing.BadSignature, Subscriber.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    if not hmac.compare_digest(str(payload.get("k", "")), subscriber.secret[:10]):
        return None
    delivery_id = payload.get("d")
    return subscriber, (int(delivery_id) if delivery_id is not None else None)
