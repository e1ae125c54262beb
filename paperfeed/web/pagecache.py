"""A short-lived cache of whole pages for anonymous readers.

Most traffic is anonymous readers of the same few pages, so a rendered page is kept for
``settings.PAGE_CACHE_SECONDS`` (default 2; 0 turns the cache off, as the tests do): a new paper
or vote shows within that many seconds, and a busy page is rendered once per interval per worker
instead of once per request. Which pages: the URL names in ``settings.PAGE_CACHE_VIEWS``.
Search results (the page and the API) say which catalogue watermark they were computed under
(``search.services.WATERMARK_HEADER``); past those seconds such a page is still replayed, for up
to ``SEARCH_CACHE_SECONDS``, while the watermark (read at most every half second per worker)
says it holds, as the search's own result cache would have answered it.

Requests without a session or messages cookie are served from the cache as they are. Signed-in
readers (not staff, no messages cookie) of the views in ``settings.PAGE_CACHE_MEMBER_VIEWS`` share
a second entry per page, rendered for a stand-in reader, whose per-reader parts are slots filled
for each request (``paperfeed.web.slots``): they see their own votes, bell and name at once, and
that entry holds no reader's data. Pages carry CSRF-protected forms (subscribe,
votes): a cached page is rendered against a throwaway CSRF secret that no browser ever holds,
the page is stored cut at its form tokens, and each response is joined with the reader's own token.

Two layers use the same entries: ``PageCacheMiddleware`` (fills the cache, works under any
server) and ``PageCacheApp``, a WSGI wrapper that ``paperfeed serve`` puts in front of Django so
a cached page is answered without running the middleware stack at all. Both read the time from
``clock()``, which tests replace to expire entries without waiting.

The "pages" cache is each worker's own. A search answer is also shared (``web/answers.py``):
another worker's fast path replays it while the watermark holds, instead of running Django to
re-assemble it from the shared rendering (0.3 ms against 2–3.5 ms a request at 80k papers).
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core import signals
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, parse_cookie
from django.utils.cache import patch_vary_headers

from paperfeed.search import services
from paperfeed.search.rendered import WHOLE_ANSWER_SHARED
from paperfeed.search.services import WATERMARK_HEADER
from paperfeed.web import answers, readers, slots
from paperfeed.web.csrf import csrf_cookie_header, mask_csrf_secret, new_csrf_secret, valid_csrf_secret
from paperfeed.web.logs import bind_request_id, log_access, new_request_id

_TOKEN_PREFIX = b'name="csrfmiddlewaretoken" value="'
_CSRF_META = ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE")
_KEY_HEADER = "X-Paperfeed-Page-Key"  # internal: set by the middleware, removed by the WSGI layer
FAST_PATH_FLAG = "paperfeed.page_cache"  # in the WSGI environ when PageCacheApp is in front
_SHARE = "paperfeed.page_cache.share"  # environ: a search answer the middleware stored, for the WSGI layer to share
# Headers that say how an answer was made, as a replay from this cache says them (bench/web_search.py
# counts the search answers that ran no search).
REPLAYED = {"X-Search-Cache": "hit"}


def clock() -> float:
    """Now, in seconds since the epoch: when cached pages expire (tests replace this function)."""
    return time.time()


def cache_seconds() -> float:
    """How long a rendered page may be served; 0 disables the cache."""
    return max(0.0, float(settings.PAGE_CACHE_SECONDS))


def fresh_entry(
    key: str, watermark: Callable[[], str | None] = services.watermark
) -> tuple[tuple[bytes, ...], str] | None:
    """The cached page under ``key`` (its parts and content type), unless absent or expired.

    A page that carried ``WATERMARK_HEADER`` (search results) is served past its expiry, for up to
    ``SEARCH_CACHE_SECONDS`` after it was rendered, while ``watermark()`` says what it said then.
    """
    entry = caches["pages"].get(key)
    if entry is None:
        return None
    parts, content_type, expiry, mark, until = entry
    now = clock()
    if expiry > now or (mark is not None and until > now and watermark() == mark):
        return parts, content_type
    return None


def _store(key: str, parts: tuple[bytes, ...], content_type: str, seconds: float, mark: str | None) -> tuple:
    now = clock()
    until = now + max(seconds, services.cache_seconds()) if mark is not None else now + seconds
    entry = (parts, content_type, now + seconds, mark, until)
    caches["pages"].set(key, entry, until - now)
    return entry


# Shared signed-in pages are big (every slot's variants, ~300 KB pickled for a daily page of 60
# papers) and never leave the worker: the "pages" cache holds only each one's expiry, and the entry
# itself stays here unpickled, so a request does not copy it out of the cache.
_MEMBER_ENTRIES: dict[str, tuple[float, tuple]] = {}
_MEMBER_LIMIT = 500


def member_entry(key: str) -> tuple | None:
    """The shared signed-in page under ``key`` (((parts, slots, token mark), content type)), unless absent or expired."""
    expiry = caches["pages"].get(key)
    if expiry is None or expiry <= clock():
        return None
    held = _MEMBER_ENTRIES.get(key)
    return held[1] if held is not None and held[0] == expiry else None


def _keep_member_entry(key: str, entry: tuple, seconds: float) -> None:
    now = clock()
    if len(_MEMBER_ENTRIES) >= _MEMBER_LIMIT:
        for old in [k for k, (expiry, _) in list(_MEMBER_ENTRIES.items()) if expiry <= now]:
            _MEMBER_ENTRIES.pop(old, None)
        if len(_MEMBER_ENTRIES) >= _MEMBER_LIMIT:
            _MEMBER_ENTRIES.clear()
    _MEMBER_ENTRIES[key] = (now + seconds, entry)
    caches["pages"].set(key, now + seconds, seconds)


def page_key(environ: dict) -> str:
    """The cache key of a request, from its WSGI environ (or ``request.META``)."""
    target = f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
    # "page3": entries are (parts, content type, expiry, watermark, served until); older ones differ.
    return "pf:page3:" + hashlib.sha1(target.encode("utf-8", "surrogateescape")).hexdigest()


def member_key(environ: dict) -> str:
    """The cache key of the page signed-in readers share (see paperfeed.web.slots)."""
    return "pf:member2:" + page_key(environ)[len("pf:page3:"):]  # "2": parts cut at tokens


def member_cookies(cookie_names: Iterable[str]) -> bool:
    """True when there is a session cookie and nothing else but the CSRF cookie (no messages)."""
    names = set(cookie_names)
    return settings.SESSION_COOKIE_NAME in names and names <= {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


def cookies_allow_cache(cookie_names: Iterable[str]) -> bool:
    """True when the only cookie, if any, is the CSRF cookie: no session, no messages."""
    return all(name == settings.CSRF_COOKIE_NAME for name in cookie_names)


def headers_allow_cache(environ: dict) -> bool:
    """False when the answer depends on who asks or what they accept beyond the URL.

    A bearer token makes a request personal (``sort=personal`` must never reach anyone else), and
    ``Accept: text/markdown`` gets another representation of the same URL.
    """
    return not environ.get("HTTP_AUTHORIZATION") and "text/markdown" not in environ.get("HTTP_ACCEPT", "")


def is_cacheable(request: HttpRequest) -> bool:
    """True for a GET/HEAD from an anonymous reader: no session or messages cookie, no token."""
    return (request.method in ("GET", "HEAD") and cookies_allow_cache(request.COOKIES)
            and headers_allow_cache(request.META))


def split_at_tokens(content: bytes) -> tuple[bytes, ...]:
    """Cut a page where its hidden csrfmiddlewaretoken values are, dropping the values.

    ``token.join(parts)`` rebuilds the page with ``token`` in every form. Data cannot fake a cut:
    the server escapes every quote in it, so the exact input prefix never comes from data.
    """
    pieces = content.split(_TOKEN_PREFIX)
    parts = [pieces[0] + _TOKEN_PREFIX] if len(pieces) > 1 else [pieces[0]]
    for i, piece in enumerate(pieces[1:], start=1):
        end = piece.find(b'"')
        rest = piece[end:] if end != -1 else piece
        parts.append(rest + _TOKEN_PREFIX if i < len(pieces) - 1 else rest)
    return tuple(parts)


# --- the middleware ---------------------------------------------------------------------------


class PageCacheMiddleware:
    """Serve (and fill) the page cache for the views named in ``settings.PAGE_CACHE_VIEWS``.

    It goes last in ``MIDDLEWARE``: the view runs inside every other middleware, as it would uncached.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if WATERMARK_HEADER in response:  # internal: never sent
            del response[WATERMARK_HEADER]
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        """A cached (or freshly cached) page for a listed view and an anonymous GET; else None."""
        seconds = cache_seconds()
        if seconds <= 0:
            return None
        if is_member_cacheable(request):
            return _member_page(request, view, args, kwargs, seconds)
        if not is_cacheable(request):
            return None
        if request.resolver_match.view_name not in settings.PAGE_CACHE_VIEWS:
            return None
        key = page_key(request.META)
        entry = fresh_entry(key)
        said: dict[str, str] = {}
        if entry is None:
            if request.META.get(FAST_PATH_FLAG):
                request.META[WHOLE_ANSWER_SHARED] = True  # a search answer: shared whole in _capture, not in parts
            response, parts = _render_detached(view, request, args, kwargs)
            said = {name: response[name] for name in REPLAYED if response.has_header(name)}
            if response.status_code != 200 or response.streaming:
                # Not cached (errors, redirects): it still gets the reader's own token.
                if len(parts) > 1:
                    response.content = _token_for(request).join(parts)
                return response
            entry = (parts, response["Content-Type"])
            stored = _store(key, *entry, seconds, response.get(WATERMARK_HEADER))
            if stored[3] is not None and request.META.get(FAST_PATH_FLAG):
                request.META[_SHARE] = stored  # a search answer: shared once its final headers are known
        response = _personalise(request, *entry)
        for name, value in said.items():  # the fast path learns them (as REPLAYED says them)
            response[name] = value
        if request.META.get(FAST_PATH_FLAG):
            response[_KEY_HEADER] = key  # lets PageCacheApp learn this page's final headers
        return response


