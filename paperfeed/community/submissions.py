"""Paper submissions: by arXiv id or URL, onto today's daily page, or queued until the paper is fetched.

Rules (settings): ``SUBMISSION_MAX_AGE_DAYS`` (a paper first submitted to arXiv longer ago is
rejected), ``SUBMISSIONS_PER_USER_PER_DAY`` (per account, rolling 24 h). A paper already submitted
(listed or queued) is recorded as a duplicate pointing to the first submission.

Listing: a submitted paper that is in the catalogue is put on the daily page of the day it is
submitted (or, when queued, the day it is resolved) by setting ``Paper.listing_date`` to that day
when it had none or an earlier one; the previous date is kept in ``Submission.previous_listing_date``.
A listed submission also makes the paper a pick (``Paper.picked_by``, ``picked_at``: the Picks
view and the API's ``submittedOnDailyBy``), unless it was already picked, here or on Hugging Face.

Fetching: the worker runs :func:`fetch_pending_submissions`, which asks arXiv for the queued ids
and then resolves the submissions whose paper arrived.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from paperfeed.accounts.models import Profile
from paperfeed.catalog.fetch.arxiv_api import fetch_arxiv
from paperfeed.catalog.models import Paper

from .arxiv_ids import id_month, normalise_arxiv_id
from .models import Submission

Status = Submission.Status
NOT_FOUND_RETRY = dt.timedelta(hours=1)


class SubmissionError(Exception):
    """A submission the user cannot make; the message says why and what to do."""


def max_age_days() -> int:
    """Days after its first arXiv version that a paper may still be submitted."""
    return settings.SUBMISSION_MAX_AGE_DAYS


def per_day_limit() -> int:
    """Submissions one account may make in a rolling 24 hours."""
    return settings.SUBMISSIONS_PER_USER_PER_DAY


def submit_paper(*, user, text: str, now: dt.datetime | None = None) -> Submission:
    """Record a user's submission of an arXiv id or URL and act on it; raises SubmissionError."""
    now = now or timezone.now()
    arxiv_id = normalise_arxiv_id(text)
    if arxiv_id is None:
        raise SubmissionError(
            f"“{text.strip()[:100]}” is not an arXiv id or URL. "
            "Try 2406.07550, arXiv:2406.07550v2 or https://arxiv.org/abs/2406.07550."
        )
    if Profile.objects.filter(user=user, banned=True).exists():
        raise SubmissionError("Your account is suspended: submissions are disabled.")
    recent = Submission.objects.filter(user=user, created_at__gt=now - dt.timedelta(days=1)).count()
    if recent >= per_day_limit():
        raise SubmissionError(
            f"You have made {recent} submissions in the last 24 hours; the limit is {per_day_limit()}. "
            "Please try again tomorrow."
        )
    own = Submission.objects.filter(user=user, arxiv_id=arxiv_id).exclude(status=Status.REJECTED).order_by("created_at").first()
    if own is not None:
        own.repeated = True  # the page says "you submitted this already"; no second row on the profile
        return own
    with transaction.atomic():
        sub = Submission(user=user, raw=text.strip()[:500], arxiv_id=arxiv_id, created_at=now)
        first = (
            Submission.objects.filter(arxiv_id=arxiv_id, status__in=[Status.LISTED, Status.QUEUED])
            .order_by("created_at", "id")
            .first()
        )
        if first is not None:
            sub.status, sub.duplicate_of, sub.paper = Status.DUPLICATE, first, first.paper
            sub.detail = f"Already submitted on {first.created_at:%Y-%m-%d}."
            sub.resolved_at = now
            sub.save()
            return sub
        paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
        if paper is None:
            _queue(sub, now)
        else:
            _place(sub, paper, now)
        sub.save()
    return sub


def _too_old(first_seen: dt.date | None, today: dt.date) -> bool:
    return first_seen is not None and first_seen < today - dt.timedelta(days=max_age_days())


