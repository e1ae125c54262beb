"""Factories for test data, in one place (real rows in the real test database)."""

from __future__ import annotations

import datetime as dt
import itertools

from paperfeed.catalog.models import Paper

_seq = itertools.count(1)


def make_paper(**overrides) -> Paper:
    """Create and return a saved Paper with plausible defaults; any field may be overridden."""
    n = next(_seq)
    listing = overrides.pop("listing_date", dt.date(2026, 6, 15))
    fields = {
        "arxiv_id": f"2606.{n:05d}",
        "title": f"Paper number {n}",
        "abstract": f"Abstract of paper {n} about transformers and diffusion.",
        "authors": ["Ada Lovelace", f"Author {n}"],
        "categories": ["cs.LG", "cs.AI"],
        "primary_category": "cs.LG",
        "listing_date": listing,
        "submitted_at": dt.datetime.combine(listing, dt.time(12), tzinfo=dt.UTC),
    }
    fields.update(overrides)
    if "categories" in overrides and "primary_category" not in overrides:
        fields["primary_category"] = (fields["categories"] or [""])[0]
    return Paper.objects.create(**fields)


def add_authors(paper: Paper, names: list[str] | None = None) -> list:
    """Give ``paper`` Authorship rows (creating Authors keyed by slug) for ``names`` or its authors."""
    from django.utils.text import slugify

    from paperfeed.catalog.models import Author, Authorship

    names = list(paper.authors if names is None else names)
    if names != paper.authors:
        Paper.objects.filter(pk=paper.pk).update(authors=names)
        paper.authors = names
    authors = []
    for position, name in enumerate(names):
        author, _ = Author.objects.get_or_create(key=slugify(name) or f"author-{position}", defaults={"name": name})
        Authorship.objects.create(paper=paper, author=author, position=position)
        authors.append(author)
    return authors


def make_code_link(paper: Paper, url: str = "https://github.com/example/code", **overrides):
    """Create and return a CodeLink for ``paper`` (GitHub, from the abstract, unless overridden)."""
    from paperfeed.catalog.models import CodeLink

    fields = {"kind": CodeLink.Kind.GITHUB, "source": CodeLink.Source.ABSTRACT}
    fields.update(overrides)
    return CodeLink.objects.create(paper=paper, url=url, **fields)


# --- digests ----------------------------------------------------------------------------------
def make_subscriber(**overrides):
    """Create and return a saved, confirmed digest Subscriber (daily, 10 papers) unless overridden."""
    from paperfeed.digests.models import Subscriber

    n = next(_seq)
    fields = {
        "email": f"reader{n}@example.org",
        "status": Subscriber.Status.ACTIVE,
        "confirmed_at": dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
    }
    fields.update(overrides)
    return Subscriber.objects.create(**fields)


# --- community --------------------------------------------------------------------------------
def make_user(*, password: str | None = None, active: bool = True, **overrides):
    """Create and return a saved user (unusable password unless ``password`` is given: argon2 is slow)."""
    from django.contrib.auth import get_user_model

    n = next(_seq)
    fields = {"username": f"reader{n}", "email": f"reader{n}@example.org", "is_active": active}
    fields.update(overrides)
    user = get_user_model()(**fields)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def make_vote(*, user, paper, at: dt.datetime | None = None):
    """Create a vote at ``at`` (default now) and refresh the paper's denormalised vote count."""
    from django.utils import timezone

    from paperfeed.community.models import Vote
    from paperfeed.community.services import recount_votes

    vote = Vote.objects.create(user=user, paper=paper, created_at=at or timezone.now())
    recount_votes([paper.pk])
    paper.refresh_from_db(fields=["vote_count"])
    return vote


def make_submission(*, user=None, arxiv_id: str | None = None, **overrides):
    """Create and return a queued Submission of ``arxiv_id`` (a fresh one unless given) by ``user``."""
    from paperfeed.community.models import Submission

    arxiv_id = arxiv_id or f"2606.{next(_seq):05d}"
    fields = {"raw": arxiv_id, "status": Submission.Status.QUEUED}
    fields.update(overrides)
    return Submission.objects.create(user=user or make_user(), arxiv_id=arxiv_id, **fields)


def make_collection(*, owner=None, papers=(), **overrides):
    """Create and return a Collection of ``owner`` (a new user unless given) holding ``papers``."""
    from paperfeed.community import collections

    overrides.setdefault("name", f"Collection {next(_seq)}")
    collection = collections.create_collection(owner=owner or make_user(), **overrides)
    for paper in papers:
        collections.add_paper(collection, paper)
    return collection


# --- digests (outbox) -------------------------------------------------------------------------
def make_delivery(*, subscriber=None, **overrides):
    """Create and return a pending Delivery of the daily digest of 2026-11-27 (due 08:00 UTC) unless overridden."""
    from paperfeed.digests.models import Delivery

    fields = {
        "period": "daily:2026-11-27",
        "next_attempt_at": dt.datetime(2026, 11, 27, 8, tzinfo=dt.UTC),
        "paper_ids": [],
    }
    fields.update(overrides)
    return Delivery.objects.create(subscriber=subscriber or make_subscriber(), **fields)