def _render_detached(
    view: Callable[..., HttpResponse], request: HttpRequest, args, kwargs, *, split: bool = True
) -> tuple[HttpResponse, tuple[bytes, ...]]:
    """Render with a throwaway CSRF secret; return the response and its content cut at the tokens."""
    saved = {name: request.META[name] for name in _CSRF_META if name in request.META}
    request.META["CSRF_COOKIE"] = new_csrf_secret()
    try:
        response = view(request, *args, **kwargs)
        if callable(getattr(response, "render", None)):
            response = response.render()
    finally:
        for name in _CSRF_META:
            request.META.pop(name, None)
        request.META.update(saved)
    return response, (() if response.streaming or not split else split_at_tokens(response.content))


# --- signed-in readers: one shared page, per-reader slots (see paperfeed.web.slots) -----------


def is_member_cacheable(request: HttpRequest) -> bool:
    """True for a GET/HEAD of a shared view by a signed-in, non-staff reader with no pending messages.

    Staff get a full render (their pages carry staff-only links); a messages cookie means a
    message to show once, which only a full render does.
    """
    if request.method not in ("GET", "HEAD") or not headers_allow_cache(request.META):
        return False
    if not member_cookies(request.COOKIES):
        return False
    if request.resolver_match.view_name not in settings.PAGE_CACHE_MEMBER_VIEWS:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active
                and not user.is_staff and not user.is_superuser)


