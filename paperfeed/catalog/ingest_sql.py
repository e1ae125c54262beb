"""The statements of an ingest batch: multi-row inserts (COPY on PostgreSQL), updates, deletes."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator

from django.db import connection

from paperfeed.catalog.merge import PaperState
from paperfeed.catalog.models import CodeLink, Paper, PaperVersion

CHUNK = 900  # ids per IN (...) query: under SQLite's and PostgreSQL's parameter limits
PAPER_COLUMNS = (
    "arxiv_id", "title", "abstract", "authors", "categories", "primary_category", "version",
    "submitted_at", "updated_at", "listing_date", "comment", "journal_ref", "doi", "license",
    "imported_upvotes", "imported_source", "hidden", "picked_at", "picked_by_name", "content_hash",
)


def chunks(items: list) -> Iterator[list]:
    """``items`` in slices of CHUNK."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def paper_values(state: PaperState) -> list:
    """The PAPER_COLUMNS values of ``state``, cut to their columns' lengths."""
    return [
        state.arxiv_id, state.title, state.abstract, state.authors, state.categories,
        (state.categories or [""])[0][:64], state.version, state.submitted_at, state.updated_at,
        state.listing_date, state.comment, state.journal_ref, state.doi[:255], state.license[:255],
        state.imported_upvotes, state.imported_source, state.hidden, state.picked_at, state.picked_by_name[:150],
        state.content_hash(),
    ]


def update_papers(states: list[PaperState], pks: dict[str, int], now: dt.datetime) -> None:
    """Rewrite the rows of known papers from their merged ``states`` (one prepared statement)."""
    columns = [*PAPER_COLUMNS[1:], "modified_at"]
    fields = [Paper._meta.get_field(c) for c in columns]
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {connection.ops.quote_name(Paper._meta.db_table)} SET {sets} WHERE id = %s"
    rows = []
    for state in states:
        values = [*paper_values(state)[1:], now]
        rows.append([f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)] + [pks[state.arxiv_id]])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def write_versions(changed: dict[str, PaperState], known: dict[str, PaperState], pks: dict[str, int]) -> None:
    """Add the versions ``changed`` papers gained, and dates of versions known without one."""
    new_rows, dated = [], []
    for arxiv_id, state in changed.items():
        before = known[arxiv_id].versions if arxiv_id in known else {}
        for number, when in state.versions.items():
            if number not in before:
                new_rows.append([pks[arxiv_id], number, when, ""])
            elif before[number] is None and when is not None:
                dated.append((when, pks[arxiv_id], number))
    insert_rows(PaperVersion, ["paper_id", "version", "created_at", "size"], new_rows, ignore_conflicts=True)
    for when, pk, number in dated:
        PaperVersion.objects.filter(paper_id=pk, version=number).update(created_at=when)


def write_links(changed: dict[str, PaperState], known: dict[str, PaperState], pks: dict[str, int]) -> None:
    """Add the code links ``changed`` papers gained."""
    rows = []
    for arxiv_id, state in changed.items():
        before = known[arxiv_id].links if arxiv_id in known else {}
        rows.extend([pks[arxiv_id], url[:1000], kind, source] for key, (url, kind, source) in state.links.items() if key not in before)
    insert_rows(CodeLink, ["paper_id", "url", "kind", "source"], rows, ignore_conflicts=True)


def insert_rows(model, columns: list[str], rows: list[list], *, ignore_conflicts: bool = False) -> None:
    """Insert ``rows`` (adapted in place): on PostgreSQL by COPY, or from column arrays where conflicts
    are ignored; elsewhere through one prepared statement (``executemany``)."""
    if not rows:
        return
    fields = [model._meta.get_field(c) for c in columns]
    preps = [(i, p) for i, f in enumerate(fields) if (p := _prep(f)) is not None]
    if preps:
        for row in rows:
            for i, p in preps:
                row[i] = p(row[i])
    quote = connection.ops.quote_name
    target = f"{quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(f"INSERT INTO {target} VALUES ({', '.join(['%s'] * len(fields))}){tail}", rows)
        elif not ignore_conflicts:
            # COPY: one statement for the batch (row-by-row INSERTs cost PostgreSQL ~25 us each).
            with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # One array per column, unnested: a short statement whatever the batch size.
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            cursor.execute(f"INSERT INTO {target} SELECT * FROM unnest({arrays}){tail}",
                           [list(column) for column in zip(*rows, strict=True)])


_PLAIN = {"CharField", "TextField", "IntegerField", "PositiveIntegerField", "BigIntegerField", "ForeignKey"}


def _prep(field) -> Callable | None:
    """A value adapter for ``field``: None for plain columns, Django's own for the rest."""
    internal = field.get_internal_type()
    if internal in _PLAIN:
        return None
    if internal == "JSONField" and connection.vendor == "sqlite":
        return lambda v: json.dumps(v, ensure_ascii=False)
    if internal == "JSONField":
        return lambda v: field.get_db_prep_save(v, connection)
    # Dates, datetimes, booleans: few distinct values per batch (one "now", a few listing days).
    return functools.lru_cache(maxsize=4096)(lambda v: field.get_db_prep_save(v, connection))


def delete_where_in(model, column: str, values: list[int]) -> None:
    """Delete the rows of ``model`` whose ``column`` is in ``values``."""
    for chunk in chunks(values):
        model.objects.filter(**{f"{column}__in": chunk}).delete()
