"""Rate limits (django-ratelimit) per client address and per account, answered with a clear HTTP 429 page.

The client address is ``client_ip()``: the connecting address, unless that is one of
``settings.TRUSTED_PROXIES``, when the address the proxies forwarded (X-Forwarded-For, read by
django-ipware) counts. Every limit keyed "ip" in the project uses it (RATELIMIT_IP_META_KEY in settings.py).
Counts live in the "ratelimits" cache, which every worker of the machine shares.

Log-in is limited per address and per account *from that address*, so one abuser who hammers an
account is stopped without locking its owner out from anywhere else; guessing from many addresses
is slowed by each address's limit and by the Argon2 hash.
"""

from __future__ import annotations

import functools
import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage
from ipware import get_client_ip

log = logging.getLogger(__name__)

# What each limited action is called on the 429 page.
ACTIONS = {"signup": "sign-up", "login": "log-in", "password_reset": "password-reset"}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_networks() -> tuple[Network, ...]:
    """``settings.TRUSTED_PROXIES`` as networks (a bare address is a /32 or /128)."""
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or what trusted proxies forwarded in X-Forwarded-For."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    networks = trusted_networks()
    if not networks or not _is_trusted(remote, networks):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    # Walk back from the proxy nearest us past the other trusted proxies (a CDN before nginx);
    # the first hop none of them is is the client. Everything left of it is the client's claim.
    proxies = 0
    while proxies < len(hops) - 1 and _is_trusted(hops[-1 - proxies], networks):
        proxies += 1
    ip, _routable = get_client_ip(request, proxy_order="left-most", proxy_count=proxies,
                                  request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False)
    return ip or remote


def _rate(action: str) -> str:
    """The action's rate setting (``RATELIMIT_SIGNUP`` …)."""
    return {
        "signup": settings.RATELIMIT_SIGNUP,
        "login": settings.RATELIMIT_LOGIN,
        "password_reset": settings.RATELIMIT_PASSWORD_RESET,
    }[action]


def _account_key(field: str, *, per_address: bool):
    def key(group: str, request: HttpRequest) -> str:
        account = (request.POST.get(field) or "").strip().lower()
        return f"{account}@{client_ip(request)}" if per_address else account

    return key


def check(request: HttpRequest, action: str, *, account_field: str | None = None) -> int | None:
    """Count this POST against the action's limits; return seconds to wait if a limit is exceeded.

    Log-in counts the account per address (nobody can lock an owner out); sign-up and password
    reset count the target address across clients (a mail-bombing guard).
    """
    if request.method != "POST":
        return None
    rate = _rate(action)
    keys: list = ["ip"]
    if account_field and request.POST.get(account_field, "").strip():
        keys.append(_account_key(account_field, per_address=action == "login"))
    wait = None
    for i, key in enumerate(keys):
        # The group keeps its old name so counters survive an upgrade mid-window.
        usage = get_usage(request, group=f"community.{action}.{i}", key=key, rate=rate, method="POST", increment=True)
        if usage and usage["should_limit"]:
            wait = max(wait or 0, max(usage["time_left"], 1))
            _log_refusal(action, "address" if i == 0 else "account", usage)
    return wait


def _log_refusal(action: str, counted: str, usage: dict) -> None:
    # One line per refusal tells an operator who is being held back, and why: over the limit, or
    # the counts' cache failing (django-ratelimit then refuses rather than let guesses through).
    if usage["limit"] == 0:
        log.error("%s refused: the rate-limit cache could not count it", ACTIONS[action])
    else:
        log.warning("%s refused: %d attempts by this %s, over its limit of %d",
                    ACTIONS[action], usage["count"], counted, usage["limit"])


def too_many(request: HttpRequest, action: str, wait: int) -> HttpResponse:
    """The 429 page: what was limited and how long to wait."""
    response = render(request, "accounts/ratelimited.html", {"action": ACTIONS[action], "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response
