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
