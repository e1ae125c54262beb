"""A short-lived cache of whole pages for anonymous readers.

Most traffic is anonymous readers of the same few pages, so a rendered page is kept for
``PAPERFEED_PAGE_CACHE_SECONDS`` (default 2): a new paper or vote shows within that many
seconds, and a busy page is rendered once per interval per worker instead of once per request.

Only requests without a session or messages cookie are served from the cache, so a signed-in
reader always sees their own votes and links. Pages carry CSRF-protected forms (subscribe,
votes): a cached page is rendered against a throwaway CSRF secret that no browser ever holds,
its form tokens are replaced by a placeholder, and each response gets the reader's own token.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable

from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils.cache import patch_vary_headers
from django.utils.crypto import get_random_string

_PLACEHOLDER = b"__paperfeed_csrf__"
_TOKEN_RE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
_CSRF_META = ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE")


def cache_seconds() -> float:
    """How long a rendered page may be served; 0 disables the cache.

    ``settings.PAGE_CACHE_SECONDS`` wins when set (tests set it); otherwise the cache is off in
    Django's test environment, so no test sees a page cached by another, and
    ``PAPERFEED_PAGE_CACHE_SECONDS`` (default 2) applies everywhere else.
    """
    raw = getattr(settings, "PAGE_CACHE_SECONDS", None)
    if raw is None:
        if hasattr(mail, "outbox"):  # set by Django's setup_test_environment()
            return 0.0
        raw = os.environ.get("PAPERFEED_PAGE_CACHE_SECONDS", "2")
    try:
        return max(0.0, float(raw))
    except ValueError:
        return 0.0


def is_cacheable(request: HttpRequest) -> bool:
    """True for a GET/HEAD from a reader with no session or messages cookie."""
    if request.method not in ("GET", "HEAD"):
        return False
    allowed = {settings.CSRF_COOKIE_NAME}
    return all(name in allowed for name in request.COOKIES)


def anonymous_page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view``'s 200 responses from a short-lived cache for anonymous readers."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = cache_seconds()
        if seconds <= 0 or not is_cacheable(request):
            return view(request, *args, **kwargs)
        cache = caches["default"]
        key = "pf:page:" + hashlib.sha1(request.get_full_path().encode()).hexdigest()
        entry = cache.get(key)
        if entry is None:
            response = _render_detached(view, request, args, kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            entry = (response.content, response["Content-Type"])
            cache.set(key, entry, seconds)
        return _personalise(request, *entry)

    return wrapper


def _render_detached(view: Callable[..., HttpResponse], request: HttpRequest, args, kwargs) -> HttpResponse:
    """Render with a throwaway CSRF secret and replace form tokens by the placeholder."""
    saved = {name: request.META[name] for name in _CSRF_META if name in request.META}
    request.META["CSRF_COOKIE"] = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
    try:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
    finally:
        for name in _CSRF_META:
            request.META.pop(name, None)
        request.META.update(saved)
    if response.status_code == 200 and not response.streaming:
        response.content = _TOKEN_RE.sub(rb"\1" + _PLACEHOLDER + rb"\2", response.content)
    return response


def _personalise(request: HttpRequest, content: bytes, content_type: str) -> HttpResponse:
    """A response carrying the reader's own CSRF token in place of the placeholder."""
    if _PLACEHOLDER in content:
        content = content.replace(_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content, content_type=content_type)
    patch_vary_headers(response, ["Cookie"])
    return response