def _member_page(request: HttpRequest, view, args, kwargs, seconds: float) -> HttpResponse | None:
    """The shared signed-in page with this reader's slots filled in; None: render it in full."""
    key = member_key(request.META)
    entry = member_entry(key)
    if entry is None:
        # Not shareable (see _render_shared) is remembered too: one wasted render per interval.
        entry = _render_shared(request, view, args, kwargs) or (None, "")
        _keep_member_entry(key, entry, seconds)
    if entry[0] is None:
        return None
    (parts, found, _), content_type = entry
    content = slots.fill(parts, found, request.user, lambda: _token_for(request))
    if content is None:
        return None
    response = HttpResponse(content, content_type=content_type)
    patch_vary_headers(response, ["Cookie"])
    if request.META.get(FAST_PATH_FLAG):
        response[_KEY_HEADER] = key  # lets PageCacheApp serve the next ones without the middleware
    return response


def _render_shared(request: HttpRequest, view, args, kwargs) -> tuple[tuple, str] | None:
    """Render the view for the stand-in reader: ((parts, slots, token mark), content type); None: not shareable."""
    # On a copy: what tags note on the request ("assets already emitted", cached ids) must not
    # leak into the full render that follows when the page turns out not shareable.
    shared = copy.copy(request)
    shared.user = stand_in = slots.stand_in_user()
    shared.session = type(request.session)()  # empty: nothing of the reader's session reaches the page
    shared._messages = []  # the reader's session-stored messages stay for their next full render
    nonce = slots.begin(shared)
    try:
        response, _ = _render_detached(view, shared, args, kwargs, split=False)
    finally:
        found = slots.end(shared)
    if response.status_code != 200 or response.streaming or response.cookies or slots.asked_about(stand_in):
        return None
    if any(slots.provider(name) is None for name, _, _ in found):
        return None
    # Every form token (in the page and in the slots' variants) becomes one mark, unguessable as
    # the nonce is, and everything is cut there (None in its place): a request joins in its token.
    mark = f"pf-csrf-{nonce}".encode()
    found = [(name, arg, tuple(slots.at_tokens(mark.join(split_at_tokens(v)), mark) for v in variants))
             for name, arg, variants in found]
    parts = tuple(slots.split(mark.join(split_at_tokens(response.content)), nonce, mark))
    return (parts, tuple(found), mark), response["Content-Type"]


