"""Signal receivers of the community app, connected in ``CommunityConfig.ready()``."""

from __future__ import annotations

import time

from django.contrib import messages

from paperfeed.catalog.models import Paper

from . import services

PENDING_VOTE_KEY = "community_pending_vote"
PENDING_VOTE_SECONDS = 15 * 60  # an upvote asked for long ago is not cast by a later log-in


def remember_pending_vote(request, paper: Paper) -> None:
    """Keep an anonymous reader's upvote in the session, to cast when they log in."""
    request.session[PENDING_VOTE_KEY] = {"paper": paper.arxiv_id, "at": time.time()}


def cast_pending_vote(sender, request, user, **kwargs) -> None:
    """On log-in, cast the upvote the reader asked for just before (and say so)."""
    pending = request.session.pop(PENDING_VOTE_KEY, None) if request is not None else None
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_VOTE_SECONDS:
        return
    paper = Paper.objects.filter(arxiv_id=pending.get("paper", ""), hidden=False).first()
    if paper is None:
        return
    try:
        services.cast_vote(user=user, paper=paper)
    except services.VoteRefused as exc:
        messages.error(request, str(exc))
        return
    messages.success(request, f"Upvoted “{paper.title[:120]}”.")
