"""Build the upgrade-test database: a small SQLite site made by one checkout's own code.

    git worktree add /tmp/base 891afdc && cp -a /tmp/base /tmp/base-copy   # a copy: running writes __pycache__
    .venv/bin/python tools/build_upgrade_fixture.py --checkout /tmp/base-copy --label 891afdc \\
        tests/upgrade/fixtures/db-891afdc

It runs that checkout's ``migrate``, then fills every app through that checkout's models and
services: a few hundred demo papers, users (staff, verified, banned), votes, collections,
submissions, digest subscribers and deliveries, star history, job runs and leases, moderation
and admin log rows. The database is VACUUMed and gzipped into STEM.sqlite3.gz; STEM.json gets the
manifest tests/upgrade/test_upgrade.py checks after migrating a copy forward: every table's rows,
the model that owns it, a hash of its primary keys, and content checksums of key tables.

Every import of paperfeed or of Django models sits inside a function: they must come from the
checkout, which is only importable once ``build`` has put it on ``sys.path`` and set up Django.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import hashlib
import json
import os
import random
import sqlite3
import sys
import tempfile
from pathlib import Path

DEFAULT_CHECKOUT = Path("/tmp/base-copy")
# The demo catalogue's last listing day; every timestamp below hangs off it, so rebuilding is stable.
NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
PASSWORD_HASH = "pbkdf2_sha256$1$upgrade$placeholder"  # never checked; hashing for real is slow
# Content checksums: (table, columns). The test reads them back from the manifest.
CHECKSUMS = {
    "votes": ("community_vote", ["user_id", "paper_id"]),
    "profiles": ("community_profile", ["user_id", "banned", "ban_reason", "email_confirmed_at"]),
    "star_snapshots": ("jobs_starsnapshot", ["repo_id", "stars", "taken_at"]),
    "repo_states": ("jobs_repostate", ["id", "full_name", "stars", "etag", "missing"]),
    "collection_items": ("community_collectionitem", ["collection_id", "paper_id"]),
    "submissions": ("community_submission", ["user_id", "arxiv_id", "status", "paper_id"]),
    "deliveries": ("digests_delivery", ["subscriber_id", "period", "status", "paper_ids"]),
    "code_link_stars": ("catalog_codelink", ["paper_id", "url", "stars"]),
}
FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
# Django's own bookkeeping: migrations and content types (so permissions) may only grow.
GROWING = ("django_migrations", "django_content_type", "auth_permission")


def main() -> None:
    """Build STEM.sqlite3.gz and STEM.json with the checkout's code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stem", type=Path, help="where to write, without suffix: tests/upgrade/fixtures/db-<commit>")
    parser.add_argument("--checkout", type=Path, default=DEFAULT_CHECKOUT, help="the code that builds it")
    parser.add_argument("--label", default="", help="what the checkout is (a commit); goes in the manifest")
    parser.add_argument("--papers", type=int, default=300, help="demo papers to ingest")
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    with tempfile.TemporaryDirectory(prefix="upgrade-fixture-") as tmp:
        data_dir, out = Path(tmp), Path(tmp) / "fixture.sqlite3"
        models_by_table = build(checkout, data_dir, papers=args.papers)
        with contextlib.closing(sqlite3.connect(data_dir / "paperfeed.sqlite3")) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("VACUUM INTO ?", (str(out),))
        with contextlib.closing(sqlite3.connect(out)) as db:
            db.execute("PRAGMA journal_mode=DELETE")
            manifest = describe(db, models_by_table)
        args.stem.parent.mkdir(parents=True, exist_ok=True)
        packed = args.stem.with_name(args.stem.name + ".sqlite3.gz")
        # Gzipped: a third of the size in git, and out of reach of the *.sqlite3 ignore rule.
        with gzip.GzipFile(packed, "wb", mtime=0) as dst:
            dst.write(out.read_bytes())
    manifest["built_from"] = args.label or str(checkout)
    args.stem.with_name(args.stem.name + ".json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"{packed}: {packed.stat().st_size / 1e6:.2f} MB, {len(manifest['tables'])} tables")


def build(checkout: Path, data_dir: Path, *, papers: int) -> dict[str, str]:
    """Migrate and fill a database under ``data_dir`` with ``checkout``'s code; returns {table: model}."""
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="paperfeed.settings",
        PAPERFEED_DATA_DIR=str(data_dir),
        PAPERFEED_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        HF_HUB_OFFLINE="1",
    )
    # The checkout's code must win over the editable install of this tree.
    sys.path.insert(0, str(checkout))
    import django

    django.setup()
    import paperfeed

    if not Path(paperfeed.__file__).resolve().is_relative_to(checkout):
        raise SystemExit(f"paperfeed imported from {paperfeed.__file__}, not from {checkout}")
    from django.apps import apps
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    populate(data_dir, papers=papers)
    from django.db import connection

    connection.close()
    return {m._meta.db_table: m._meta.label for m in apps.get_models(include_auto_created=True)}


