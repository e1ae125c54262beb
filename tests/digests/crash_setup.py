"""Run as ``python -m tests.digests.crash_setup N`` with PAPERFEED_DATA_DIR set: migrate a fresh
database there and create 30 trending papers and N confirmed daily subscribers (crash tests)."""

from __future__ import annotations

import datetime as dt
import os
import sys


def main(n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from paperfeed.catalog.models import Paper
    from paperfeed.digests.models import Subscriber

    call_command("migrate", verbosity=0, interactive=False)
    day = dt.date(2026, 11, 26)
    Paper.objects.bulk_create(
        Paper(
            arxiv_id=f"2611.{i:05d}",
            title=f"Crash-test paper {i}",
            abstract="Abstract <with> markup & maths $x$.",
            authors=["Ada Lovelace"],
            categories=["cs.LG"],
            primary_category="cs.LG",
            listing_date=day,
            imported_upvotes=100 - i,
        )
        for i in range(30)
    )
    confirmed = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    Subscriber.objects.bulk_create(
        Subscriber(email=f"r{i:05d}@example.org", status="active", confirmed_at=confirmed, size=5) for i in range(n)
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
