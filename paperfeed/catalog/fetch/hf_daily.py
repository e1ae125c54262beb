"""One conditional request for one day of Hugging Face's daily papers; reading the entries is ``sources.hf_daily``.

``GET {HF_SYNC_URL}?date=YYYY-MM-DD`` with ``If-None-Match`` / ``If-Modified-Since`` from the
last answer for that day: a 304 means nothing moved (no body, nothing to ingest).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from paperfeed.catalog.fetch.http import FetchError, PoliteClient

MAX_BODY_BYTES = 50_000_000


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


def get_day(client: PoliteClient, url: str, day: dt.date, *, etag: str = "", last_modified: str = "") -> DayAnswer:
    """GET one day's list; a 404 is an empty day. Raises FetchError on other failures or a body that is not a list."""
    headers = {"Accept": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    response = client.get(url, params={"date": day.isoformat()}, headers=headers)
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
