"""The profile page: your votes, submissions and collections (served at /accounts/profile/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from paperfeed.accounts.models import Profile

from .models import Collection, Submission, Vote


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Your votes, submissions and collections."""
    user = request.user
    context = {
        "votes": Vote.objects.filter(user=user, paper__hidden=False).select_related("paper").order_by("-created_at")[:200],
        "submissions": Submission.objects.filter(user=user).select_related("paper", "duplicate_of")[:100],
        "collections": Collection.objects.filter(owner=user).order_by("name"),
        "banned": Profile.objects.filter(user=user, banned=True).exists(),
    }
    return render(request, "community/profile.html", context)
