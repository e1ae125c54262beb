"""Digest settings: Django setting of the same name, else PAPERFEED_<NAME> from the environment, else the default."""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, tuple[object, str]] = {
    "DIGEST_HOUR_UTC": (7, "Hour (UTC) from which the day's digests are due."),
    "DIGEST_TOKEN_MAX_AGE_DAYS": (7, "Days a confirmation link stays valid."),
    "DIGEST_CANDIDATES": (200, "Trending papers considered per period before personal filtering."),
    "DIGEST_CANDIDATES_FUNCTION": (
        "paperfeed.community.services.trending_papers",
        "Dotted path of the function giving (paper, score, reason) candidates for a period.",
    ),
    "DIGEST_CLAIM_LEASE_SECONDS": (600, "A claimed delivery not finished after this long is taken over."),
    "DIGEST_RETRY_BASE_SECONDS": (300, "First retry delay after a temporary (4xx) failure; doubles each time."),
    "DIGEST_RETRY_MAX_SECONDS": (6 * 3600, "Longest retry delay."),
    "DIGEST_MAX_ATTEMPTS": (8, "Attempts before a delivery is given up (the address is not suppressed)."),
    "DIGEST_SEND_BATCH": (100, "Deliveries claimed per database transaction."),
    "DIGEST_SMTP_CONNECTIONS": (1, "Parallel SMTP connections (threads) per `digest send`."),
    "DIGEST_UNSUBSCRIBE_MAILTO": ("", "Address for mailto: List-Unsubscribe (empty: https only)."),
    "DIGEST_SUBSCRIBE_PER_ADDRESS": ("3/h", "Subscribe requests per target address (mail-bombing guard)."),
}


def setting(name: str):
    """The value of digest setting ``name`` (typed like its default)."""
    default = DEFAULTS[name][0]
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(f"PAPERFEED_{name}")
    if raw is None:
        return default
    return type(default)(raw)