def make_suppression(email: str, *, reason: str = "bounce", **overrides):
    """Create and return a Suppression of ``email`` (a bounce unless ``reason`` says otherwise)."""
    from paperfeed.digests.models import Suppression

    return Suppression.objects.create(email=email, reason=reason, **overrides)


# --- catalog: harvest state and stars ------------------------------------------------------------
def make_harvest_state(key: str = "arxiv:cs:arXiv", **overrides):
    """Create and return a HarvestState row (no watermark unless given)."""
    from paperfeed.catalog.models import HarvestState

    return HarvestState.objects.create(key=key, **overrides)


def make_repo(full_name: str = "example/code", **overrides):
    """Create and return a tracked GitHub repository (RepoState), never checked unless overridden."""
    from paperfeed.catalog.models import RepoState

    return RepoState.objects.create(full_name=full_name, **overrides)


def make_star_snapshot(repo, *, stars: int, taken_at: dt.datetime):
    """Record ``repo``'s star count at ``taken_at`` (a StarSnapshot)."""
    from paperfeed.catalog.models import StarSnapshot

    return StarSnapshot.objects.create(repo=repo, stars=stars, taken_at=taken_at)


def make_job_run(name: str = "harvest", *, started_at: dt.datetime, ok: bool | None = True, **overrides):
    """Create and return a JobRun of job ``name`` (``ok=None``: still running, or killed)."""
    from paperfeed.jobs.models import JobRun

    return JobRun.objects.create(name=name, started_at=started_at, ok=ok, **overrides)


# --- accounts: personal access tokens ----------------------------------------------------------
def make_token(*, user=None, scope: str = "write", name: str = ""):
    """Create a personal access token for ``user`` (a new one unless given); returns ``(token row, secret)``."""
    from paperfeed.accounts.tokens import create_token

    return create_token(user=user or make_user(), scope=scope, name=name)


# --- discussions -------------------------------------------------------------------------------
def make_verified_user(*, days_old: int = 30, **overrides):
    """A user with a confirmed email, joined ``days_old`` days ago (older than the new-account limits)."""
    from django.utils import timezone

    from paperfeed.accounts.models import Profile

    user = make_user(date_joined=timezone.now() - dt.timedelta(days=days_old), **overrides)
    Profile.objects.update_or_create(user=user, defaults={"email_confirmed_at": timezone.now()})
    return user


def make_comment(*, paper=None, user=None, body: str = "A comment.", parent=None, **overrides):
    """Post a comment through the service (counts and signals as in production); returns it."""
    from paperfeed.discussions.services import post_comment

    return post_comment(user=user or make_verified_user(), paper=paper or make_paper(), body=body,
                        parent_id=parent.pk if parent is not None else None, **overrides)


# --- accounts and notifications: per-user rows ----------------------------------------------------
def make_profile(*, user=None, **overrides):
    """Create and return the Profile of ``user`` (a new one unless given); e.g. ``email_confirmed_at=...``."""
    from paperfeed.accounts.models import Profile

    return Profile.objects.create(user=user or make_user(), **overrides)


def make_notification_prefs(*, user=None, **overrides):
    """Create and return notification Preferences of ``user`` (all mail on unless overridden)."""
    from paperfeed.notifications.models import Preferences

    return Preferences.objects.create(user=user or make_user(), **overrides)


# --- follows ----------------------------------------------------------------------------------
def make_lab(**overrides):
    """Create and return a Lab with a fresh name and slug unless overridden."""
    from paperfeed.follows.models import Lab

    n = next(_seq)
    fields = {"name": f"Lab {n}", "slug": f"lab-{n}"}
    fields.update(overrides)
    return Lab.objects.create(**fields)


def make_lab_membership(*, lab=None, user=None, is_admin: bool = False, **overrides):
    """Make ``user`` (a new one unless given) a member of ``lab`` (a new one unless given); returns the row."""
    from paperfeed.follows.models import LabMembership

    return LabMembership.objects.create(lab=lab or make_lab(), user=user or make_user(), is_admin=is_admin,
                                        **overrides)


def make_follow(*, user=None, author=None, followed_user=None, lab=None, **overrides):
    """Make ``user`` (a new one unless given) follow exactly one of ``author``, ``followed_user`` or ``lab``."""
    from paperfeed.follows.models import Follow

    return Follow.objects.create(user=user or make_user(), author=author, followed_user=followed_user, lab=lab,
                                 **overrides)


def make_author_claim(*, user=None, paper=None, author=None, status: str = "pending", **overrides):
    """Create and return an AuthorClaim by ``user`` of ``author`` on ``paper`` (its first author unless given)."""
    from paperfeed.follows.models import AuthorClaim

    paper = paper or make_paper()
    if author is None:
        first = paper.authorships.order_by("position").first()
        author = first.author if first is not None else add_authors(paper)[0]
    return AuthorClaim.objects.create(user=user or make_user(), paper=paper, author=author, status=status,
                                      **overrides)


def make_paper_link(*, paper=None, kind: str = "dataset", url: str | None = None, **overrides):
    """Create and return a PaperLink (pending unless overridden) on ``paper`` (a new one unless given)."""
    from paperfeed.follows.models import PaperLink

    url = url or f"https://data.example.org/{next(_seq)}"
    return PaperLink.objects.create(paper=paper or make_paper(), kind=kind, url=url, **overrides)
