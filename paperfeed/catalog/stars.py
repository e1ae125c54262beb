"""Code-repository stars: refresh counts from GitHub, keep their history, and compute velocity."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from paperfeed.catalog.fetch.github import get_repo
from paperfeed.catalog.fetch.http import PoliteClient
from paperfeed.catalog.models import CodeLink, RepoState, StarSnapshot
from paperfeed.catalog.sources.github import RepoAnswer, repo_full_name

log = logging.getLogger(__name__)
# A baseline older than this is not used for "stars gained in the last N hours".
MAX_BASELINE_AGE = dt.timedelta(days=30)


def github_links() -> dict[str, list[int]]:
    """Return ``{owner/name: [CodeLink ids]}`` for every GitHub code link."""
    repos: dict[str, list[int]] = defaultdict(list)
    for link_id, url in CodeLink.objects.filter(kind=CodeLink.Kind.GITHUB).values_list("id", "url").iterator():
        name = repo_full_name(url)
        if name:
            repos[name].append(link_id)
    return repos


def sync_repos(links: dict[str, list[int]]) -> int:
    """Create RepoState rows for repositories not tracked yet; return how many were added."""
    known = set(RepoState.objects.values_list("full_name", flat=True))
    new = [RepoState(full_name=name) for name in links if name not in known]
    RepoState.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def refresh_stars(
    *,
    limit: int | None = None,
    now: dt.datetime | None = None,
    client: PoliteClient | None = None,
    api_url: str | None = None,
    token: str | None = None,
    stop: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fetch stars for GitHub repositories linked from papers, least recently checked first.

    Conditional requests reuse stored ETags. When GitHub's rate limit runs out, wait for the reset
    if it is within STARS_MAX_WAIT_SECONDS, else stop cleanly: the next run continues with the
    repositories not yet checked.
    """
    now = now or timezone.now()
    links = github_links()
    counts: dict[str, Any] = {"repos": len(links), "added": sync_repos(links), "checked": 0, "updated": 0,
                              "not_modified": 0, "missing": 0, "rate_limit_waits": 0, "stopped": ""}
    recheck = dt.timedelta(hours=settings.STARS_RECHECK_HOURS)
    due = [repo for repo in RepoState.objects.filter(missing=False)
           .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=now - recheck))
           .order_by(F("checked_at").asc(nulls_first=True), "id") if repo.full_name in links]
    counts["due"] = len(due)
    if limit is not None:
        due = due[:limit]
    api_url = api_url or settings.GITHUB_API_URL
    token = settings.GITHUB_TOKEN if token is None else token
    own_client = client is None
    client = client or PoliteClient(interval=0.5, timeout=20)
    max_wait = settings.STARS_MAX_WAIT_SECONDS
    try:
        for repo in due:
            if stop is not None and stop.is_set():
                counts["stopped"] = "stop requested"
                break
            answer = get_repo(client, api_url, repo.full_name, etag=repo.etag, token=token)
            if answer.status == "rate_limited":
                if not _wait_for_reset(answer, max_wait, sleep, clock, counts):
                    break
                answer = get_repo(client, api_url, repo.full_name, etag=repo.etag, token=token)
                if answer.status == "rate_limited":
                    counts["stopped"] = "rate limit still exhausted after waiting"
                    break
            _record(repo, answer, links.get(repo.full_name, []), now=now, counts=counts)
            if progress:
                progress(f"{repo.full_name}: {answer.status} ({repo.stars} stars)")
            if answer.remaining == 0 and not _wait_for_reset(answer, max_wait, sleep, clock, counts):
                break
    finally:
        if own_client:
            client.close()
    counts["requests"] = client.requests_made
    if counts["stopped"]:
        log.warning("stars: stopped early: %s", counts["stopped"])
    return counts


def _wait_for_reset(answer: RepoAnswer, max_wait: float, sleep, clock, counts: dict) -> bool:
    """Sleep until the rate limit resets when that is soon enough; return False to stop."""
    wait = answer.retry_after
    if wait is None:
        wait = max(0.0, (answer.reset_at or clock()) - clock()) + 1
    if wait > max_wait:
        counts["stopped"] = f"rate limit exhausted; resets in {wait:.0f}s (waiting at most {max_wait:.0f}s)"
        return False
    counts["rate_limit_waits"] += 1
    log.info("stars: rate limit exhausted; waiting %.0fs for the reset", wait)
    sleep(wait)
    return True


def _record(repo: RepoState, answer: RepoAnswer, link_ids: list[int], *, now: dt.datetime, counts: dict) -> None:
    """Store one answer: repository state, a snapshot for the history, and the code links' stars."""
    counts["checked"] += 1
    with transaction.atomic():
        repo.checked_at = now
        if answer.status == "missing":
            repo.missing = True
            counts["missing"] += 1
            repo.save(update_fields=["checked_at", "missing"])
            return
        if answer.status == "ok":
            counts["updated"] += 1
            repo.stars, repo.etag = answer.stars, answer.etag or repo.etag
        else:
            counts["not_modified"] += 1
        repo.save(update_fields=["checked_at", "stars", "etag"])
        if repo.stars is not None:
            StarSnapshot.objects.create(repo=repo, stars=repo.stars, taken_at=now)
            CodeLink.objects.filter(id__in=link_ids).exclude(stars=repo.stars).update(stars=repo.stars)


def star_deltas(paper_ids: list[int], *, now: dt.datetime, hours: int = 24) -> dict[int, int]:
    """Return ``{paper_id: stars gained in the last `hours`}`` for papers with known star history.

    A paper with several GitHub repositories counts its fastest-growing one. The baseline is the
    last snapshot at or before ``now - hours`` (else the first one inside the window).
    """
    if not paper_ids:
        return {}
    paper_repos: dict[int, set[str]] = defaultdict(set)
    links = CodeLink.objects.filter(paper_id__in=paper_ids, kind=CodeLink.Kind.GITHUB).values_list("paper_id", "url")
    for paper_id, url in links:
        name = repo_full_name(url)
        if name:
            paper_repos[paper_id].add(name)
    if not paper_repos:
        return {}
    names = set().union(*paper_repos.values())
    start = now - dt.timedelta(hours=hours)
    history: dict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
    snaps = (StarSnapshot.objects.filter(repo__full_name__in=names, taken_at__lte=now,
                                         taken_at__gte=start - MAX_BASELINE_AGE)
             .order_by("taken_at").values_list("repo__full_name", "taken_at", "stars"))
    for name, taken_at, stars in snaps:
        history[name].append((taken_at, stars))
    gains = {name: _gain(points, start) for name, points in history.items()}
    out: dict[int, int] = {}
    for paper_id, repos in paper_repos.items():
        known = [gains[r] for r in repos if r in gains]
        if known:
            out[paper_id] = max(known)
    return out


def _gain(points: list[tuple[dt.datetime, int]], start: dt.datetime) -> int:
    """Stars gained since ``start`` from time-ordered ``(taken_at, stars)`` points (never negative)."""
    before = [s for t, s in points if t <= start]
    baseline = before[-1] if before else points[0][1]
    return max(0, points[-1][1] - baseline)