def _token_for(request: HttpRequest) -> bytes:
    """A form token for the reader's CSRF cookie (a new one if they have none), as get_token() does."""
    secret = request.META.get("CSRF_COOKIE")
    if not valid_csrf_secret(secret):
        secret = new_csrf_secret()
        request.META["CSRF_COOKIE"] = secret
    # Django's CSRF middleware sets (or renews) the cookie on the way out.
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return mask_csrf_secret(secret).encode()


def _personalise(request: HttpRequest, parts: tuple[bytes, ...], content_type: str) -> HttpResponse:
    """A response carrying the reader's own CSRF token in every form."""
    content = _token_for(request).join(parts) if len(parts) > 1 else parts[0]
    response = HttpResponse(content, content_type=content_type)
    patch_vary_headers(response, ["Cookie"])
    return response


# --- the WSGI fast path -----------------------------------------------------------------------


class PageCacheApp:
    """WSGI wrapper: answer cached pages before Django's middleware runs.

    Anonymous readers get the cached page; signed-in readers of a shared page get it with their
    slots filled, once their session checks out as Django's auth would check it (``readers.reader``).

    It serves only what the middleware cached, with the headers Django's middleware gave that
    page (security headers included) and a CSRF token of the reader's own; anything else,
    including a Host header Django has not accepted yet, goes to Django unchanged.
    """

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.headers: dict[str, list[tuple[str, str]]] = {}
        self.hosts: set[str] = set()
        self.shared_paths: set[str] = set()  # where search answers were shared: worth a look in the shared cache

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and cache_seconds() > 0:
            start = time.perf_counter()
            served = self._serve_cached(environ, start_response)
            if served is not None:
                if settings.ACCESS_LOG:  # Django's middleware never sees this request: log it here
                    bind_request_id(new_request_id(environ.get("HTTP_X_REQUEST_ID", "")))
                    log_access(method="GET", path=environ.get("PATH_INFO", ""), status=200,
                               duration_ms=(time.perf_counter() - start) * 1000)
                return served
        environ[FAST_PATH_FLAG] = True
        body = self.app(environ, self._capture(environ, start_response))
        if environ.get("REQUEST_METHOD") == "HEAD":
            # Django renders a body for HEAD too; HTTP says to send none (headers stay the same).
            if hasattr(body, "close"):
                body.close()
            return []
        return body

    def _serve_cached(self, environ: dict, start_response: Callable) -> list[bytes] | None:
        if environ.get("HTTP_HOST", "") not in self.hosts or not headers_allow_cache(environ):
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", "")) if environ.get("HTTP_COOKIE") else {}
        if member_cookies(cookies):
            return self._serve_member(environ, cookies, start_response)
        if not cookies_allow_cache(cookies):
            return None
        key = page_key(environ)
        headers = self.headers.get(key)
        entry = fresh_entry(key, lambda: _watermark_in_request(environ)) if headers is not None else None
        if entry is not None:
            parts = entry[0]
        elif environ.get("PATH_INFO", "") in self.shared_paths:
            now = clock()
            shared = answers.shared(key, now, lambda: _watermark_in_request(environ))
            if shared is None:
                return None
            parts, content_type, mark, until, headers = shared
            # Expired at once for the page cache's own window: replayed while the watermark holds.
            caches["pages"].set(key, (parts, content_type, now, mark, until), until - now)
            self._learn(key, headers)
        else:
            return None
        extra: list[tuple[str, str]] = []
        content = parts[0]
        if len(parts) > 1:
            secret = cookies.get(settings.CSRF_COOKIE_NAME)
            if not valid_csrf_secret(secret):
                secret = new_csrf_secret()
                extra.append(("Set-Cookie", csrf_cookie_header(secret)))
            content = mask_csrf_secret(secret).encode().join(parts)
        start_response("200 OK", [*headers, ("Content-Length", str(len(content))), *extra])
        return [content]

    def _serve_member(self, environ: dict, cookies: dict, start_response: Callable) -> list[bytes] | None:
        """A shared signed-in page (seen by the middleware first), the reader's slots filled in."""
        key = member_key(environ)
        headers = self.headers.get(key)
        entry = member_entry(key) if headers is not None else None
        if entry is None or entry[0] is None:
            return None
        (parts, found, _), _ = entry
        extra: list[tuple[str, str]] = []

        def token() -> bytes:  # the reader's form token; a CSRF cookie too if they have none
            secret = cookies.get(settings.CSRF_COOKIE_NAME)
            if not valid_csrf_secret(secret):
                secret = new_csrf_secret()
                extra.append(("Set-Cookie", csrf_cookie_header(secret)))
            return mask_csrf_secret(secret).encode()

        # Django's request signals: its database connections are checked and kept as for any request.
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            user = readers.reader(cookies[settings.SESSION_COOKIE_NAME])
            content = slots.fill(parts, found, user, token) if user is not None else None
        except DatabaseError:
            content = None  # Django answers, with its outage page if it comes to that
        finally:
            signals.request_finished.send(sender=self.__class__)
        if content is None:
            return None
        start_response("200 OK", [*headers, ("Content-Length", str(len(content))), *extra])
        return [content]

    def _capture(self, environ: dict, start_response: Callable) -> Callable:
        """Remember the final headers of cacheable pages; strip the internal key header."""

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            key = next((value for name, value in headers if name == _KEY_HEADER), None)
            if key is not None:
                headers = [(n, v) for n, v in headers if n != _KEY_HEADER]
                if status.startswith("200"):
                    kept = [(n, REPLAYED.get(n, v)) for n, v in headers if n.lower() not in ("set-cookie", "content-length")]
                    self._learn(key, kept)
                    if len(self.hosts) < 64:
                        self.hosts.add(environ.get("HTTP_HOST", ""))
                    if environ.get(_SHARE) is not None:
                        answers.share(key, environ[_SHARE], kept, clock())
                        if len(self.shared_paths) < 64:
                            self.shared_paths.add(environ.get("PATH_INFO", ""))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return capture

    def _learn(self, key: str, headers: list[tuple[str, str]]) -> None:
        """Remember the final headers of the page under ``key``."""
        if len(self.headers) >= 10_000:
            self.headers.clear()
        self.headers[key] = headers


# The fast path's last watermark read, (when, value), reused for WATERMARK_REUSE_SECONDS: a read
# costs about 0.3 ms with Django's request signals, as much as the rest of a replay. A new paper
# is then replayed past for at most that long, well inside the page cache's own 2 s.
WATERMARK_REUSE_SECONDS = 0.5
_last_watermark: tuple[float, str] = (float("-inf"), "")


def _watermark_in_request(environ: dict) -> str | None:
    """``services.watermark()`` as read in the last half second, else read as Django reads the
    database for a request (None: it did not answer)."""
    global _last_watermark
    now = clock()
    if 0 <= now - _last_watermark[0] < WATERMARK_REUSE_SECONDS:
        return _last_watermark[1]
    signals.request_started.send(sender=PageCacheApp, environ=environ)
    try:
        value = services.watermark()
    except DatabaseError:
        return None  # Django answers, with its outage page if it comes to that
    finally:
        signals.request_finished.send(sender=PageCacheApp)
    _last_watermark = (now, value)
    return value
