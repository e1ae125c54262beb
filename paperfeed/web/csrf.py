"""CSRF secrets, form tokens and cookies made outside Django's CSRF middleware, as it makes them.

The page cache (``pagecache.py``) answers cached pages before the middleware runs, so it masks
each reader's secret into their form token itself, and sets the cookie for a reader who has none.
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.http import http_date

_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {c: i for i, c in enumerate(_CHARS)}
# The same algorithm as django.middleware.csrf (secret masked by a random one-time pad), with the
# randomness drawn in one os.urandom call instead of one call per character.
_TO_CHARS = bytes(_CHARS[b % 62].encode()[0] for b in range(256))
_UNEVEN = bytes(range(248, 256))  # dropped so every character is equally likely (248 = 4 * 62)


def _random_chars(n: int) -> str:
    out = b""
    while len(out) < n:
        out += os.urandom(n + 8).translate(_TO_CHARS, _UNEVEN)
    return out[:n].decode()


def new_csrf_secret() -> str:
    """A fresh CSRF secret, as Django's CSRF middleware would create it."""
    return _random_chars(CSRF_SECRET_LENGTH)


def mask_csrf_secret(secret: str) -> str:
    """A form token for ``secret`` that Django's CSRF middleware accepts."""
    mask = _random_chars(CSRF_SECRET_LENGTH)
    return mask + "".join(_CHARS[(_INDEX[s] + _INDEX[m]) % 62] for s, m in zip(secret, mask))


def valid_csrf_secret(value: str | None) -> bool:
    """Whether a cookie value is a well-formed CSRF secret."""
    return bool(value) and len(value) == CSRF_SECRET_LENGTH and all(c in _INDEX for c in value)


def csrf_cookie_header(secret: str) -> str:
    """The Set-Cookie value Django's CSRF middleware would send for ``secret`` (same attributes)."""
    age = settings.CSRF_COOKIE_AGE
    attrs = [f"{settings.CSRF_COOKIE_NAME}={secret}"]
    if age is not None:
        attrs += [f"expires={http_date(time.time() + age)}", f"Max-Age={int(age)}"]
    if settings.CSRF_COOKIE_DOMAIN:
        attrs.append(f"Domain={settings.CSRF_COOKIE_DOMAIN}")
    attrs.append(f"Path={settings.CSRF_COOKIE_PATH}")
    if settings.CSRF_COOKIE_SECURE:
        attrs.append("Secure")
    if settings.CSRF_COOKIE_HTTPONLY:
        attrs.append("HttpOnly")
    if settings.CSRF_COOKIE_SAMESITE:
        attrs.append(f"SameSite={settings.CSRF_COOKIE_SAMESITE}")
    return "; ".join(attrs)
