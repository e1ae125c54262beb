"""The search service: one ``search()`` used by the page, the API, the feeds and the eval.

Pipeline: sanitise the query into terms -> keyword candidates (BM25, filters applied in SQL)
and semantic candidates (query embedding -> vector index, filters applied after) -> ``fuse``
-> optional re-sort by date or votes -> one page of ``SearchHit``s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from paperfeed.catalog.models import CodeLink, Paper

from .cache import Generation, MemoEmbedder, TtlLru
from .embedding import QueryModelNotReady, get_embedder, get_query_embedder
from .embedding.base import Embedder, document_text
from .fusion import Fused
from .hybrid import NearestVectors, rank, retrieve
from .keyword import get_keyword_index
from .models import PaperEmbedding
from .precomputed import load_precomputed
from .query import ParsedQuery, matches, parse_query
from .sharedcache import shared_get, shared_key, shared_set
from .text import MAX_QUERY_CHARS, query_terms
from .vectorgraph import GraphVectorIndex, sync_graph
from .vectors import get_live_index

log = logging.getLogger(__name__)

SORTS = ("relevance", "date", "votes")
CANDIDATES = 100  # per retriever; deeper pages widen it up to MAX_CANDIDATES
MAX_CANDIDATES = 1000
# Per process, for settings.SEARCH_CACHE_SECONDS: bounded so a crawl of odd queries cannot grow them.
# RESULTS serves a search whose rendering (page or API, rendered.py) is not kept yet; 128 pages of
# 20 Paper rows are about 6 MB. Every full garbage collection of a worker walks through these rows:
# at 1,024 entries such a pause took 59 ms at 80k papers, against 12 ms at 128 (bench/search_gc.py).
RESULTS = TtlLru(128)
QUERY_VECTORS = TtlLru(4096)  # 384 floats each: about 6 MB when full
GENERATION = Generation()
# A response header, internal: the watermark its content was computed under. The page cache
# (web/pagecache.py) replays such a page while ``watermark()`` still says the same, then drops the header.
WATERMARK_HEADER = "X-Paperfeed-Watermark"


@dataclasses.dataclass(frozen=True)
class SearchFilters:
    """Optional restrictions: a category (any of the paper's), listing-date range, has code."""

    category: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    has_code: bool = False

    @classmethod
    def coerce(cls, value: SearchFilters | Mapping[str, Any] | None) -> SearchFilters:
        """Accept a SearchFilters, a dict of its fields, or None."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in dict(value).items() if k in known and v not in (None, "")})

    def __bool__(self) -> bool:
        return bool(self.category or self.date_from or self.date_to or self.has_code)

    def _category_q(self) -> Q:
        """Exact category (any of the paper's); "cs." or "cs" also matches every cs.* category."""
        name = self.category.rstrip(".")
        # categories is a JSON list; match the quoted name (or prefix) inside it.
        exact = Q(primary_category=name) | Q(categories__icontains=f'"{name}"')
        if "." in name:
            return exact
        prefix = f"{name}."  # an archive, as digest preferences accept it
        return exact | Q(primary_category__startswith=prefix) | Q(categories__icontains=f'"{prefix}')

    def queryset(self) -> QuerySet[Paper]:
        """Visible papers matching these filters."""
        qs = Paper.objects.filter(hidden=False)
        if self.category:
            qs = qs.filter(self._category_q())
        if self.date_from:
            qs = qs.filter(listing_date__gte=self.date_from)
        if self.date_to:
            qs = qs.filter(listing_date__lte=self.date_to)
        if self.has_code:
            qs = qs.filter(Exists(CodeLink.objects.filter(paper=OuterRef("pk"))))
        return qs


@dataclasses.dataclass
class SearchHit:
    """One result: the paper, its fused score and its rank in each retriever (0 = not retrieved)."""

    paper: Paper
    score: float
    keyword_rank: int = 0
    semantic_rank: int = 0


@dataclasses.dataclass
class SearchResults:
    """A page of results plus what the page needs to render it."""

    query: str
    hits: list[SearchHit]
    total: int
    terms: list[str]
    message: str = ""
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    arxiv_id: str = ""  # set when the query was an arXiv id or URL (found or not)
    cache_key: tuple | None = None  # set when remembered: same key, same results (see ``search``)
    remembered: bool = False  # answered from the memo (the X-Search-Cache header says "hit")

    @property
    def has_next(self) -> bool:
        """Whether a further page exists."""
        return self.offset + len(self.hits) < self.total


def _semantic_backend(memo: bool, *, refresh: bool = False) -> tuple[Embedder | None, NearestVectors | None]:
    try:
        embedder = get_query_embedder()
        live = get_live_index(embedder.name)
        live.refresh(force=refresh)
        if not live.dim:
            return None, None  # nothing embedded yet: keyword search only, no model load
        return (MemoEmbedder(embedder, QUERY_VECTORS) if memo else embedder), live
    except QueryModelNotReady as exc:  # a web worker before the graph's export: keyword search meanwhile
        log.warning("semantic search unavailable: %s", exc)
        return None, None
    except (OperationalError, InterfaceError):
        raise  # the database is down: the whole request fails, and is answered and logged once, as such
    except Exception:  # a broken model must not take keyword search down with it
        log.exception("semantic search unavailable")
        return None, None


def _browse(filters: SearchFilters, sort: str) -> QuerySet[Paper]:
    qs = filters.queryset()
    if sort == "votes":
        return qs.order_by("-vote_count", "-imported_upvotes", "-listing_date", "-id")
    return qs.order_by("-listing_date", "-submitted_at", "-id")


def _texts(ids: list[int]) -> dict[int, str]:
    """The title-and-abstract text of those of ``ids`` that exist, for proximity re-ranking.

    Plain SQL for two columns: building the 30 ``Paper`` rows of the re-ranked head took about
    three times as long, and only the page's 20 are shown (loaded after the re-rank).
    """
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, title, abstract FROM {Paper._meta.db_table} WHERE id IN ({marks})", [*map(int, ids)])
        # The words of ``document_text(title, abstract)`` without its whitespace clean-up, which
        # proximity, reading words only, does not need.
        return {pid: f"{title}\n{abstract}" for pid, title, abstract in cursor.fetchall()}


def _allowed(ids: list[int], filters: SearchFilters, base: QuerySet[Paper]) -> set[int]:
    """Those of ``ids`` (hundreds: the vector index's) that are visible and match ``filters``.

    Without filters, plain SQL: the ORM spends about 2 ms building an ``IN`` of 500 ids, and an
    ``IN (SELECT …)`` of the filters' query makes SQLite list every visible paper first.
    """
    if not ids:
        return set()
    if filters:
        return set(base.filter(id__in=ids).values_list("id", flat=True))
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        # "NOT hidden", as the partial index of visible ids on PostgreSQL says it (search/postgres/ddl.py).
        cursor.execute(f"SELECT id FROM {Paper._meta.db_table} WHERE id IN ({marks}) AND NOT hidden", [*map(int, ids)])
        return {row[0] for row in cursor.fetchall()}


def _apply_operators(fused: list[Fused], parsed: ParsedQuery) -> list[Fused]:
    """Keep the candidates with every quoted phrase and none of the ``-excluded`` terms."""
    if not parsed.has_operators or not fused:
        return fused
    rows = Paper.objects.filter(id__in=[f.doc for f in fused]).values_list("id", "title", "abstract", "authors")
    texts = {pid: f"{title}\n{abstract}\n{' '.join(authors or [])}" for pid, title, abstract, authors in rows}
    return [f for f in fused if matches(parsed, texts.get(f.doc, ""))]


def _by_arxiv_id(parsed: ParsedQuery, query: str, filters: SearchFilters, sort: str,
                 offset: int, limit: int) -> SearchResults:
    """The paper an arXiv id or URL names, or an empty page that says it is not here (yet)."""
    paper = filters.queryset().filter(arxiv_id=parsed.arxiv_id).first()
    if paper is None:
        message = f"No paper with arXiv id {parsed.arxiv_id} is here yet."
        return SearchResults(query, [], 0, [], message, sort, offset, limit, arxiv_id=parsed.arxiv_id)
    hits = [SearchHit(paper, 1.0, 1, 0)] if offset == 0 else []
    return SearchResults(query, hits, 1, [], "", sort, offset, limit, arxiv_id=parsed.arxiv_id)


def _resort(hits: list[SearchHit], sort: str) -> list[SearchHit]:
    if sort == "date":
        floor = dt.date.min
        return sorted(hits, key=lambda h: (h.paper.listing_date or floor, h.paper.id), reverse=True)
    if sort == "votes":
        return sorted(hits, key=lambda h: (h.paper.upvotes, h.score), reverse=True)
    return hits


@dataclasses.dataclass(frozen=True)
class SearchPlan:
    """A search's normalised arguments and its memo key, from one read of the catalogue's watermark.

    The page and the API look up what they rendered under ``key`` before searching at all, then
    search with the same plan: the watermark is read once per request, and a watermark that moved
    is acted on (``moved``: the vector index re-reads what it stored) by the search that follows.
    """

    query: str
    filters: SearchFilters
    sort: str
    limit: int
    offset: int
    key: tuple | None  # None: the results are not remembered (no memo, or the watermark is settling)
    moved: bool = False

    @property
    def watermark(self) -> str | None:
        """The watermark the results are kept under, as ``watermark()`` says it (None: not kept)."""
        return _watermark_text(self.key[0]) if self.key else None


def plan(*, query: str, filters: SearchFilters | Mapping[str, Any] | None = None, sort: str = "relevance",
         limit: int = 20, offset: int = 0) -> SearchPlan:
    """Normalise a search's arguments and read the memo key that its results are kept under now."""
    query, filters, sort, limit, offset = _normalise(query, filters, sort, limit, offset)
    if not cache_seconds():
        return SearchPlan(query, filters, sort, limit, offset, None)
    key, moved = _key(query, filters, sort, limit, offset)
    return SearchPlan(query, filters, sort, limit, offset, key, moved)


def search(*, query: str = "", filters: SearchFilters | Mapping[str, Any] | None = None, sort: str = "relevance",
           limit: int = 20, offset: int = 0, now: dt.datetime | None = None,
           planned: SearchPlan | None = None) -> SearchResults:
    """Search visible papers; never raises on user input (bad input yields an empty page and a message).

    ``query`` is any string (sanitised here); ``filters`` a SearchFilters or dict of its fields;
    ``sort`` one of "relevance", "date", "votes"; ``now`` is accepted for callers that pin time.
    ``planned`` (from ``plan``) replaces those arguments. The same search is answered from this
    process's memo for up to ``settings.SEARCH_CACHE_SECONDS`` while ``catalogue_generation()``
    stays the same: a paper added, edited or indexed (here or by another process or host) is
    found by the next search. The results' ``cache_key`` is then set, for callers that remember
    what they render from them. The ranking (which papers, in which order) is also kept under that
    key in the shared search cache for ``settings.SEARCH_RANKING_SECONDS``: any worker or host
    then reads only the page's papers, with their votes as they are now.
    """
    p = planned or plan(query=query, filters=filters, sort=sort, limit=limit, offset=offset)
    if not cache_seconds():
        return _search(p.query, p.filters, p.sort, p.limit, p.offset, memo=False)
    results = RESULTS.get(p.key, max_age=cache_seconds()) if p.key else None
    if results is not None:
        return dataclasses.replace(results, hits=list(results.hits), terms=list(results.terms), remembered=True)
    results = _search(p.query, p.filters, p.sort, p.limit, p.offset, memo=True, refresh=p.moved, key=p.key)
    if p.key:
        results.cache_key = p.key
        RESULTS.put(p.key, dataclasses.replace(results, hits=list(results.hits), terms=list(results.terms)),
                    max_age=cache_seconds())
    return results


def cache_seconds() -> float:
    """``settings.SEARCH_CACHE_SECONDS`` (0: nothing is remembered)."""
    return max(0.0, float(settings.SEARCH_CACHE_SECONDS))


def _normalise(query: str, filters: SearchFilters | Mapping[str, Any] | None, sort: str, limit: int,
               offset: int) -> tuple[str, SearchFilters, str, int, int]:
    query = " ".join((query or "").replace("\x00", " ")[:MAX_QUERY_CHARS].split())
    sort = sort if sort in SORTS else "relevance"
    return query, SearchFilters.coerce(filters), sort, max(1, min(int(limit), 200)), max(0, int(offset))


def _key(query: str, filters: SearchFilters, sort: str, limit: int, offset: int) -> tuple[tuple | None, bool]:
    """(the memo key under the current watermark or None while it settles, whether the watermark moved)."""
    generation = catalogue_generation()
    moved = GENERATION.observe(generation)
    # Until the watermark settles an index may not have reloaded yet: results are used, not kept.
    key = (generation, query, filters, sort, limit, offset) if GENERATION.settled() else None
    return key, moved


def catalogue_generation() -> tuple:
    """A cheap watermark of what search reads: the newest paper change, the newest vector, the keyword lag.

    Two index lookups (``max`` of an indexed column each) and the keyword index's lag (0 for the
    indexes the database keeps; a count over the index of ``modified_at`` past tantivy's watermark),
    about a tenth of a millisecond in all, so it is read on every search.
    """
    papers, vectors = Paper._meta.db_table, PaperEmbedding._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT max(modified_at) FROM {papers}), (SELECT max(id) FROM {vectors})")
        modified, vector = cursor.fetchone()
    return (str(modified), vector, get_keyword_index().unindexed())


def watermark() -> str:
    """``catalogue_generation()`` as text: a page rendered under one value stays true while it holds."""
    return _watermark_text(catalogue_generation())


def _watermark_text(generation: tuple) -> str:
    return repr(generation)


def warm_up() -> None:
    """Load what a process's first search would (the query model, the keyword and vector indexes),
    so that no reader waits for it; failures are logged, and the first search tries again."""
    try:
        search(query="warm up")
    except (OperationalError, InterfaceError) as exc:  # the database is down: a line, as for every request then
        log.warning("search: not warmed up, the database did not answer (%s); the first search loads what it needs",
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    except Exception:
        log.warning("search: warming up failed; the first search loads what it needs", exc_info=True)
    forget_results()


def forget_results() -> None:
    """Drop every remembered search result of this process (papers were ingested or changed)."""
    RESULTS.clear()


def _search(query: str, filters: SearchFilters, sort: str, limit: int, offset: int, *, memo: bool,
            refresh: bool = False, key: tuple | None = None) -> SearchResults:
    """One search: its ranking (kept under ``key`` in the shared cache, or computed), then its page of papers."""
    parsed = parse_query(query)
    if parsed.arxiv_id:
        return _by_arxiv_id(parsed, query, filters, sort, offset, limit)
    terms = query_terms(parsed.text)
    if not terms:
        message = "" if not query else "Your query has no searchable words; try plain words."
        if parsed.excluded:
            message = "Add a word to search for: “-word” only leaves papers out."
        if not filters:
            return SearchResults(query, [], 0, [], message or "Type a few words to search.", sort, offset, limit)
        qs = _browse(filters, sort)
        papers = list(qs[offset : offset + limit])
        return SearchResults(query, [SearchHit(p, 0.0) for p in papers], qs.count(), [], message, sort, offset, limit)

    ranking = _kept_ranking(key)
    if ranking is None:
        ranking = _rank(parsed, terms, filters, sort, limit, offset, memo=memo, refresh=refresh)
        _keep_ranking(key, ranking)
    return _page(query, ranking, sort, offset, limit)


@dataclasses.dataclass(frozen=True)
class Ranking:
    """What a search found, without the papers: the page's docs (or the head that a sort re-orders) and the total."""

    terms: tuple[str, ...]
    docs: tuple[tuple[int, float, int, int], ...]  # (paper id, fused score, keyword rank, semantic rank)
    total: int


def _rank(parsed: ParsedQuery, terms: list[str], filters: SearchFilters, sort: str, limit: int, offset: int, *,
          memo: bool, refresh: bool) -> Ranking:
    """Both retrievers, fusion, proximity and the query's operators: the costly part of a search."""
    depth = min(max(CANDIDATES, offset + limit), MAX_CANDIDATES)
    base = filters.queryset()
    where_sql, where_params = base.values("id").query.sql_with_params()
    # Always applied: even without filters, hidden papers must not come back from the vector index.
    allowed = lambda ids: _allowed(ids, filters, base)  # noqa: E731
    embedder, vectors = _semantic_backend(memo, refresh=refresh)
    found = retrieve(
        parsed.text, keyword_index=get_keyword_index(), embedder=embedder, vectors=vectors,
        depth=depth, where_sql=where_sql, where_params=tuple(where_params), allowed=allowed,
        # Without filters only hidden papers are dropped, a handful: the nearest ``depth`` and a
        # fifth more suffice, and the index and the visibility check read a quarter as much.
        overfetch=5 if filters else 1.2,
    )
    fused = _apply_operators(rank(found, parsed.ranked, texts=_texts), parsed)
    # A sort other than relevance re-orders the head by the papers' dates or votes, read when the page is made.
    kept = fused[:depth] if sort != "relevance" else fused[offset : offset + limit]
    docs = tuple((int(f.doc), float(f.score), int(f.keyword_rank), int(f.semantic_rank)) for f in kept)
    return Ranking(tuple(terms), docs, len(fused))


def _page(query: str, ranking: Ranking, sort: str, offset: int, limit: int) -> SearchResults:
    """The page of results a ranking gives, with the papers as they are now (their votes included)."""
    papers = Paper.objects.in_bulk([doc for doc, *_ in ranking.docs])
    hits = [SearchHit(papers[doc], score, kw, sem) for doc, score, kw, sem in ranking.docs if doc in papers]
    if sort != "relevance":
        hits = _resort(hits, sort)[offset : offset + limit]
    message = "" if ranking.total else "No papers match your search."
    return SearchResults(query, hits, ranking.total, list(ranking.terms), message, sort, offset, limit)


def ranking_seconds() -> float:
    """``settings.SEARCH_RANKING_SECONDS`` (0: rankings are not kept beyond the results' memo)."""
    return max(0.0, float(settings.SEARCH_RANKING_SECONDS))


def _kept_ranking(key: tuple | None) -> Ranking | None:
    if not key or not ranking_seconds():
        return None
    ranking = shared_get(shared_key("ranking", key))
    return ranking if isinstance(ranking, Ranking) else None  # anything else: another version's entry


def _keep_ranking(key: tuple | None, ranking: Ranking) -> None:
    if key and ranking_seconds():
        shared_set(shared_key("ranking", key), ranking, ranking_seconds())


def similar_papers(paper: Paper, *, limit: int = 6) -> list[Paper]:
    """Nearest visible neighbours of ``paper``'s stored embedding (empty when it has none yet)."""
    embedder_name = get_embedder().name
    row = PaperEmbedding.objects.filter(paper=paper, model=embedder_name).first()
    if row is None:
        return []
    live = get_live_index(embedder_name)
    ids, _scores = live.search(row.as_array(), limit + 10)
    wanted = [int(i) for i in ids if int(i) != paper.id]
    found = Paper.objects.filter(id__in=wanted, hidden=False).in_bulk()
    return [found[i] for i in wanted if i in found][:limit]


_bundled_checked: set[str] = set()


def _load_bundled_once(model: str) -> None:
    if model not in _bundled_checked:
        load_precomputed(model)
        _bundled_checked.add(model)


def embed_pending(*, limit: int | None = None, batch_size: int = 64,
                  progress: Callable[[int], None] | None = None) -> int:
    """Embed papers that have no stored embedding under the current model; return how many.

    Commits per batch, so an interrupted run loses at most one batch and the next run resumes.
    """
    embedder = get_embedder()
    _load_bundled_once(embedder.name)
    done = 0
    while limit is None or done < limit:
        size = batch_size if limit is None else min(batch_size, limit - done)
        batch = list(
            Paper.objects.exclude(embeddings__model=embedder.name)
            .order_by("id")
            .values_list("id", "title", "abstract")[:size]
        )
        if not batch:
            break
        vectors = embedder.embed([document_text(t, a) for _, t, a in batch], batch_size=batch_size)
        with transaction.atomic():
            PaperEmbedding.objects.bulk_create(
                [PaperEmbedding(paper_id=pid, model=embedder.name, dim=int(v.shape[0]), vector=PaperEmbedding.pack(v))
                 for (pid, _t, _a), v in zip(batch, vectors)],
                ignore_conflicts=True,
            )
        done += len(batch)
        if progress:
            progress(len(batch))
    return done


def sync_vector_graph(*, start: bool = True) -> dict[str, int | str]:
    """Save this host's vector graph when due (``vectorgraph.sync_graph``); ``{}`` when the live index keeps none."""
    name = get_embedder().name
    if not isinstance(get_live_index(name), GraphVectorIndex):
        return {}
    return sync_graph(name, start=start)


def sync_keyword_index() -> dict[str, int | str]:
    """Bring the keyword index up to date with the catalogue; return what was done.

    ``{}`` when the index needs no upkeep (FTS5 and PostgreSQL follow the catalogue by triggers);
    ``{"skipped": why}`` when it could not run now (another process holds the writer).
    """
    return get_keyword_index().sync()
