"""The documented move from an SQLite install to PostgreSQL (docs/deployment.md) keeps every
account, vote, collection, subscription, delivery and embedding, and search works afterwards.

    paperfeed dumpdata --natural-foreign --natural-primary --exclude contenttypes \
        --exclude auth.permission --exclude sessions --format jsonl -o paperfeed.jsonl.gz
    DATABASE_URL=postgres://… paperfeed migrate && DATABASE_URL=postgres://… paperfeed loaddata paperfeed.jsonl.gz

Runs the real commands in subprocesses: SQLite in a temporary folder, PostgreSQL in a scratch
database on the test server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .scratch import scratch_database_url

REPO = Path(__file__).resolve().parents[3]
DUMP_ARGS = ["dumpdata", "--natural-foreign", "--natural-primary", "--exclude", "contenttypes",
             "--exclude", "auth.permission", "--exclude", "sessions", "--format", "jsonl"]


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith(("PAPERFEED_", "DJANGO_"))}
    env.update(PYTHONPATH=str(REPO), DJANGO_SETTINGS_MODULE="paperfeed.settings", PAPERFEED_DATA_DIR=str(data_dir),
               PAPERFEED_EMBEDDER="paperfeed.search.embedding.hashing.HashingEmbedder", PAPERFEED_EMBEDDING_MODEL="hashing-256")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def populate() -> None:
    """Fill the (SQLite) database: papers, a user with votes and a collection, subscribers, deliveries."""
    from django.contrib.auth.models import Group, Permission, User

    from paperfeed.catalog.models import Paper
    from paperfeed.community.models import Collection, CollectionItem, Vote
    from paperfeed.digests.models import Delivery, SentPaper, Subscriber
    from paperfeed.search.services import embed_pending

    papers = [Paper.objects.create(arxiv_id=f"2606.{i:05d}", title="Photonic lattices" if i == 3 else f"Graph diffusion paper {i}",
                                   abstract=f"Abstract {i} about sparse attention.", authors=["Ada Lovelace"],
                                   listing_date=dt.date(2026, 6, 15), vote_count=1 if i < 2 else 0)
              for i in range(5)]
    user = User.objects.create_user("reader", "reader@example.org", "correct horse battery staple")
    editors = Group.objects.create(name="editors")
    editors.permissions.add(Permission.objects.get(codename="change_paper"))
    user.groups.add(editors)
    for paper in papers[:2]:
        Vote.objects.create(user=user, paper=paper)
    collection = Collection.objects.create(owner=user, name="Reading list")
    CollectionItem.objects.create(collection=collection, paper=papers[3])
    confirmed = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    for i in range(3):
        sub = Subscriber.objects.create(email=f"s{i}@example.org", status="active", confirmed_at=confirmed)
        delivery = Delivery.objects.create(subscriber=sub, period="daily:2026-06-15", status="sent",
                                           next_attempt_at=confirmed, sent_at=confirmed, paper_ids=[papers[i].id])
        SentPaper.objects.create(subscriber=sub, paper=papers[i], delivery=delivery, sent_at=confirmed)
    embed_pending()


def summary() -> dict:
    """Counts and facts to compare before and after the move."""
    from django.contrib.auth.models import User

    from paperfeed.catalog.models import Paper
    from paperfeed.community.models import Collection, Vote
    from paperfeed.digests.models import Delivery, SentPaper, Subscriber
    from paperfeed.search.models import PaperEmbedding
    from paperfeed.search.services import search

    user = User.objects.get(username="reader")
    return {
        "papers": Paper.objects.count(),
        "votes": sorted(Vote.objects.values_list("user__username", "paper__arxiv_id")),
        "vote_counts": sorted(Paper.objects.values_list("arxiv_id", "vote_count")),
        "collections": sorted(Collection.objects.values_list("name", "items__paper__arxiv_id")),
        "subscribers": sorted(Subscriber.objects.values_list("email", "status", "secret")),
        "deliveries": sorted(Delivery.objects.values_list("subscriber__email", "period", "status")),
        "sent": SentPaper.objects.count(),
        "embeddings": PaperEmbedding.objects.count(),
        "password_ok": user.check_password("correct horse battery staple"),
        "can_edit": user.has_perm("catalog.change_paper"),
        "search": [h.paper.arxiv_id for h in search(query="photonic lattices").hits][:1],
    }


def _script(action: str) -> list[str]:
    return [sys.executable, "-m", "tests.search.postgres.test_sqlite_to_postgres", action]


@pytest.mark.django_db
def test_dumpdata_from_sqlite_loaddata_into_postgres_keeps_everything(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    sqlite_env = _env(tmp_path / "sqlite", None)
    _run([sys.executable, "-m", "paperfeed.cli", "migrate", "--noinput", "-v", "0"], sqlite_env)
    _run(_script("populate"), sqlite_env)
    before = json.loads(_run(_script("summary"), sqlite_env))
    dump = tmp_path / "paperfeed.jsonl.gz"
    _run([sys.executable, "-m", "paperfeed.cli", *DUMP_ARGS, "-o", str(dump)], sqlite_env)

    with scratch_database_url("paperfeed_move") as url:
        pg_env = _env(tmp_path / "pg", url)
        _run([sys.executable, "-m", "paperfeed.cli", "migrate", "--noinput", "-v", "0"], pg_env)
        _run([sys.executable, "-m", "paperfeed.cli", "loaddata", str(dump)], pg_env)
        after = json.loads(_run(_script("summary"), pg_env))
        # New rows get fresh ids after the load (loaddata resets PostgreSQL's sequences).
        _run([sys.executable, "-m", "paperfeed.cli", "shell", "-c",
              "from paperfeed.catalog.models import Paper; Paper.objects.create(arxiv_id='2607.00001', title='New')"], pg_env)

    assert after == before
    assert before["papers"] == 5 and before["embeddings"] == 5 and len(before["votes"]) == 2
    assert after["search"] == ["2606.00003"] and after["password_ok"] and after["can_edit"]


if __name__ == "__main__":
    import django

    django.setup()
    if sys.argv[1] == "populate":
        populate()
    else:
        print(json.dumps(summary()))
