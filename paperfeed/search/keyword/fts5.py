"""SQLite FTS5 keyword index: BM25 over title, abstract and authors (title weighted).

The default backend on SQLite below ``KEYWORD_TANTIVY_THRESHOLD`` papers. Its table
``search_paper_fts`` is kept in step with ``catalog_paper`` by triggers (see ``FTS_DDL``), so a
new paper is searchable the moment it is committed and a deleted paper can never be returned.
``paperfeed reindex`` rebuilds it.
"""

from __future__ import annotations

import sqlite3
import threading

from django.db import DatabaseError, connections

from paperfeed.search.text import query_terms, stem

from .base import KeywordIndex
from .bm25 import TermStats, score_rows

FTS_TABLE = "search_paper_fts"
TOKENIZER = "porter unicode61 remove_diacritics 2"
# BM25 column weights (title, abstract, authors), tuned on SciFact train (docs/search.md).
TITLE_WEIGHT = 3.0
ABSTRACT_WEIGHT = 1.0
AUTHORS_WEIGHT = 1.0

_AUTHORS_SQL = (
    "CASE WHEN json_valid({r}.authors) AND json_type({r}.authors) = 'array' "
    "THEN (SELECT coalesce(group_concat(value, ', '), '') FROM json_each({r}.authors)) "
    "ELSE coalesce({r}.authors, '') END"
)

VOCAB_TABLE = f"{FTS_TABLE}_vocab"
# Above this many postings (summed document frequencies) a query is answered from its rarest
# terms first and re-scored with all of them (see bm25.py); below it FTS5 ranks everything itself.
PRUNE_POSTINGS = 20_000
CANDIDATE_FACTOR = 2

FTS_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, abstract, authors, tokenize='{TOKENIZER}')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCAB_TABLE} USING fts5vocab({FTS_TABLE}, 'row')",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_ai AFTER INSERT ON catalog_paper BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, abstract, authors)
        VALUES (new.id, new.title, new.abstract, {_AUTHORS_SQL.format(r='new')});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_ad AFTER DELETE ON catalog_paper BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_au AFTER UPDATE OF title, abstract, authors ON catalog_paper
    WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract OR old.authors IS NOT new.authors
    BEGIN
        DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
        INSERT INTO {FTS_TABLE}(rowid, title, abstract, authors)
        VALUES (new.id, new.title, new.abstract, {_AUTHORS_SQL.format(r='new')});
    END""",
    # A changed title or abstract makes the stored embedding stale: drop it so the embed job redoes it.
    """CREATE TRIGGER IF NOT EXISTS search_embedding_stale AFTER UPDATE OF title, abstract ON catalog_paper
    WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract
    BEGIN
        DELETE FROM search_paperembedding WHERE paper_id = old.id;
    END""",
]
FTS_DROP = [
    "DROP TRIGGER IF EXISTS search_embedding_stale",
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    f"DROP TABLE IF EXISTS {VOCAB_TABLE}",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
# While tantivy serves a large catalogue (auto.py), FTS5 is "retired": its three triggers are
# dropped and its table emptied, so ingest runs at catalogue speed (6.5k instead of 2.8k papers/s)
# and the disk holds one keyword index, not two. This table marks the state; rebuild() ends it.
RETIRED_TABLE = "search_fts_retired"
FTS_TRIGGERS = ("search_fts_ai", "search_fts_ad", "search_fts_au")

FTS_FILL = (
    f"INSERT INTO {FTS_TABLE}(rowid, title, abstract, authors) "
    f"SELECT p.id, p.title, p.abstract, {_AUTHORS_SQL.format(r='p')} FROM catalog_paper p"
)

_stats: dict = {}
_stats_lock = threading.Lock()


def fts_match(terms: list[str]) -> str:
    """Build a safe FTS5 MATCH expression: each term double-quoted, OR-ed (BM25 ranks the overlap)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


