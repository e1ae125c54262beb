"""The For-you page's list of papers, rendered once and kept per reader while nothing it shows changed.

Rendering 50 list items (every app's tags in each) costs more than ranking them. A worker keeps
the last rendered list of each of its recent readers under a key made of:

* the reader's ranking key (the pool's generation, their write stamp, their interests: see
  :func:`services.ranking_for`) — a vote, follow, "not interested", read mark or edit re-renders;
* each listed paper's counters as the database has them now (votes, comments, pick, modified) —
  a vote by anyone else on a listed paper re-renders;
* the reader's CSRF secret (the forms' tokens) and the page's path (the forms' ``next``).

What no key covers (a code link's stars, an author's claim) is at most PERSONAL_POOL_SECONDS old.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from paperfeed.catalog.models import Paper
from paperfeed.catalog.services import decorate

from . import services
from .models import FeedProfile

MAX_LISTS = 64  # readers per worker: a 50-item list is ~250 kB of HTML (abstracts), so ~16 MB
STATE_FIELDS = ("id", "vote_count", "imported_upvotes", "comment_count", "picked_by_id", "picked_by_name", "modified_at")


@dataclasses.dataclass(frozen=True, slots=True)
class _List:
    key: tuple
    made: float
    html: SafeString
    count: int


_lock = threading.Lock()
_lists: OrderedDict[int, _List] = OrderedDict()  # user id -> their rendered list (a new pool generation misses)


def for_you_list(request: HttpRequest, *, profile: FeedProfile, now: dt.datetime) -> tuple[SafeString, int, bool]:
    """The reader's For-you list as HTML, how many papers it holds, and whether they told us anything yet."""
    user = request.user
    ranking = services.ranking_for(user, now=now, profile=profile)
    ids = [r.paper_id for r in ranking.ranked]
    state = {row[0]: row for row in Paper.objects.filter(pk__in=ids, hidden=False).values_list(*STATE_FIELDS)}
    get_token(request)  # sets the reader's CSRF secret when the request had none
    secret = hashlib.sha256(str(request.META.get("CSRF_COOKIE", "")).encode()).hexdigest()[:16]
    key = (ranking.key, tuple(state[i] for i in ids if i in state), secret, request.get_full_path())
    kept = _lists.get(user.pk)
    if kept is not None and kept.key == key and time.monotonic() - kept.made < settings.PERSONAL_POOL_SECONDS:
        with _lock:
            _lists.move_to_end(user.pk)
        return kept.html, kept.count, ranking.told
    papers = Paper.objects.filter(hidden=False).in_bulk(list(state))  # fresh rows for the render
    rows = []
    for ranked in ranking.ranked:
        if ranked.paper_id in papers:
            rows.append(paper := papers[ranked.paper_id])
            paper.pf_reasons = ranked.reasons  # the personal:item hook renders them
    decorate(rows)  # links, authors, code: what every list item renders
    html = SafeString(render_to_string("personal/_for_you_list.html", {"papers": rows}, request=request))
    with _lock:
        _lists[user.pk] = _List(key, time.monotonic(), html, len(rows))
        _lists.move_to_end(user.pk)
        while len(_lists) > MAX_LISTS:
            _lists.popitem(last=False)
    return html, len(rows), ranking.told
