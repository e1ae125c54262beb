"""Rate limits (django-ratelimit) per IP and per account, answered with a clear HTTP 429 page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

# What each limited action is called on the 429 page.
ACTIONS = {"signup": "sign-up", "login": "log-in", "password_reset": "password-reset"}


def _rate(action: str) -> str:
    """The action's rate setting (``RATELIMIT_SIGNUP`` …)."""
    return {
        "signup": settings.RATELIMIT_SIGNUP,
        "login": settings.RATELIMIT_LOGIN,
        "password_reset": settings.RATELIMIT_PASSWORD_RESET,
    }[action]


def _account_key(field: str):
    def key(group: str, request: HttpRequest) -> str:
        return (request.POST.get(field) or "").strip().lower()

    return key


def check(request: HttpRequest, action: str, *, account_field: str | None = None) -> int | None:
    """Count this POST against the action's limits; return seconds to wait if a limit is exceeded."""
    if request.method != "POST":
        return None
    rate = _rate(action)
    keys: list = ["ip"]
    if account_field and request.POST.get(account_field, "").strip():
        keys.append(_account_key(account_field))
    wait = None
    for i, key in enumerate(keys):
        # The group keeps its old name so counters survive an upgrade mid-window.
        usage = get_usage(request, group=f"community.{action}.{i}", key=key, rate=rate, method="POST", increment=True)
        if usage and usage["should_limit"]:
            wait = max(wait or 0, max(usage["time_left"], 1))
    return wait


def too_many(request: HttpRequest, action: str, wait: int) -> HttpResponse:
    """The 429 page: what was limited and how long to wait."""
    response = render(request, "accounts/ratelimited.html", {"action": ACTIONS[action], "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response
