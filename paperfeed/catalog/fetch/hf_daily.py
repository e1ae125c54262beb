"""One conditional request for one day of Hugging Face's daily papers; reading the entries is ``sources.hf_daily``.

``GET {HF_SYNC_URL}?date=YYYY-MM-DD&limit=100&p=0`` with ``If-None-Match`` / ``If-Modified-Since``
from the last answer for that day: a 304 means nothing moved (no body, nothing to ingest). A full
page is followed by ``p=1``, ``p=2``… (unconditionally) until a short or empty page: Hugging Face
answers 50 papers without ``limit``, and busy days have more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from paperfeed.catalog.fetch.http import FetchError, PoliteClient

MAX_BODY_BYTES = 50_000_000
PAGE_LIMIT = 100
MAX_PAGES = 20


@dataclasses.dataclass
class DayAnswer:
    """What Hugging Face answered for one day: its entries (None when not modified) and validators."""

    day: dt.date
    entries: list | None
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        """True for a 304: the day is as it was at the last request."""
        return self.entries is None


def get_day(
    client: PoliteClient, url: str, day: dt.date, *, etag: str = "", last_modified: str = "", limit: int = PAGE_LIMIT
) -> DayAnswer:
    """GET one day's list, every page of it; a 404 is an empty day.

    Raises FetchError on other failures or a body that is not a list. The validators are page 0's.
    """
    first = _get_page(client, url, day, 0, limit, etag=etag, last_modified=last_modified)
    if first.entries is None or len(first.entries) < limit:
        return first
    entries = list(first.entries)
    for page in range(1, MAX_PAGES):
        more = _get_page(client, url, day, page, limit).entries or []
        entries.extend(more)
        if len(more) < limit:
            break
    return DayAnswer(day, entries, first.etag, first.last_modified)


def _get_page(
    client: PoliteClient, url: str, day: dt.date, page: int, limit: int, *, etag: str = "", last_modified: str = ""
) -> DayAnswer:
    headers = {"Accept": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    response = client.get(url, params={"date": day.isoformat(), "limit": limit, "p": page}, headers=headers)
    validators = {"etag": response.headers.get("ETag", etag), "last_modified": response.headers.get("Last-Modified", last_modified)}
    if response.status_code == 304:
        return DayAnswer(day, None, **validators)
    if response.status_code == 404:
        return DayAnswer(day, [], **validators)
    if response.status_code != 200:
        raise FetchError(f"{url}?date={day}: HTTP {response.status_code}", status=response.status_code, url=url)
    if len(response.content) > MAX_BODY_BYTES:
        raise FetchError(f"{url}?date={day}: body over {MAX_BODY_BYTES:,} bytes", status=200, url=url)
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise FetchError(f"{url}?date={day}: not JSON ({exc})", status=200, url=url) from None
    if isinstance(body, dict) and isinstance(body.get("data"), list):  # the rare {"status", "date", "data"} wrapper
        body = body["data"]
    if not isinstance(body, list):
        raise FetchError(f"{url}?date={day}: expected a JSON list, got {type(body).__name__}", status=200, url=url)
    return DayAnswer(day, body, **validators)
