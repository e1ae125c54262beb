"""Community pages: vote, trending, submit, collections (thin: parse, call a service, render)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from paperfeed.catalog.models import Paper

from . import collections as coll
from . import ranking, services
from .forms import CollectionForm, ImportForm, SubmitForm
from .models import Collection
from .receivers import remember_pending_vote
from .submissions import SubmissionError, max_age_days, submit_paper

PAGE_SIZE = 30


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Redirect to ``next`` (or the referring page) when it is on this site, else to ``fallback``."""
    for target in (request.POST.get("next"), request.headers.get("Referer")):
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return redirect(target)
    return redirect(fallback)


def _next_page(request: HttpRequest, paper: Paper) -> str:
    """Where to come back after logging in: the page the vote was cast from, else the paper."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return paper.get_absolute_url()


@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Toggle the user's upvote (POST); JSON for fetch() callers, a redirect back otherwise."""
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id, hidden=False)
    if not request.user.is_authenticated:
        # Remember the upvote: logging in casts it (receivers.cast_pending_vote).
        remember_pending_vote(request, paper)
        messages.info(request, f"Log in to upvote “{paper.title[:120]}”: your vote counts as soon as you are in.")
        login = f"/accounts/login/?next={quote(_next_page(request, paper))}"
        if _wants_json(request):
            return JsonResponse({"error": "Log in to upvote.", "login": login}, status=401)
        return redirect(login)
    if request.method == "GET":
        return redirect(paper.get_absolute_url())
    try:
        voted, _ = services.toggle_vote(user=request.user, paper=paper)
    except services.VoteRefused as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc)}, status=403)
        messages.error(request, str(exc))
        return _back(request, paper.get_absolute_url())
    paper.refresh_from_db(fields=["vote_count"])
    if _wants_json(request):
        return JsonResponse({"id": paper.arxiv_id, "voted": voted, "upvotes": paper.upvotes, "votes": paper.vote_count})
    return _back(request, paper.get_absolute_url())


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on their own: the static icon (served and cached by WhiteNoise)."""
    return redirect(static("favicon.ico"), permanent=True)


@require_GET
def trending(request: HttpRequest) -> HttpResponse:
    """The trending list for a window (day / week / month), with each entry's reason and trend."""
    window = request.GET.get("window", "week")
    if window not in ranking.WINDOWS:
        window = "week"
    try:
        page = max(1, int(request.GET.get("p", "1")))
    except ValueError:
        page = 1
    result = services.compute_trending(window=window)
    entries = result.entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    papers = Paper.objects.in_bulk([pid for pid, _, _ in entries])
    trends = services.score_trends(
        [pid for pid, _, _ in entries], window=window, as_of=result.as_of, imported_shift=result.imported_shift
    )
    rows = [
        {"rank": (page - 1) * PAGE_SIZE + i + 1, "paper": papers[pid], "score": score, "reason": why,
         "trend": trends.get(pid, [])}
        for i, (pid, score, why) in enumerate(entries)
        if pid in papers
    ]
    context = {
        "rows": rows,
        "window": window,
        "window_label": ranking.WINDOW_LABELS[window],
        "windows": [(w, ranking.WINDOW_LABELS[w]) for w in ranking.WINDOWS],
        "result": result,
        "half_life": services.half_life_label(window),
        "page": page,
        "has_next": len(result.entries) > page * PAGE_SIZE,
    }
    return render(request, "community/trending.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Submit a paper by arXiv id or URL."""
    # ?paper= comes from search's "not here yet: submit it" link
    form = SubmitForm(request.POST or None, initial={"paper": request.GET.get("paper", "")[:200]})
    submission = None
    if request.method == "POST" and form.is_valid():
        try:
            submission = submit_paper(user=request.user, text=form.cleaned_data["paper"])
        except SubmissionError as exc:
            form.add_error("paper", str(exc))
        else:
            form = SubmitForm()
    context = {"form": form, "submission": submission, "max_age": max_age_days()}
    return render(request, "community/submit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def collections(request: HttpRequest) -> HttpResponse:
    """Your collections, and a form to create one."""
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        collection = coll.create_collection(owner=request.user, **form.cleaned_data)
        paper_id = request.POST.get("paper")
        if paper_id:
            paper = get_object_or_404(Paper, arxiv_id=paper_id, hidden=False)
            coll.add_paper(collection, paper)
            messages.success(request, f"Added to “{collection.name}”.")
            return _back(request, collection.get_absolute_url())
        return redirect(collection)
    owned = Collection.objects.filter(owner=request.user).order_by("name")
    # ?paper= from a paper page's "new collection…": the new collection starts with that paper.
    paper = Paper.objects.filter(arxiv_id=request.GET.get("paper", "")[:64], hidden=False).first()
    context = {"form": form, "collections": owned, "paper": paper, "next": request.GET.get("next", "")}
    return render(request, "community/collections.html", context)


@require_GET
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A collection's page (public, or yours)."""
    collection = coll.visible_collection(pk, request.user)
    is_owner = collection.owner_id == request.user.pk
    undo = request.session.pop("collection_undo", None) if is_owner else None
    context = {
        "undo": undo if undo and undo.get("collection") == collection.pk else None,
        "collection": collection,
        "papers": coll.collection_papers(collection),
        "is_owner": is_owner,
        "form": CollectionForm(initial={"name": collection.name, "description": collection.description,
                                        "public": collection.public}) if is_owner else None,
        "import_form": ImportForm() if is_owner else None,
    }
    return render(request, "community/collection.html", context)


@login_required
@require_POST
def collection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename, describe, publish or unpublish."""
    collection = coll.owned_collection(pk, request.user)
    form = CollectionForm(request.POST)
    if form.is_valid():
        coll.update_collection(collection, **form.cleaned_data)
        messages.success(request, "Collection saved.")
    else:
        messages.error(request, "Give the collection a name.")
    return redirect(collection)


@login_required
@require_http_methods(["GET", "POST"])
def collection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first; POST deletes the collection (its papers stay in the catalogue)."""
    collection = coll.owned_collection(pk, request.user)
    if request.method == "GET":
        count = collection.items.count()
        return render(request, "community/collection_delete.html", {"collection": collection, "count": count})
    messages.success(request, f"Deleted “{collection.name}”.")
    collection.delete()
    return redirect("community:collections")


@login_required
@require_POST
def collection_add(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add the paper named in POST ``paper`` (an arXiv id) to collection ``pk`` (or POST ``collection``)."""
    if pk is None:
        try:
            pk = int(request.POST.get("collection", ""))
        except ValueError:
            return redirect("community:collections")
    collection = coll.owned_collection(pk, request.user)
    paper = get_object_or_404(Paper, arxiv_id=request.POST.get("paper", ""), hidden=False)
    added = coll.add_paper(collection, paper)
    if _wants_json(request):
        return JsonResponse({"added": added, "collection": collection.name})
    messages.success(request, f"Added to “{collection.name}”." if added else f"Already in “{collection.name}”.")
    return _back(request, collection.get_absolute_url())


@login_required
@require_POST
def collection_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove the paper named in POST ``paper``."""
    collection = coll.owned_collection(pk, request.user)
    paper = get_object_or_404(Paper, arxiv_id=request.POST.get("paper", ""))
    coll.remove_paper(collection, paper)
    # The collection page offers to put it back (one step of undo).
    request.session["collection_undo"] = {"collection": collection.pk, "paper": paper.arxiv_id, "title": paper.title[:200]}
    return _back(request, collection.get_absolute_url())


@login_required
@require_POST
def collection_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a pasted list (or file) of arXiv ids; report what was not found."""
    collection = coll.owned_collection(pk, request.user)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        report = coll.import_ids(collection, form.cleaned_data["text"])
        (messages.success if report.added else messages.warning)(request, f"Import: {report.summary()}")
    else:
        messages.error(request, " ".join(form.non_field_errors()) or "Nothing to import.")
    return redirect(collection)


@require_GET
def collection_bibtex(request: HttpRequest, pk: int) -> HttpResponse:
    """The collection as BibTeX."""
    collection = coll.visible_collection(pk, request.user)
    response = HttpResponse(coll.export_bibtex(collection), content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{collection.slug}.bib"'
    return response


@require_GET
def collection_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The collection as JSON."""
    collection = coll.visible_collection(pk, request.user)
    response = JsonResponse(coll.export_json(collection), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{collection.slug}.json"'
    return response