def populate(data_dir: Path, *, papers: int) -> None:
    """Fill every app's tables through the checkout's services (imported after ``django.setup``)."""
    from paperfeed.catalog.ingest_files import DEMO_DATA, ingest_paths
    from paperfeed.catalog.models import Paper

    subset = data_dir / "demo-subset.jsonl"
    with gzip.open(DEMO_DATA, "rt") as src:
        lines = src.readlines()
    # A third with code links, so star data has repositories to hang on; all spread over every day.
    linked = [line for line in lines if "github.com" in line]
    chosen = linked[:: max(1, 3 * len(linked) // papers)][: papers // 3]
    rest = [line for line in lines if "github.com" not in line]
    chosen += rest[:: max(1, len(rest) // (papers - len(chosen)))][: papers - len(chosen)]
    subset.write_text("".join(chosen))
    report = ingest_paths([subset], parallel=False)
    if report.failed:
        raise SystemExit("; ".join(report.failed))
    rng = random.Random(11)
    all_papers = list(Paper.objects.order_by("id"))
    users = make_users()
    make_votes(users, all_papers, rng)
    make_collections(users, all_papers, rng)
    make_submissions(users, all_papers)
    make_moderation(users, all_papers)
    make_digests(users, all_papers)
    make_stars()
    make_jobs()
    make_embeddings(all_papers[:20])
    make_auth_extras(users, all_papers[:10])


def make_users() -> dict[str, list]:
    """One staff account, verified readers, unverified ones and one banned (by the staff account)."""
    from django.contrib.auth.models import User

    from paperfeed.community.models import Profile

    staff = User.objects.create(
        username="editor", email="editor@example.org", is_staff=True, is_superuser=True, password=PASSWORD_HASH
    )
    readers = [
        User.objects.create(username=f"reader{i}", email=f"reader{i}@example.org", password=PASSWORD_HASH)
        for i in range(12)
    ]
    banned = User.objects.create(username="spammer", email="spam@example.org", password=PASSWORD_HASH)
    for i, user in enumerate([staff, *readers, banned]):
        confirmed = NOW - dt.timedelta(days=30 - i) if i % 4 != 3 else None  # every fourth never confirmed
        Profile.objects.create(user=user, email_confirmed_at=confirmed)
    return {"staff": [staff], "readers": readers, "banned": [banned]}


def make_votes(users: dict[str, list], papers: list, rng: random.Random) -> None:
    """Votes through the voting service (so vote counts are denormalised as the code does)."""
    from paperfeed.community.services import toggle_vote

    for i, user in enumerate(users["readers"] + users["banned"] + users["staff"]):
        for paper in rng.sample(papers[:60], 8 + i % 5):
            toggle_vote(user=user, paper=paper, now=NOW - dt.timedelta(hours=rng.randint(1, 200)))


def make_collections(users: dict[str, list], papers: list, rng: random.Random) -> None:
    """Public and private collections with items, for a few readers."""
    from paperfeed.community.collections import add_paper, create_collection

    for i, user in enumerate(users["readers"][:5]):
        for j, public in enumerate((True, False)):
            collection = create_collection(
                owner=user, name=f"Reading list {i}.{j}", public=public, description="Upgrade fixture."
            )
            for paper in rng.sample(papers, 3 + i):
                add_paper(collection, paper)


def make_submissions(users: dict[str, list], papers: list) -> None:
    """Listed, queued, duplicate and rejected submissions, as the submission service decides them."""
    from paperfeed.community.submissions import submit_paper

    readers = users["readers"]
    # The demo papers carry no submission date: their id's month (June 2026) counts, so submit mid-June.
    now = dt.datetime(2026, 6, 12, 9, 0, tzinfo=dt.UTC)
    early = [p for p in papers if p.listing_date and p.listing_date <= now.date()]
    submit_paper(user=readers[0], text=early[0].arxiv_id, now=now)  # listed
    submit_paper(user=readers[1], text=f"https://arxiv.org/abs/{early[0].arxiv_id}v1", now=now)  # duplicate
    submit_paper(user=readers[2], text="arXiv:2606.99999", now=now)  # queued: not in the catalogue
    submit_paper(user=readers[3], text="hep-th/9901001", now=now)  # rejected: too old
    submit_paper(user=readers[4], text=early[1].arxiv_id, now=now - dt.timedelta(hours=3))  # listed
    submit_paper(user=readers[5], text="2607.00001", now=now)  # queued, and stays so


def make_moderation(users: dict[str, list], papers: list) -> None:
    """Ban the spammer, hide a paper, reject a queued submission and remove one vote: audit rows."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from paperfeed.community.models import Submission, Vote
    from paperfeed.community.moderation import reject_submissions, remove_votes, set_banned, set_hidden

    staff = users["staff"][0]
    set_banned(users["banned"], banned=True, moderator=staff, reason="vote ring")
    set_hidden([papers[-1]], hidden=True, moderator=staff, reason="duplicate listing")
    reject_submissions(Submission.objects.filter(arxiv_id="2606.99999"), moderator=staff, reason="not a paper")
    remove_votes(Vote.objects.filter(user=users["readers"][-1]).order_by("id")[:1], moderator=staff, reason="test")
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(papers[-1]),
        object_id=str(papers[-1].pk),
        object_repr=str(papers[-1])[:200],
        action_flag=CHANGE,
        change_message="Hidden from the admin.",
    )


def make_digests(users: dict[str, list], papers: list) -> None:
    """Subscribers in every state, deliveries in several states, sent papers and a suppression."""
    from paperfeed.digests.models import Delivery, SentPaper, Subscriber, Suppression
    from paperfeed.digests.services import confirm, subscribe, unsubscribe

    readers = users["readers"]
    for user in readers[:6]:
        subscribe(user.email, user=user, now=NOW)
    subscribe("anonymous@example.net", now=NOW)  # stays pending
    subs = list(Subscriber.objects.order_by("id"))
    for sub in subs[:5]:
        confirm(sub, now=NOW)
    Subscriber.objects.filter(pk=subs[1].pk).update(frequency="weekly", weekday=2, topics=["graph neural networks"])
    unsubscribe(subs[4], now=NOW)
    Suppression.objects.create(email="bounced@example.net", reason="bounce", detail="550 no such user")
    Subscriber.objects.create(email="bounced@example.net", status="suppressed")
    states = ["sent", "sent", "pending", "failed_temp", "empty"]
    for day, status in enumerate(states):
        for sub in subs[:4]:
            picked = [p.pk for p in papers[day * 5 : day * 5 + 5]]
            delivery = Delivery.objects.create(
                subscriber=sub,
                period=f"daily:2026-06-{20 + day:02d}",
                status=status,
                attempts=1 if status != "pending" else 0,
                next_attempt_at=NOW,
                sent_at=NOW if status == "sent" else None,
                message_id=f"<{day}.{sub.pk}@paperfeed>" if status == "sent" else "",
                paper_ids=picked if status != "empty" else [],
                reasons=["new in cs"] * len(picked) if status != "empty" else [],
            )
            if status == "sent":
                SentPaper.objects.bulk_create(
                    [SentPaper(subscriber=sub, paper_id=pk, delivery=delivery, sent_at=NOW) for pk in picked]
                )


def make_stars() -> None:
    """Track every linked GitHub repository, with a week of star snapshots for most of them."""
    from paperfeed.catalog.models import CodeLink
    from paperfeed.jobs.models import RepoState, StarSnapshot
    from paperfeed.jobs.stars import github_links, sync_repos

    links = github_links()
    sync_repos(links)
    for i, repo in enumerate(RepoState.objects.order_by("full_name")):
        if i % 7 == 6:
            RepoState.objects.filter(pk=repo.pk).update(missing=True, checked_at=NOW)
            continue
        counts = [10 * i + 3 * day for day in range(7)]
        StarSnapshot.objects.bulk_create(
            [StarSnapshot(repo=repo, stars=n, taken_at=NOW - dt.timedelta(days=6 - d)) for d, n in enumerate(counts)]
        )
        RepoState.objects.filter(pk=repo.pk).update(stars=counts[-1], etag=f'W/"{i}"', checked_at=NOW)
        CodeLink.objects.filter(id__in=links[repo.full_name]).update(stars=counts[-1])


def make_jobs() -> None:
    """Job runs (ok, failed, running), leases and a harvest watermark."""
    from paperfeed.jobs.models import HarvestState, JobLease, JobRun

    for i, name in enumerate(["harvest", "stars", "digest", "embed", "trending"]):
        started = NOW - dt.timedelta(hours=i + 1)
        JobRun.objects.create(
            name=name, started_at=started, finished_at=started + dt.timedelta(seconds=4), duration_s=4.0,
            ok=i != 3, counts={"papers": 10 * i}, error="" if i != 3 else "RuntimeError: model missing", host="w1",
        )
        JobLease.objects.create(name=name, owner="w1" if i == 0 else "", leased_until=NOW, next_run_at=NOW)
    JobRun.objects.create(name="harvest", started_at=NOW, host="w1")  # still running
    HarvestState.objects.create(key="arxiv:cs:arXiv", watermark=NOW.date() - dt.timedelta(days=1), pages=2, records=120)


def make_embeddings(papers: list) -> None:
    """A few stored embeddings (tiny fake vectors: the rows matter here, not their meaning)."""
    import numpy as np

    from paperfeed.search.models import PaperEmbedding

    rng = np.random.default_rng(11)
    vectors = [PaperEmbedding.pack(rng.random(8)) for _ in papers]
    PaperEmbedding.objects.bulk_create(
        [PaperEmbedding(paper=p, model="upgrade-fixture", dim=8, vector=v) for p, v in zip(papers, vectors)]
    )


def make_auth_extras(users: dict[str, list], papers: list) -> None:
    """A moderators group with permissions, a per-user permission, a session and paper versions.

    Permissions hang on content types, which a model moving between apps may rename: these rows
    show that grants survive such a move.
    """
    from django.contrib.auth.models import Group, Permission
    from django.contrib.sessions.backends.db import SessionStore

    from paperfeed.catalog.models import PaperVersion

    moderators = Group.objects.create(name="moderators")
    wanted = ["change_paper", "delete_vote", "change_profile", "change_repostate", "view_starsnapshot"]
    moderators.permissions.set(Permission.objects.filter(codename__in=wanted))
    users["readers"][0].groups.add(moderators)
    users["readers"][1].user_permissions.add(Permission.objects.get(codename="view_jobrun"))
    session = SessionStore()
    session.update({"_auth_user_id": str(users["staff"][0].pk)})
    session.create()
    PaperVersion.objects.bulk_create(
        [
            PaperVersion(paper=paper, version=v, created_at=NOW - dt.timedelta(days=10 - v), size=f"{100 * v}kb")
            for paper in papers
            for v in (1, 2)
        ]
    )


def describe(db: sqlite3.Connection, models_by_table: dict[str, str]) -> dict:
    """The manifest: per table rows, owning model, primary-key hash; checksums of key tables."""
    tables: dict[str, dict] = {}
    query = "SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE 'CREATE VIRTUAL%'"
    virtual = [n for (n,) in db.execute(query)]
    derived = set(virtual) | {v + s for v in virtual for s in FTS_SHADOWS}
    names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    for name in names:
        if name.startswith("sqlite_"):
            continue
        entry = {"rows": db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0], "model": models_by_table.get(name)}
        if name in derived:
            entry["derived"] = True  # a search index over other tables: rebuilt, not carried
        elif name in GROWING:
            entry["grows"] = True
            entry["pks"] = [pk for (pk,) in db.execute(f'SELECT id FROM "{name}" ORDER BY id')]
        else:
            entry.update(primary_key_hash(db, name))
        tables[name] = entry
    checksums = {
        key: {"table": table, "columns": columns, "sha256": checksum(db, table, columns)}
        for key, (table, columns) in CHECKSUMS.items()
    }
    return {"tables": tables, "checksums": checksums}


def primary_key_hash(db: sqlite3.Connection, table: str) -> dict:
    """``{"pk": column, "pk_sha256": hash of the sorted keys}`` for a single-column primary key."""
    pk = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")') if row[5]]
    if len(pk) != 1:
        return {}
    return {"pk": pk[0], "pk_sha256": checksum(db, table, pk)}


def checksum(db: sqlite3.Connection, table: str, columns: list[str]) -> str:
    """sha256 of the table's rows (these columns), sorted; the same function is in the upgrade test."""
    cols = ", ".join(f'"{c}"' for c in columns)
    rows = db.execute(f'SELECT {cols} FROM "{table}" ORDER BY {cols}').fetchall()
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


if __name__ == "__main__":
    main()
