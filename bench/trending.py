"""Trending benchmark: time to rank day/week/month and to serve /trending, with synthetic votes.

    PAPERFEED_DATA_DIR=var/bench/trending .venv/bin/python bench/trending.py [--votes 100000] [--users 5000]

Uses the catalogue already in ``PAPERFEED_DATA_DIR`` (ingest ../shared/data first for a realistic
size: ``paperfeed ingest ../shared/data/arxiv_abstracts ../shared/data/hf_daily_papers``), adds
synthetic users and votes (Zipf-like over the latest papers, spread over the last 30 days; removed
again at the end), and prints:

- the uncached ranking time per window (gathering votes + pure ranking),
- /trending page latency (p50 / p99) served from the few-seconds cache and uncached,
- freshness: whether a new vote changes the list at once (the cache is versioned by votes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--papers", type=int, default=3_000, help="votes go to the latest N papers")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="leave the synthetic votes in place (for profiling)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from paperfeed.catalog.models import Paper
    from paperfeed.community import services
    from paperfeed.community.models import Vote

    User = get_user_model()
    papers = list(Paper.objects.filter(hidden=False).order_by("-listing_date", "id").values_list("id", flat=True)[: args.papers])
    if len(papers) < 10:
        sys.exit("The catalogue is (nearly) empty: ingest ../shared/data first (see the docstring).")
    print(f"catalogue: {Paper.objects.count():,} papers; voting on the latest {len(papers):,}")
    Vote.objects.filter(user__username__startswith="bench-voter-").delete()  # a previous --keep run
    User.objects.filter(username__startswith="bench-voter-").delete()
    rng = random.Random(42)
    now = timezone.now()
    t0 = time.perf_counter()
    users = User.objects.bulk_create(
        [User(username=f"bench-voter-{i}", email=f"bench{i}@example.org", password="!") for i in range(args.users)]
    )
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(papers))]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < min(args.votes, args.users * len(papers)):
        pairs.add((rng.choice(users).pk, rng.choices(papers, weights)[0]))
    Vote.objects.bulk_create(
        [Vote(user_id=u, paper_id=p, created_at=now - dt.timedelta(hours=rng.random() * 24 * 30)) for u, p in pairs],
        batch_size=5_000,
    )
    services.recount_votes(papers)
    print(f"synthetic: {args.users:,} users, {len(pairs):,} votes over 30 days ({time.perf_counter() - t0:.1f} s to insert)")
    try:
        for window in ("day", "week", "month"):
            runs = []
            for _ in range(5):
                t = time.perf_counter()
                result = services.compute_trending(window=window, now=now)
                runs.append(time.perf_counter() - t)
            print(f"rank {window:5s}: {len(result.entries):5,} entries, median {statistics.median(runs) * 1000:7.1f} ms uncached")
        anonymous, member = Client(), Client()
        member.force_login(users[0])
        runs = (
            ("anonymous, page cache", anonymous, False),
            ("signed in, list cached", member, False),
            ("nothing cached", member, True),
        )
        for label, client, clear in runs:
            times = []
            for i in range(args.requests if not clear else max(args.requests // 10, 5)):
                if clear:
                    cache.clear()
                t = time.perf_counter()
                response = client.get("/trending?window=week")
                times.append(time.perf_counter() - t)
                assert response.status_code == 200
            print(f"/trending {label:23s}: p50 {percentile(times, .5) * 1000:6.1f} ms, "
                  f"p99 {percentile(times, .99) * 1000:6.1f} ms ({len(times)} requests, test client, one process)")
        before = services.trending_papers(window="day", limit=1)[0][0]
        fresh = Paper.objects.filter(pk__in=papers).exclude(pk=before.pk).order_by("-id").first()
        for user in users[:200]:
            Vote.objects.get_or_create(user=user, paper=fresh, defaults={"created_at": timezone.now()})
        services.recount_votes([fresh.pk])
        t = time.perf_counter()
        after = services.trending_papers(window="day", limit=1)[0][0]
        print(f"freshness: 200 new votes -> top of 'day' is the new paper: {after.pk == fresh.pk} "
              f"(next request, {(time.perf_counter() - t) * 1000:.0f} ms)")
    finally:
        if args.keep:
            return
        Vote.objects.filter(user__username__startswith="bench-voter-").delete()
        User.objects.filter(username__startswith="bench-voter-").delete()
        services.recount_votes(papers)


if __name__ == "__main__":
    main()
