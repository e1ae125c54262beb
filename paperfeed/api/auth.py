"""API authentication: personal access tokens sent as ``Authorization: Bearer pf_…``, with read and write scopes.

- :class:`ReadToken` admits any live token; :class:`WriteToken` admits a write token and answers 403
  to a read one. Without a usable token django-ninja answers 401.
- Every authenticated request counts against the token's rate limit (``RATELIMIT_API_TOKEN``);
  past it the API answers 429 with ``Retry-After``.
- :func:`token_user` gives the account behind a request's token, or None, for endpoints that
  stay open to everyone but answer differently for a signed-in reader (``sort=personal``).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthorizationError, Throttled
from ninja.security import HttpBearer

from paperfeed.accounts import tokens
from paperfeed.accounts.models import PersonalAccessToken

_CACHE_ATTR = "_paperfeed_api_token"
_HOW = "Create one on /accounts/tokens/ or with `paperfeed token create --user EMAIL --scope read|write`."


def _bearer(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def request_token(request: HttpRequest) -> PersonalAccessToken | None:
    """The live token the request carries, counted once per request against its rate limit (429 past it)."""
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    secret = _bearer(request)
    token = tokens.lookup(secret=secret) if secret else None
    setattr(request, _CACHE_ATTR, token)
    if token is not None:
        wait = tokens.rate_limit_wait(request, token)
        if wait:
            raise Throttled(wait)
    return token


def token_user(request: HttpRequest):
    """The account whose live token the request carries (``Authorization: Bearer``), or None."""
    token = request_token(request)
    return token.user if token is not None else None


class ReadToken(HttpBearer):
    """A personal access token of either scope."""

    openapi_bearerFormat = "pf_…"
    openapi_description = "A personal access token, read or write scope. " + _HOW

    def authenticate(self, request: HttpRequest, token: str) -> PersonalAccessToken | None:
        """The live token, or None (401)."""
        return request_token(request)


class WriteToken(HttpBearer):
    """A personal access token with the write scope; a read token gets 403."""

    openapi_bearerFormat = "pf_…"
    openapi_description = "A personal access token with the write scope. " + _HOW

    def authenticate(self, request: HttpRequest, token: str) -> PersonalAccessToken | None:
        """The live write token; None (401) without one; 403 for a read token."""
        found = request_token(request)
        if found is not None and found.scope != tokens.Scope.WRITE:
            raise AuthorizationError(message="This token has the read scope; writing needs a write token.")
        return found


read_token = ReadToken()
write_token = WriteToken()
