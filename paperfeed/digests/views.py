"""Digest pages: subscribe, confirm, unsubscribe (one click + RFC 8058 POST), preferences, view in browser."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from paperfeed.accounts.verification import is_verified
from paperfeed.catalog.models import Paper

from . import services
from .emails import digest_context, links
from .forms import PreferencesForm, SubscribeForm
from .models import Delivery, Subscriber
from .tokens import read_token


def _rate(group, request) -> str:
    return settings.RATELIMIT_SUBSCRIBE


def _address_key(group, request) -> str:
    email = (request.POST.get("email") or "").strip().lower()
    return hashlib.sha256(email.encode()).hexdigest()


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """Email-only subscribe form; the answer is the same whether or not the address is known."""
    if request.method == "GET":
        return render(request, "digests/subscribe.html", {"form": SubscribeForm(), "sent": "sent" in request.GET})
    if is_ratelimited(request, group="digests.subscribe.ip", key="ip", rate=_rate, method="POST", increment=True):
        return render(request, "digests/subscribe.html", {"form": SubscribeForm(), "limited": True}, status=429)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "digests/subscribe.html", {"form": form}, status=400)
    # Per target address: silently send nothing more, and answer exactly as usual (no leak).
    if not is_ratelimited(
        request,
        group="digests.subscribe.address",
        key=_address_key,
        rate=settings.DIGEST_SUBSCRIBE_PER_ADDRESS,
        method="POST",
        increment=True,
    ):
        user = request.user if request.user.is_authenticated else None
        email = form.cleaned_data["email"].strip()
        if is_verified(user) and email.lower() == (user.email or "").lower():
            # A verified account's own address is proven already: subscribe without a confirmation mail.
            sub = services.subscriber_for_user(user) or Subscriber.objects.create(email=email, user=user)
            if services.confirm(sub):
                return redirect("digests:account_preferences")
        services.subscribe(email, user=user)
    return redirect(f"{request.path}?sent=1")


def _subscriber(purpose: str, token: str) -> tuple[Subscriber, int | None]:
    found = read_token(purpose, token)
    if found is None:
        raise Http404("This link is invalid or has expired.")
    return found


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button (link scanners must not confirm); POST confirms."""
    found = read_token("confirm", token)
    if found is None:
        return render(request, "digests/confirm.html", {"invalid": True}, status=400)
    sub, _ = found
    if request.method == "POST":
        ok = services.confirm(sub)
        return render(request, "digests/confirm.html", {"done": ok, "subscriber": sub, **links(sub, base="")})
    return render(request, "digests/confirm.html", {"subscriber": sub})


@csrf_exempt  # the signed token is the credential; RFC 8058 POSTs come without cookies or CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click: GET unsubscribes at once (with an undo button); POST is RFC 8058 one-click."""
    sub, _ = _subscriber("unsubscribe", token)
    services.unsubscribe(sub)
    if request.method == "POST":
        return HttpResponse("Unsubscribed.\n", content_type="text/plain")
    return render(request, "digests/unsubscribed.html", {"subscriber": sub, "token": token})


@require_http_methods(["POST"])
def resubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Undo an unsubscribe (from the page the unsubscribe link showed)."""
    sub, _ = _subscriber("unsubscribe", token)
    ok = services.resubscribe(sub)
    return render(request, "digests/unsubscribed.html", {"subscriber": sub, "token": token, "undone": ok})


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """Preferences from the signed link in every mail (no login needed)."""
    sub, _ = _subscriber("manage", token)
    return _preferences(request, sub)


@login_required
@require_http_methods(["GET", "POST"])
def account_preferences(request: HttpRequest) -> HttpResponse:
    """Preferences for a logged-in account holder; offers to subscribe the account's address."""
    sub = services.subscriber_for_user(request.user)
    if sub is None:
        if request.method == "POST" and request.user.email:
            services.subscribe(request.user.email, user=request.user)
            return redirect("/subscribe?sent=1")
        return render(request, "digests/preferences.html", {"account_email": request.user.email, "no_subscription": True})
    return _preferences(request, sub)


def _preferences(request: HttpRequest, sub: Subscriber) -> HttpResponse:
    allow_votes = sub.user_id is not None
    if request.method == "POST" and "frequency" in request.POST:
        form = PreferencesForm(request.POST, instance=sub, allow_votes=allow_votes)
        if form.is_valid():
            form.save()
            return render(request, "digests/preferences.html", {"form": form, "subscriber": sub, "saved": True, **links(sub, base="")})
        return render(request, "digests/preferences.html", {"form": form, "subscriber": sub, **links(sub, base="")}, status=400)
    form = PreferencesForm(instance=sub, allow_votes=allow_votes)
    return render(request, "digests/preferences.html", {"form": form, "subscriber": sub, **links(sub, base="")})


def view(request: HttpRequest, token: str) -> HttpResponse:
    """A sent digest, in the browser (signed link from the mail)."""
    sub, delivery_id = _subscriber("view", token)
    delivery = Delivery.objects.filter(pk=delivery_id, subscriber=sub).first()
    if delivery is None:
        raise Http404("No such digest.")
    papers = Paper.objects.in_bulk(delivery.paper_ids)
    context = digest_context(delivery, sub, papers, base="")  # a web page: relative links
    context.pop("view_url", None)
    return render(request, "digests/email/digest/body.html", context)


def preview(request: HttpRequest, token: str) -> HttpResponse:
    """The digest this subscriber would get now (signed preferences link), or why it would be empty."""
    sub, _ = _subscriber("manage", token)
    return _preview(request, sub, back=links(sub, base="")["preferences_url"])


@login_required
def account_preview(request: HttpRequest) -> HttpResponse:
    """The logged-in account holder's digest preview."""
    sub = services.subscriber_for_user(request.user)
    if sub is None:
        return redirect("digests:account_preferences")
    return _preview(request, sub, back=reverse("digests:account_preferences"))


def _preview(request: HttpRequest, sub: Subscriber, *, back: str) -> HttpResponse:
    result = services.preview(sub)
    return render(request, "digests/preview.html", {"subscriber": sub, "preview": result, "back_url": back})
