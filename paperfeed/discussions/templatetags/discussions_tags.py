"""Template tags: {% comment_count paper %} on list items, {% discussion paper %} on the paper page."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from html import escape

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from paperfeed.discussions import services
from paperfeed.discussions.html import VARIANTS, Viewer, action_variants, thread_html
from paperfeed.discussions.models import CommentVote
from paperfeed.web import slots

register = template.Library()


@register.simple_tag
def comment_count(paper) -> SafeString:
    """A link to the paper's discussion with its count (the denormalised column: no query)."""
    n = int(getattr(paper, "comment_count", 0) or 0)
    url = escape(getattr(paper, "url", None) or paper.get_absolute_url())
    label = "discuss" if n == 0 else f"{n} comment{'s' if n != 1 else ''}"
    # An f-string, not format_html: this runs for every item of every list page.
    return mark_safe(f'<a class="meta-link comment-count" href="{url}#discussion" data-comments="{n}">{label}</a>')  # noqa: S308


@register.simple_tag(takes_context=True)
def discussion(context, paper) -> SafeString:
    """The paper's discussion: the thread (sorted by ?sort=top|new) and, for verified accounts, the form."""
    request = context.get("request")
    user = getattr(request, "user", None)
    sort = request.GET.get("sort", "top") if request is not None else "top"
    sort = sort if sort in services.SORTS else "top"
    paper_url = getattr(paper, "url", None) or paper.get_absolute_url()
    locked = services.is_locked(paper)
    if slots.shared_render(request):
        return _shared_discussion(request, paper, sort=sort, paper_url=paper_url, locked=locked)
    problem = services.writer_problem(user)
    nodes = services.thread(paper=paper, sort=sort, viewer=user)
    viewer = Viewer(paper_url=paper_url, csrf_token=get_token(request) if request is not None else "",
                    can_write=not problem, signed_in=bool(user is not None and user.is_authenticated), locked=locked)
    return get_template("discussions/_thread.html").render({
        "paper": paper, "paper_url": paper_url, "nodes": nodes, "sort": sort, "problem": problem,
        "can_write": viewer.can_write, "locked": locked, "signed_in": viewer.signed_in, "csrf_token": viewer.csrf_token,
        "comments_html": thread_html(nodes, viewer) if nodes else "",
    })


def _shared_discussion(request, paper, *, sort: str, paper_url: str, locked: bool) -> SafeString:
    """The discussion of a page shared by signed-in readers: the form and each comment's actions are slots."""
    nodes = services.thread(paper=paper, sort=sort, viewer=None)
    viewer = Viewer(paper_url=paper_url, csrf_token=get_token(request), signed_in=True, locked=locked)
    edit_window = dt.timedelta(minutes=settings.COMMENT_EDIT_MINUTES)

    def actions(node) -> str:
        c = node.comment
        # Author and end of the edit window in the arg: the provider decides "own" without a query.
        arg = f"{c.pk}:{c.author_id or 0}:{int((c.created_at + edit_window).timestamp())}"
        return slots.mark(request, "comment", arg, action_variants(node, viewer))

    form = ""
    if not locked:
        form_html = get_template("discussions/_comment_form.html").render({
            "can_write": True, "paper_url": paper_url, "csrf_token": viewer.csrf_token})
        form = slots.mark(request, "comment-form", paper.pk, (form_html,))
    return get_template("discussions/_thread.html").render({
        "paper": paper, "paper_url": paper_url, "nodes": nodes, "sort": sort, "locked": locked,
        "form_html": form, "comments_html": thread_html(nodes, viewer, actions) if nodes else "",
    })


def _writer_problem(user) -> str:
    """services.writer_problem, asked once per request: both discussion slots of a paper page need it."""
    if not hasattr(user, "_pf_writer_problem"):
        user._pf_writer_problem = services.writer_problem(user)  # the user object lives for one request
    return user._pf_writer_problem


def _form_slots(user, args: Sequence[str]) -> dict[str, int | str]:
    """The comment form for readers who may write; why not, as escaped text, for the others."""
    problem = _writer_problem(user)
    return {arg: f'<p class="muted">{escape(problem)}</p>' if problem else 0 for arg in args}


def _comment_slots(user, args: Sequence[str]) -> dict[str, int | str]:
    """Each comment's actions for the reader: an index into ``VARIANTS`` (one vote query per page)."""
    parsed = {arg: tuple(int(x) for x in arg.split(":")) for arg in args}
    if _writer_problem(user):  # may not write (a ban, say): no actions, and no "Report" of their own
        return {arg: VARIANTS.index((False, False, False, p[1] == user.pk)) for arg, p in parsed.items()}
    voted = slots.ids_among(CommentVote, user_id=user.pk, ids={p[0] for p in parsed.values()},
                            user_field="user", id_field="comment")
    now = time.time()
    out: dict[str, int | str] = {}
    for arg, (pk, author_id, edit_until) in parsed.items():
        own = author_id == user.pk
        out[arg] = VARIANTS.index((True, pk in voted, own and now < edit_until, own))
    return out


slots.register("comment-form", _form_slots)
slots.register("comment", _comment_slots)
