"""The signals of many readers at once, for the digest: a fixed number of queries per chunk of subscribers.

The digest composes with the same ranker as the For-you page; with these signals its items carry
the page's reasons ("close to X, which you upvoted", "by Y, whom you follow") instead of a generic
"similar to papers you upvoted", and it leaves out what the reader marked "not interested".
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from django.contrib.auth import get_user_model

from paperfeed.catalog.models import Paper
from paperfeed.community.models import CollectionItem, Vote
from paperfeed.follows import services as follows
from paperfeed.follows.models import Follow

from .models import FeedProfile, NotInterested
from .ranker import Liked

MAX_LIKED = 1000  # the newest liked papers per reader, as on the page


@dataclasses.dataclass(frozen=True, slots=True)
class ReaderSignals:
    """One account's signals for the digest, in plain values (see ``ranker.Signals``)."""

    liked: tuple[Liked, ...] = ()
    followed_authors: dict[str, str] = dataclasses.field(default_factory=dict)  # author key -> name
    followed_people: dict[int, str] = dataclasses.field(default_factory=dict)  # user id -> label
    not_papers: frozenset[int] = frozenset()
    not_authors: frozenset[str] = frozenset()
    not_topics: tuple[str, ...] = ()
    dropped: frozenset[str] = frozenset()


def reader_signals(user_ids: set[int], *, with_liked: set[int]) -> dict[int, ReaderSignals]:
    """Per account: follows, "not interested", dropped reasons and, for ``with_liked``, the liked papers."""
    if not user_ids:
        return {}
    liked = _liked(with_liked & user_ids)
    authors, people = _follows(user_ids)
    negatives: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for uid, kind, value in NotInterested.objects.filter(user_id__in=user_ids).values_list("user_id", "kind", "value"):
        negatives[uid][kind].add(value)
    dropped = dict(FeedProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "dropped"))
    out = {}
    for uid in user_ids:
        neg = negatives.get(uid, {})
        out[uid] = ReaderSignals(
            liked=liked.get(uid, ()),
            followed_authors=authors.get(uid, {}),
            followed_people=people.get(uid, {}),
            not_papers=frozenset(int(v) for v in neg.get("paper", ()) if v.isdigit()),
            not_authors=frozenset(neg.get("author", ())),
            not_topics=tuple(sorted(neg.get("topic", ()))),
            dropped=frozenset(dropped.get(uid) or ()),
        )
    return out


def _liked(user_ids: set[int]) -> dict[int, tuple[Liked, ...]]:
    """Per user, the papers they pasted, collected or upvoted (the newest MAX_LIKED), with their text."""
    if not user_ids:
        return {}
    how: dict[int, dict[int, str]] = defaultdict(dict)
    seeds = FeedProfile.seed_papers.through.objects.filter(feedprofile__user_id__in=user_ids)
    for uid, pid in seeds.values_list("feedprofile__user_id", "paper_id"):
        how[uid][pid] = "picked"
    items = CollectionItem.objects.filter(collection__owner_id__in=user_ids)
    for uid, pid in items.values_list("collection__owner_id", "paper_id"):
        how[uid][pid] = "collected"
    for uid, pid in Vote.objects.filter(user_id__in=user_ids).values_list("user_id", "paper_id"):
        how[uid][pid] = "upvoted"
    newest = {uid: sorted(by, reverse=True)[:MAX_LIKED] for uid, by in how.items()}
    wanted = {pid for ids in newest.values() for pid in ids}
    rows = {pid: (title, abstract) for pid, title, abstract in
            Paper.objects.filter(pk__in=wanted).values_list("id", "title", "abstract")}
    return {uid: tuple(Liked(pid, rows[pid][0], f"{rows[pid][0]}\n{rows[pid][1]}", how[uid][pid])
                       for pid in ids if pid in rows) for uid, ids in newest.items()}


def _follows(user_ids: set[int]) -> tuple[dict[int, dict[str, str]], dict[int, dict[int, str]]]:
    """Per user: followed author key -> name, and followed user id -> label (labs' members included)."""
    rows = list(Follow.objects.filter(user_id__in=user_ids).values_list("user_id", "author__key", "author__name",
                                                                          "followed_user_id", "lab_id"))
    authors: dict[int, dict[str, str]] = defaultdict(dict)
    direct: dict[int, set[int]] = defaultdict(set)
    via_lab: dict[int, set[int]] = defaultdict(set)
    for uid, key, name, followed, lab in rows:
        if key:
            authors[uid][key] = name
        elif followed:
            direct[uid].add(followed)
        elif lab:  # few readers follow labs: one query each
            via_lab[uid] |= follows.lab_member_ids([lab])
    names = dict(get_user_model().objects.filter(pk__in=set().union(*direct.values(), *via_lab.values()))
                 .values_list("pk", "username"))
    people: dict[int, dict[int, str]] = defaultdict(dict)
    for uid in set(direct) | set(via_lab):
        people[uid] = {p: names[p] for p in direct[uid] if p in names}
        people[uid].update({p: f"{names[p]} (a lab you follow)" for p in via_lab[uid] - direct[uid] - {uid}
                            if p in names})
    return authors, people