def _queue(sub: Submission, now: dt.datetime) -> None:
    """Not in the catalogue: queue it, unless its id alone proves it too old."""
    issued = id_month(sub.arxiv_id)
    # An id from month M may be as late as the month's last day; only reject when that is too old.
    last_possible = None
    if issued is not None:
        last_possible = (issued.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    if _too_old(last_possible, now.date()) or (issued is None and "/" in sub.arxiv_id):
        sub.status = Status.REJECTED
        sub.detail = f"Papers older than {max_age_days()} days cannot be submitted."
        sub.resolved_at = now
        return
    sub.status = Status.QUEUED
    sub.detail = "Not in the catalogue yet: it will be fetched from arXiv and then listed."


def _catalogue_today(today: dt.date, paper: Paper) -> dt.date:
    """The day "recent" is measured from: today, or the newest listing day of the other papers of a
    catalogue that stopped growing (a demo of older data), so its recent papers can still be submitted."""
    newest = (Paper.objects.filter(hidden=False, listing_date__lte=today).exclude(pk=paper.pk)
              .order_by("-listing_date").values_list("listing_date", flat=True).first())
    return min(today, newest) if newest else today


def _place(sub: Submission, paper: Paper, now: dt.datetime) -> None:
    """In the catalogue: list it on today's page, or reject it (hidden, too old)."""
    today = now.date()
    sub.paper = paper
    sub.resolved_at = now
    first_seen = paper.submitted_at.date() if paper.submitted_at else id_month(paper.arxiv_id)
    if paper.hidden:
        sub.status, sub.detail = Status.REJECTED, "This paper was removed by the moderators."
    elif _too_old(first_seen, _catalogue_today(today, paper)):
        sub.status = Status.REJECTED
        sub.detail = (
            f"This paper was first submitted to arXiv on {first_seen:%Y-%m-%d}; "
            f"only papers from the last {max_age_days()} days can be submitted."
        )
    else:
        sub.status = Status.LISTED
        sub.previous_listing_date = paper.listing_date
        sub.listed_on = today if paper.listing_date is None or paper.listing_date < today else paper.listing_date
        if sub.listed_on != paper.listing_date:
            Paper.objects.filter(pk=paper.pk).update(listing_date=sub.listed_on)
            paper.listing_date = sub.listed_on
        _pick(paper, sub.user, now)
        sub.detail = f"Listed on the daily page of {sub.listed_on:%Y-%m-%d}."


def _pick(paper: Paper, user, now: dt.datetime) -> None:
    """Record ``user``'s pick of ``paper`` at ``now``, unless it already is a pick (the first one stays)."""
    if Paper.objects.filter(pk=paper.pk, picked_at__isnull=True).update(picked_by=user, picked_by_name="", picked_at=now):
        paper.picked_by, paper.picked_by_name, paper.picked_at = user, "", now


def pending_submission_ids() -> list[str]:
    """arXiv ids (no version) submitted but not in the catalogue yet, oldest submission first."""
    ids = Submission.objects.filter(status=Status.QUEUED).order_by("created_at", "id").values_list("arxiv_id", flat=True)
    return list(dict.fromkeys(ids))


def resolve_submissions(*, now: dt.datetime | None = None) -> int:
    """Link queued submissions whose paper has arrived in the catalogue; returns how many were resolved.

    A submission still not found after ``SUBMISSION_MAX_AGE_DAYS`` is rejected (the id is probably wrong),
    so it stops being fetched and stops blocking a corrected resubmission.
    """
    now = now or timezone.now()
    queued = list(Submission.objects.filter(status=Status.QUEUED).order_by("created_at", "id"))
    papers = Paper.objects.in_bulk({s.arxiv_id for s in queued}, field_name="arxiv_id")
    resolved = 0
    for sub in queued:
        paper = papers.get(sub.arxiv_id)
        if paper is None:
            if sub.created_at < now - dt.timedelta(days=max_age_days()):
                sub.status, sub.resolved_at = Status.REJECTED, now
                sub.detail = f"arXiv had no paper with this id after {max_age_days()} days."
                sub.save(update_fields=["status", "resolved_at", "detail"])
                resolved += 1
            continue
        with transaction.atomic():
            _place(sub, paper, now)
            sub.save()
        resolved += 1
    return resolved


def _not_found_key(arxiv_id: str) -> str:
    return f"paperfeed:submissions:not-found:{arxiv_id}"


def _asked_recently(arxiv_id: str, now: dt.datetime) -> bool:
    """Whether arXiv answered "not found" for this id less than NOT_FOUND_RETRY before ``now``."""
    asked = cache.get(_not_found_key(arxiv_id))
    return asked is not None and now - asked < NOT_FOUND_RETRY


def fetch_pending_submissions(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Fetch from arXiv the queued papers the catalogue lacks, then resolve the submissions; returns counts."""
    now = now or timezone.now()
    pending_ids = pending_submission_ids()
    # An id arXiv does not know (yet) is asked again after NOT_FOUND_RETRY, not every few minutes.
    ids = [i for i in pending_ids if not _asked_recently(i, now)]
    try:
        counts = fetch_arxiv(ids) if ids else {"requested": 0}
    except Exception:
        # Tell the submitters (their submission page shows ``detail``), then let the job fail visibly.
        Submission.objects.filter(status=Status.QUEUED, arxiv_id__in=ids).update(
            detail=f"arXiv could not be reached at {now:%Y-%m-%d %H:%M} UTC; we keep trying and list it once it arrives."
        )
        raise
    counts["pending"], counts["deferred"] = len(pending_ids), len(pending_ids) - len(ids)
    for arxiv_id in counts.get("not_found", []):
        cache.set(_not_found_key(arxiv_id), now, NOT_FOUND_RETRY.total_seconds())
    counts["resolved"] = resolve_submissions(now=now)
    return counts
