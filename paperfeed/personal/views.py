"""Personal pages: For you, interests, saved searches, the private feed, and the small POST actions (thin)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage

from paperfeed.catalog.models import Paper

from . import pages, services
from .models import NotInterested, SavedSearch

CATEGORY_CHOICES = (
    ("cs.CL", "Computation and Language"), ("cs.CV", "Computer Vision"), ("cs.LG", "Machine Learning"),
    ("cs.AI", "Artificial Intelligence"), ("cs.RO", "Robotics"), ("cs.IR", "Information Retrieval"),
    ("cs.GR", "Graphics"), ("cs.SD", "Sound"), ("cs.CR", "Cryptography and Security"), ("stat.ML", "Statistics: ML"),
)


def _back(request: HttpRequest, fallback: str = "/for-you") -> HttpResponse:
    target = request.POST.get("next") or request.headers.get("Referer")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _limited(request: HttpRequest) -> HttpResponse | None:
    """Count a personal write against RATELIMIT_PERSONAL; the 429 page when over it."""
    usage = get_usage(request, group="personal.write", key="user_or_ip", rate=settings.RATELIMIT_PERSONAL,
                      method="POST", increment=True)
    if not usage or not usage["should_limit"]:
        return None
    wait = max(usage["time_left"], 1)
    response = render(request, "accounts/ratelimited.html", {"action": "personal", "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


@login_required
def for_you(request: HttpRequest) -> HttpResponse:
    """The reader's ranked feed with reasons, or the cold-start form when they told us nothing yet."""
    profile = services.profile_of(request.user)
    html, count, told = pages.for_you_list(request, profile=profile, now=timezone.now())
    if not told:
        return redirect("personal:interests")
    return render(request, "personal/for_you.html", {"papers_html": html, "count": count, "profile": profile})


@login_required
def interests(request: HttpRequest) -> HttpResponse:
    """Cold start (and later edits): categories, topics, pasted arXiv ids."""
    profile = services.profile_of(request.user)
    if request.method == "POST":
        if limited := _limited(request):
            return limited
        unknown = services.set_interests(
            request.user,
            categories=request.POST.getlist("categories") + request.POST.get("other_categories", "").split(","),
            topics=request.POST.get("topics", "").splitlines(),
            arxiv_text=request.POST.get("arxiv_ids", ""),
        )
        if unknown:
            messages.warning(request, "Not in the catalogue or not an arXiv id: " + ", ".join(unknown[:10]))
        return redirect("personal:for_you")
    context = {
        "profile": profile,
        "topics_text": "\n".join(profile.topics or ()),
        "choices": CATEGORY_CHOICES,
        "seeds": profile.seed_papers.all()[:50],
        "negatives": NotInterested.objects.filter(user=request.user)[:200],
    }
    return render(request, "personal/interests.html", context)


@login_required
@require_POST
def not_interested(request: HttpRequest) -> HttpResponse:
    """Not interested in a paper, an author or a topic (or undo it)."""
    if limited := _limited(request):
        return limited
    try:
        services.not_interested(request.user, kind=request.POST.get("kind", ""), value=request.POST.get("value", ""),
                                label=request.POST.get("label", ""), undo=bool(request.POST.get("undo")))
    except ValueError as exc:
        messages.error(request, f"Nothing changed: {exc}.")
    return _back(request)


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark a paper read (or unread with ``unread=1``)."""
    paper = get_object_or_404(Paper, arxiv_id=request.POST.get("paper", ""))
    services.mark_read(request.user, paper=paper, read=not request.POST.get("unread"))
    return _back(request)


@login_required
@require_POST
def hide_seen(request: HttpRequest) -> HttpResponse:
    """Turn "hide papers I've seen" on or off."""
    services.set_hide_seen(request.user, hide=request.POST.get("hide") == "1")
    return _back(request)


@login_required
@require_POST
def drop_reason(request: HttpRequest) -> HttpResponse:
    """Drop a reason (its signal stops counting), or restore it."""
    if limited := _limited(request):
        return limited
    services.drop_reason(request.user, key=request.POST.get("key", ""), restore=bool(request.POST.get("restore")))
    return _back(request)


@login_required
@require_POST
def note(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Save (or clear) the reader's private note on a paper."""
    if limited := _limited(request):
        return limited
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id, hidden=False)
    services.save_note(request.user, paper=paper, text=request.POST.get("text", ""))
    messages.success(request, "Note saved (only you can see it).")
    return redirect(paper)


@login_required
def saved_searches(request: HttpRequest) -> HttpResponse:
    """List saved searches (GET) or save the search page's current search (POST)."""
    if request.method == "POST":
        if limited := _limited(request):
            return limited
        try:
            saved = services.save_search(request.user, name=request.POST.get("name", ""), params=request.POST.dict())
        except ValueError as exc:
            messages.error(request, str(exc))
            return _back(request)
        messages.success(request, f"Saved search '{saved.name}': new matches will show in For you and its feed.")
        return redirect("personal:searches")
    searches = SavedSearch.objects.filter(user=request.user)
    return render(request, "personal/searches.html", {"searches": searches, "profile": services.profile_of(request.user)})


@login_required
@require_POST
def delete_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the reader's saved searches."""
    get_object_or_404(SavedSearch, pk=pk, user=request.user).delete()
    return redirect("personal:searches")


@login_required
@require_POST
def feed_url(request: HttpRequest) -> HttpResponse:
    """Make a new private feed URL (the old one stops) or revoke it (``revoke=1``)."""
    if limited := _limited(request):
        return limited
    if request.POST.get("revoke"):
        services.revoke_feed_token(request.user)
        messages.success(request, "Your private feed URL is revoked.")
        return redirect("personal:searches")
    token = services.new_feed_token(request.user)
    context = {"token": token, "searches": SavedSearch.objects.filter(user=request.user),
               "profile": services.profile_of(request.user)}
    return render(request, "personal/searches.html", context)
