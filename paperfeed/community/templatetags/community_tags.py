"""Template tags for community widgets: {% vote_button paper %}, {% vote_sparkline paper %}, {% paper_actions paper %}."""

from __future__ import annotations

import json
from urllib.parse import quote

from django import template
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from paperfeed.community import collections as coll
from paperfeed.community import services, sparkline
from paperfeed.community.models import Collection, Vote
from paperfeed.web import slots

register = template.Library()


def _voted_ids(request) -> set[int]:
    """The signed-in user's voted paper ids, fetched once per request."""
    if request is None:
        return set()
    if not hasattr(request, "_community_voted_ids"):
        request._community_voted_ids = services.voted_paper_ids(request.user)
    return request._community_voted_ids


def _assets(request) -> SafeString:
    """The widgets' CSS and JS, emitted with the first widget of a page only."""
    if request is None or getattr(request, "_community_assets", False):
        return SafeString("")
    request._community_assets = True
    return format_html(
        '<link rel="stylesheet" href="{}"><script src="{}" defer></script>',
        static("community/community.css"),
        static("community/vote.js"),
    )


def _per_request(request, name: str, make):
    """A value computed once per request (a page may hold a hundred widgets)."""
    if request is None:
        return make()
    if not hasattr(request, name):
        setattr(request, name, make())
    return getattr(request, name)


def _vote_context(context, paper) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "paper": paper,
        # On a page shared by signed-in readers the state is a slot (vote_button), not a query.
        "voted": signed_in and not slots.shared_render(request) and paper.pk in _voted_ids(request),
        "signed_in": signed_in,
        "csrf_token": _per_request(request, "_community_csrf", lambda: get_token(request)) if signed_in else "",
        "next": request.get_full_path() if request is not None else "",
        "assets": _assets(request),
        "vote_url": _per_request(request, "_community_vote_url", lambda: reverse("community:vote", args=["ID"])),
        "login_url": _per_request(request, "_community_login_url", lambda: reverse("login")),
    }


def _vote_html(ctx: dict) -> SafeString:
    """The vote widget (built here rather than from a template: it appears 30–100 times a page)."""
    paper = ctx["paper"]
    if not ctx["signed_in"]:
        # Through the vote URL: it remembers the upvote and casts it once the reader has logged in.
        return format_html(
            '{}<a class="pf-vote pf-vote-anon" href="{}?next={}" title="Log in to upvote">'
            '<span aria-hidden="true">▲</span> <span class="pf-vote-count">{}</span>'
            '<span class="visually-hidden"> upvotes; log in to upvote</span></a>',
            ctx["assets"], ctx["vote_url"].replace("/ID/", f"/{quote(paper.arxiv_id)}/"), quote(ctx["next"]),
            paper.upvotes,
        )
    voted = ctx["voted"]
    return format_html(
        '{}<form class="pf-vote{}" method="post" action="{}">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}"><input type="hidden" name="next" value="{}">'
        '<button type="submit" aria-pressed="{}" title="{}"><span aria-hidden="true">▲</span> '
        '<span class="pf-vote-count">{}</span></button></form>',
        ctx["assets"], " is-voted" if voted else "", ctx["vote_url"].replace("/ID/", f"/{quote(paper.arxiv_id)}/"),
        ctx["csrf_token"], ctx["next"], "true" if voted else "false",
        "Remove your upvote" if voted else "Upvote", paper.upvotes,
    )


@register.simple_tag(takes_context=True)
def vote_button(context, paper) -> SafeString:
    """Upvote toggle for a paper: a POST form that works without JS and updates in place with it."""
    ctx = _vote_context(context, paper)
    request = context.get("request")
    if ctx["signed_in"] and slots.shared_render(request):
        return slots.mark(request, "vote", paper.pk, (_vote_html(ctx), _vote_html({**ctx, "voted": True})))
    return _vote_html(ctx)


def _vote_selects(user_id: int, args) -> list[slots.Select]:
    """Slot provider's query: the reader's votes among the papers of ``args`` (run with the page's other slots)."""
    return [slots.ids_select(Vote, user_id=user_id, ids=slots.slot_ids(args))]


def _voted_slots(rows, args) -> dict[str, int]:
    """Slot provider: variant 1 (voted) for the papers among ``args`` the reader voted for."""
    return {str(pk): 1 for pk in slots.ids_in(rows[0], slots.slot_ids(args))}


slots.register_batched("vote", selects=_vote_selects, answer=_voted_slots)


@register.simple_tag
def vote_sparkline(paper) -> SafeString:
    """Small SVG of the paper's votes per day over 30 days of activity (nothing if it has none)."""
    counts = services.vote_history(paper, days=30)
    total = sum(counts)
    svg = sparkline.bars(counts, label=f"{total} vote{'s' if total != 1 else ''} over 30 days, per day")
    if not svg:
        return svg
    # A visible caption: alone, one bar of imported upvotes reads as a stray orange tick.
    return format_html('<span class="pf-spark-wrap">{}<span class="pf-spark-caption" aria-hidden="true">votes per day, 30 days</span></span>', svg)


@register.simple_tag
def trend_sparkline(values) -> SafeString:
    """Line SVG of a trending score across its window."""
    return sparkline.line(list(values or []), label="trending score across the window")


@register.simple_tag(takes_context=True)
def paper_actions(context, paper) -> SafeString:
    """Vote button plus, for signed-in users, add to one of their collections (or a new one)."""
    ctx = _vote_context(context, paper)
    request = context.get("request")
    if ctx["signed_in"] and slots.shared_render(request):
        # The reader's collections are theirs: a slot the provider fills with their own names.
        ctx["vote_html"] = slots.mark(request, "vote", paper.pk, (_vote_html(ctx), _vote_html({**ctx, "voted": True})))
        ctx["collect_html"] = slots.mark(request, "collect", json.dumps([paper.pk, paper.arxiv_id, ctx["next"]]))
        return SafeString(render_to_string("community/_paper_actions.html", ctx))
    owned = (
        list(Collection.objects.filter(owner=request.user).order_by("name").values("pk", "name"))
        if ctx["signed_in"]
        else []
    )
    holding = coll.collections_holding(request.user, paper) if owned else set()
    ctx["collections"] = [c for c in owned if c["pk"] not in holding]  # offer only where it is not yet
    ctx["in_collections"] = [c for c in owned if c["pk"] in holding]
    ctx["vote_html"] = _vote_html(ctx)
    return SafeString(render_to_string("community/_paper_actions.html", ctx))


def _collect_slots(user, args) -> dict[str, str]:
    """Slot provider: the "add to a collection" form of each paper among ``args``, with the reader's names."""
    owned = list(Collection.objects.filter(owner=user).order_by("name").values("pk", "name"))
    out = {}
    for arg in args:
        pk, arxiv_id, next_url = json.loads(arg)
        holding = coll.collections_holding(user, pk) if owned else set()
        out[arg] = render_to_string("community/_collect.html", {
            "paper": {"arxiv_id": arxiv_id}, "next": next_url, "csrf_token": mark_safe(slots.CSRF_TOKEN),  # noqa: S308
            "collections": [c for c in owned if c["pk"] not in holding],
            "in_collections": [c for c in owned if c["pk"] in holding],
        })
    return out


slots.register("collect", _collect_slots)
