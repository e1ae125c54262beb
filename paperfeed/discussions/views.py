"""Discussions pages: post, edit, delete, upvote and report comments (thin: parse, call a service, redirect)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from paperfeed.catalog.models import Paper

from . import services
from .models import Comment


def _paper(arxiv_id: str) -> Paper:
    paper = Paper.objects.filter(arxiv_id=arxiv_id, hidden=False).first()
    if paper is None:
        raise Http404("No such paper")
    return paper


def _back(paper_url: str, anchor: str = "discussion") -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{paper_url}#{anchor}")


def _parent_id(raw: str | None) -> int | None:
    """The replied-to comment's id; 0 (no such comment) for anything that is not one."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 19 else 0


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def post(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Post a comment or a reply from the paper page's form."""
    paper = _paper(arxiv_id)
    try:
        comment = services.post_comment(user=request.user, paper=paper, body=request.POST.get("body", ""),
                                        parent_id=_parent_id(request.POST.get("parent")))
    except services.CommentError as exc:
        messages.error(request, str(exc))
        return _back(paper.get_absolute_url())
    # The message also makes the author's next page a full render: their comment shows at once,
    # not after the shared signed-in page (web.pagecache) expires.
    messages.success(request, "Comment posted.")
    return _back(paper.get_absolute_url(), f"c-{comment.pk}")


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The edit form of one's own comment (within the edit window), and saving it."""
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    if request.method == "POST":
        try:
            services.edit_comment(user=request.user, comment_id=pk, body=request.POST.get("body", ""))
        except services.CommentError as exc:
            messages.error(request, str(exc))
            return _back(comment.paper.get_absolute_url())
        return _back(comment.paper.get_absolute_url(), f"c-{pk}")
    if comment.author_id != request.user.pk or not comment.visible:
        raise Http404("No such comment")
    return render(request, "discussions/edit.html", {"comment": comment})


def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one's own comment: a confirmation page first (GET), then the deletion (POST)."""
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    if request.method != "POST":
        if comment.author_id != request.user.pk or not comment.visible:
            raise Http404("No such comment")
        return render(request, "discussions/delete.html", {"comment": comment})
    try:
        services.delete_comment(user=request.user, comment_id=pk)
    except services.CommentError as exc:
        messages.error(request, str(exc))
    return _back(comment.paper.get_absolute_url())


@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Upvote a comment or take the upvote back (JSON for fetch, else a redirect)."""
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    try:
        voted, score = services.toggle_vote(user=request.user, comment_id=pk)
    except services.CommentError as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc)}, status=403)
        messages.error(request, str(exc))
        return _back(comment.paper.get_absolute_url())
    if _wants_json(request):
        return JsonResponse({"voted": voted, "score": score})
    return _back(comment.paper.get_absolute_url(), f"c-{pk}")


def reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply form for one comment (it posts to the paper's comments)."""
    comment = get_object_or_404(Comment.objects.select_related("paper", "author"), pk=pk)
    if not comment.visible or comment.paper.hidden:
        raise Http404("No such comment")
    # Replies do not nest: answering a reply goes to its thread and names the person answered.
    start = f"@{comment.author.get_username()} " if comment.parent_id and comment.author else ""
    return render(request, "discussions/reply.html", {
        "comment": comment, "paper_url": comment.paper.get_absolute_url(), "start": start,
        "problem": services.writer_problem(request.user), "locked": services.is_locked(comment.paper),
    })


def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a comment to the moderators (GET: the form)."""
    comment = get_object_or_404(Comment.objects.select_related("paper", "author"), pk=pk)
    if request.method != "POST":
        if not request.user.is_authenticated or not comment.visible:
            raise Http404("No such comment")
        return render(request, "discussions/report.html", {"comment": comment})
    try:
        services.report_comment(user=request.user, comment_id=pk, reason=request.POST.get("reason", ""))
    except services.CommentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Thank you: the moderators will look at this comment.")
    return _back(comment.paper.get_absolute_url(), f"c-{pk}")
