"""Notifications pages: the list, opening one, marking all read, mail preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import services
from .forms import PreferencesForm
from .models import Notification


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The reader's newest notifications and their mail preferences."""
    services.hidden_unread(user=request.user)
    form = PreferencesForm(instance=services.preferences(request.user))
    return render(request, "notifications/index.html", {
        "notifications": services.recent(user=request.user), "form": form,
    })


@login_required
def open_one(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to its comment."""
    n = get_object_or_404(Notification.objects.select_related("paper"), pk=pk, user=request.user)
    services.mark_read(user=request.user, ids=[n.pk])
    return HttpResponseRedirect(f"{n.paper.get_absolute_url()}#c-{n.comment_id}")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark every notification read."""
    services.mark_read(user=request.user)
    return redirect("notifications:index")


@login_required
@require_POST
def save_preferences(request: HttpRequest) -> HttpResponse:
    """Save which notifications come by email."""
    form = PreferencesForm(request.POST, instance=services.preferences(request.user))
    if form.is_valid():
        form.save()
        messages.success(request, "Saved your email preferences.")
    return redirect("notifications:index")
