"""Parsing search parameters (page and API) into plain values with clear error messages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from .services import SORTS, SearchFilters

PAGE_SIZE = 20
MAX_PAGE = 50
# The search box's limit (the API's too: Hugging Face's 250). The box carries it as maxlength;
# a longer query from a link is cut here with a message, and gunicorn's request line (8190 bytes,
# `paperfeed serve`) fits the longest query even fully percent-encoded, so it never meets a bare 414.
MAX_QUERY_LENGTH = 250


@dataclasses.dataclass
class SearchParams:
    """Validated search parameters; ``errors`` lists what was wrong (the rest still applies)."""

    query: str = ""
    filters: SearchFilters = dataclasses.field(default_factory=SearchFilters)
    sort: str = "relevance"
    page: int = 1
    errors: list[str] = dataclasses.field(default_factory=list)


def _date(value: str, name: str, errors: list[str]) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        errors.append(f"Ignored {name}: {value[:20]!r} is not a date like 2026-06-15.")
        return None


def parse_params(data: Mapping[str, str]) -> SearchParams:
    """Read q, category, from, to, code, sort and page from a query dict, tolerating garbage."""
    errors: list[str] = []
    query = (data.get("q") or "").replace("\x00", " ")
    if len(query) > MAX_QUERY_LENGTH:
        errors.append(f"Your query has {len(query):,} characters; searches use at most {MAX_QUERY_LENGTH}, "
                      "so only its beginning was searched. Shorten it to the words that matter.")
        query = query[:MAX_QUERY_LENGTH]
    category = (data.get("category") or "").strip()[:64]
    if category and not all(c.isalnum() or c in ".-_" for c in category):
        errors.append("Ignored category: use a name like cs.LG.")
        category = ""
    date_from = _date(data.get("from", ""), "from", errors)
    date_to = _date(data.get("to", ""), "to", errors)
    has_code = (data.get("code") or "").lower() in {"1", "on", "true", "yes"}
    sort = data.get("sort") or "relevance"
    if sort not in SORTS:
        errors.append(f"Ignored sort: choose one of {', '.join(SORTS)}.")
        sort = "relevance"
    try:
        page = min(max(int(data.get("page") or 1), 1), MAX_PAGE)
    except ValueError:
        page = 1
    filters = SearchFilters(category=category, date_from=date_from, date_to=date_to, has_code=has_code)
    return SearchParams(query, filters, sort, page, errors)
