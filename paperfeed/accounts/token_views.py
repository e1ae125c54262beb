"""The API tokens page (/accounts/tokens/): list, create (the secret is shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import tokens


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """Your tokens; a POST makes a new one and shows its secret on this page, once."""
    created = None
    if request.method == "POST":
        try:
            created = tokens.create_token(
                user=request.user, scope=request.POST.get("scope", ""), name=request.POST.get("name", "")
            )
        except tokens.TokenError as exc:
            messages.error(request, str(exc))
    context = {
        "tokens": tokens.user_tokens(user=request.user),
        "scopes": tokens.Scope.choices,
        "new_token": created[0] if created else None,
        "new_secret": created[1] if created else "",
    }
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of your tokens."""
    if tokens.revoke_token(user=request.user, token_id=pk):
        messages.success(request, "Token revoked: it no longer works.")
    else:
        messages.error(request, "No such token.")
    return redirect("tokens")
