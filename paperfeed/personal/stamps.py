"""Cheap fingerprints that say when a reader's cached For-you ranking is out of date.

:func:`write_stamp` reads, in one query, a count and the newest time (or id) of each kind of row a
reader writes that the ranking depends on: votes, collection items, pasted papers, follows, "not
interested", read marks and saved searches. Any insert or delete changes it, whichever process,
bulk operation or raw write made it — there is no signal to miss. :func:`catalogue_mark` is the
newest paper id: an ingest in any process (the CLI, the worker) changes it.
"""

from __future__ import annotations

import functools

from django.db import connection, connections, router

from paperfeed.catalog.models import Paper
from paperfeed.community.models import Collection, CollectionItem, Vote
from paperfeed.follows.models import Follow

from .models import FeedProfile, NotInterested, ReadMark, SavedSearch


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _own(model, user_field: str, newest: str) -> tuple[str, int]:
    """Two scalar subqueries (count, newest) over ``model``'s rows of one user: (sql, how many parameters)."""
    where = f"FROM {_table(model)} WHERE {_column(model, user_field)} = %s"
    return f"(SELECT COUNT(*) {where}), (SELECT MAX({_column(model, newest)}) {where})", 2


@functools.cache
def _stamp_sql(vendor: str) -> tuple[str, int]:  # per database vendor: its quoting
    parts = [_own(Vote, "user", "created_at"), _own(Follow, "user", "created_at"),
             _own(NotInterested, "user", "created_at"), _own(ReadMark, "user", "read_at"),
             _own(SavedSearch, "user", "created_at")]
    q = connection.ops.quote_name
    items = (f"FROM {_table(CollectionItem)} i JOIN {_table(Collection)} c "
             f"ON i.{_column(CollectionItem, 'collection')} = c.{q(Collection._meta.pk.column)} "
             f"WHERE c.{_column(Collection, 'owner')} = %s")
    parts.append((f"(SELECT COUNT(*) {items}), (SELECT MAX(i.{_column(CollectionItem, 'added_at')}) {items})", 2))
    seeds = FeedProfile.seed_papers.through
    seeds_where = (f"FROM {_table(seeds)} s JOIN {_table(FeedProfile)} f "
                   f"ON s.{_column(seeds, 'feedprofile')} = f.{q(FeedProfile._meta.pk.column)} "
                   f"WHERE f.{_column(FeedProfile, 'user')} = %s")
    # Pasted papers carry no time: their count and the sum of their ids tell an edit apart.
    parts.append((f"(SELECT COUNT(*) {seeds_where}), (SELECT SUM(s.{_column(seeds, 'paper')}) {seeds_where})", 2))
    return "SELECT " + ", ".join(sql for sql, _ in parts), sum(n for _, n in parts)


def write_stamp(user_id: int) -> tuple:
    """The reader's write stamp: changes whenever they vote, collect, paste, follow, hide, read or save a search."""
    db = connections[router.db_for_read(Vote)]  # where the signals behind the ranking are read (a replica too)
    sql, n = _stamp_sql(db.vendor)
    with db.cursor() as cursor:
        cursor.execute(sql, [user_id] * n)
        return tuple(str(v) for v in cursor.fetchone())


def catalogue_mark() -> int:
    """The newest paper id (0 for an empty catalogue): changes with every ingest that adds a paper."""
    return Paper.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