class Fts5KeywordIndex(KeywordIndex):
    """SQLite FTS5 keyword index in the Django database ``using``, or in a raw ``sqlite3`` connection.

    The raw connection serves scratch indexes (``paperfeed eval``, benchmarks) that must not
    touch the site's database.
    """

    def __init__(self, using: str = "default", *, connection: sqlite3.Connection | None = None,
                 weights: tuple[float, float, float] | None = None) -> None:
        self.using = using
        self.raw = connection
        self.weights = weights or (TITLE_WEIGHT, ABSTRACT_WEIGHT, AUTHORS_WEIGHT)

    def _execute(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        if self.raw is not None:
            return self.raw.execute(sql.replace("%s", "?"), params).fetchall()
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    @property
    def stats(self) -> TermStats:
        """Cached corpus statistics for this index (shared per database alias)."""
        key = self.using if self.raw is None else id(self.raw)
        with _stats_lock:
            if key not in _stats:
                _stats[key] = TermStats(FTS_TABLE, self._execute)
            return _stats[key]

    def _fts5_ranked(self, terms: list[str], limit: int, where_sql: str, where_params: tuple) -> list[tuple[int, float]]:
        w = ", ".join(f"{x:g}" for x in self.weights)
        sql = f"SELECT rowid, -bm25({FTS_TABLE}, {w}) AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        params: list = [fts_match(terms)]
        if where_sql:
            # "+rowid": without it FTS5 re-runs the MATCH once per allowed id (90 s instead of 0.1 s on 75k papers)
            sql += f" AND +rowid IN ({where_sql})"
            params.extend(where_params)
        sql += " ORDER BY score DESC LIMIT %s"
        params.append(int(limit))
        return [(int(pid), float(score)) for pid, score in self._execute(sql, params)]

    def _fts5_all_terms(self, terms: list[str], limit: int, where_sql: str, where_params: tuple) -> list[int]:
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        params: list = [" AND ".join('"' + t.replace('"', '""') + '"' for t in terms)]
        if where_sql:
            sql += f" AND +rowid IN ({where_sql})"  # "+": else FTS5 re-runs the MATCH per allowed id
            params.extend(where_params)
        sql += " ORDER BY rowid DESC LIMIT %s"
        params.append(int(limit))
        return [int(row[0]) for row in self._execute(sql, params)]

    def search(self, query: str, *, limit: int = 200, where_sql: str = "", where_params: tuple = ()) -> list[tuple[int, float]]:
        """Return (paper id, BM25 score) pairs for the sanitised ``query``, best first.

        Cheap queries are ranked by FTS5 itself. When the terms' postings exceed
        ``PRUNE_POSTINGS``, candidates come from the rarest terms (ranked) and from papers holding
        every term (unranked AND), and are re-scored with all terms in Python (same BM25), so one
        very common word cannot make a query scan the corpus.
        """
        terms = query_terms(query)
        if not terms or limit <= 0:
            return []
        by_stem: dict[str, list[str]] = {}
        for term in terms:
            by_stem.setdefault(stem(term), []).append(term)
        try:
            dfs = self.stats.df(list(by_stem))
        except (sqlite3.DatabaseError, DatabaseError):  # no vocab table yet (unmigrated database)
            return self._fts5_ranked(terms, limit, where_sql, where_params)
        known = sorted((s for s in by_stem if dfs[s] > 0), key=lambda s: (dfs[s], s))
        if not known or sum(dfs[s] for s in known) <= PRUNE_POSTINGS:
            return self._fts5_ranked(terms, limit, where_sql, where_params)
        rare, postings = [], 0
        for s in known:
            if rare and postings + dfs[s] > PRUNE_POSTINGS:
                break
            rare.append(s)
            postings += dfs[s]
        rare_terms = [t for s in rare for t in by_stem[s]]
        pool = {pid for pid, _ in self._fts5_ranked(rare_terms, limit * CANDIDATE_FACTOR, where_sql, where_params)}
        if len(known) > len(rare):
            # Papers holding every term are strong matches even without the rarest ones; an
            # unranked AND is cheap (FTS5 skips through the doclists), newest first.
            pool.update(self._fts5_all_terms([t for s in known for t in by_stem[s][:1]], limit * CANDIDATE_FACTOR,
                                             where_sql, where_params))
        scores = self._score_stems(known, dfs, sorted(pool))
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def _score_stems(self, stems: list[str], dfs: dict[str, int], ids: list[int]) -> dict[int, float]:
        if not ids:
            return {}
        rows = self._execute(
            f"SELECT c.id, d.sz, c.c0, c.c1, c.c2 FROM {FTS_TABLE}_content c JOIN {FTS_TABLE}_docsize d ON d.id = c.id "
            f"WHERE c.id IN ({', '.join(str(int(i)) for i in ids)})", [])
        return score_rows(stems, dfs, self.stats, rows, self.weights)

    def score(self, query: str, ids: list[int]) -> dict[int, float]:
        """BM25 scores (same scale as ``search``) for papers in ``ids`` that match the query."""
        terms = query_terms(query)
        ids = [int(i) for i in ids]
        if not terms or not ids:
            return {}
        stems = list(dict.fromkeys(stem(t) for t in terms))
        try:
            return self._score_stems(stems, self.stats.df(stems), ids)
        except (sqlite3.DatabaseError, DatabaseError):  # no vocab table yet (unmigrated database)
            return {}

    def rebuild(self) -> int:
        """Drop and refill the FTS table (and re-create its triggers) from ``catalog_paper``."""
        with connections[self.using].cursor() as cursor:
            for stmt in FTS_DROP:
                cursor.execute(stmt)
            for stmt in FTS_DDL:
                cursor.execute(stmt)
            cursor.execute(FTS_FILL)
            cursor.execute(f"DROP TABLE IF EXISTS {RETIRED_TABLE}")
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")
            count = int(cursor.fetchone()[0])
        self.stats.forget()
        return count


def forget_stats() -> None:
    """Drop every cached corpus statistic (tests; after replacing a database)."""
    with _stats_lock:
        _stats.clear()


def fill_scratch(conn: sqlite3.Connection, docs: list[tuple[int, str, str, str]]) -> None:
    """Create the FTS5 table in a scratch SQLite connection and load (rowid, title, abstract, authors)."""
    conn.execute(FTS_DDL[0])
    conn.execute(FTS_DDL[1])  # the fts5vocab table for term statistics
    conn.executemany(f"INSERT INTO {FTS_TABLE}(rowid, title, abstract, authors) VALUES (?, ?, ?, ?)", docs)
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
    conn.commit()


def install_fts(schema_editor_or_cursor) -> None:
    """Create the FTS table and triggers and fill it (used by the migration, SQLite only)."""
    for stmt in FTS_DDL:
        schema_editor_or_cursor.execute(stmt)
    schema_editor_or_cursor.execute(FTS_FILL)


def fts_retired(using: str = "default") -> bool:
    """Whether FTS5 maintenance is retired in this (SQLite) database (see ``RETIRED_TABLE``)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [RETIRED_TABLE])
        return cursor.fetchone() is not None


def retire_fts(using: str = "default") -> None:
    """Stop maintaining FTS5: drop its triggers, empty it (drop + re-create, instant), mark it retired.

    The embedding-staleness trigger stays. ``Fts5KeywordIndex.rebuild()`` brings FTS5 back.
    """
    with connections[using].cursor() as cursor:
        for name in FTS_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {VOCAB_TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        cursor.execute(FTS_DDL[0])
        cursor.execute(FTS_DDL[1])
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {RETIRED_TABLE} (since TEXT NOT NULL)")
        cursor.execute(f"INSERT INTO {RETIRED_TABLE} (since) VALUES (datetime('now'))")
    with _stats_lock:
        _stats.pop(using, None)


def ensure_fts(using: str = "default", **kwargs) -> None:
    """Re-create the FTS5 triggers if a migration dropped them (SQLite rebuilds altered tables).

    Connected to ``post_migrate``. When any trigger is missing, the keyword index is rebuilt from
    ``catalog_paper`` — unless FTS5 is retired (``retire_fts``), when only the
    embedding-staleness trigger is re-created.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'search_%' OR name LIKE 'search_paper_fts%'")
        present = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'catalog_paper'")
        has_papers = cursor.fetchone() is not None
        if has_papers and RETIRED_TABLE in present and "search_paperembedding" in present:
            # FTS5 is retired on purpose (tantivy serves): only the embedding trigger must exist.
            cursor.execute(FTS_DDL[-1])
            return
    wanted = {"search_paper_fts", "search_paper_fts_vocab", *FTS_TRIGGERS}
    if has_papers and not wanted <= present:
        Fts5KeywordIndex(using).rebuild()
