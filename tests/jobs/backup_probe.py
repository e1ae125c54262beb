"""Helpers run as subprocesses by tests/jobs/test_backup.py, against PAPERFEED_DATA_DIR / DATABASE_URL.

    python -m tests.jobs.backup_probe seed N_USERS      users to vote with
    python -m tests.jobs.backup_probe vote STOP_FILE    cast votes until STOP_FILE exists; prints each committed vote
    python -m tests.jobs.backup_probe state             JSON: every table's row count, a checksum of votes, the votes
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path


def seed(n_users: int) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.bulk_create([get_user_model()(username=f"voter{i}") for i in range(n_users)])


def vote(stop_file: Path) -> None:
    from django.contrib.auth import get_user_model

    from paperfeed.catalog.models import Paper
    from paperfeed.community.services import cast_vote

    users = list(get_user_model().objects.filter(username__startswith="voter").order_by("pk"))
    papers = list(Paper.objects.order_by("pk")[:50])
    for i in range(len(users) * len(papers)):
        if stop_file.exists():
            return
        user, paper = users[i % len(users)], papers[(i // len(users)) % len(papers)]
        cast_vote(user=user, paper=paper)  # one transaction: the vote and the paper's vote_count
        print(f"{user.pk} {paper.pk}", flush=True)


def state() -> None:
    from django.db import connection

    from paperfeed.catalog.models import Paper
    from paperfeed.community.models import Vote

    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    votes = sorted(Vote.objects.values_list("user_id", "paper_id", "created_at"))
    digest = hashlib.sha256(repr([(u, p, c.isoformat()) for u, p, c in votes]).encode()).hexdigest()
    drift = [pk for pk, n, real in ((p.pk, p.vote_count, p.votes.count()) for p in Paper.objects.all()) if n != real]
    print(json.dumps({"counts": counts, "votes_sha256": digest, "votes": [[u, p] for u, p, _ in votes],
                      "vote_count_drift": drift}))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    command, *rest = sys.argv[1:]
    {"seed": lambda: seed(int(rest[0])), "vote": lambda: vote(Path(rest[0])), "state": state}[command]()
