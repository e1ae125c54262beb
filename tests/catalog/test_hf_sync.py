"""The live Hugging Face sync against a local replay server of ../shared/data/hf_daily_papers (579 recorded days)."""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import hashlib
import http.server
import json
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Max

from paperfeed.catalog.hf_sync import STATE_KEY, days_to_sync, sync_hf_daily
from paperfeed.catalog.models import CodeLink, HarvestState, Paper

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(2024, 5, 27), dt.date(2026, 8, 21)


def _recorded_days(folder) -> dict[str, tuple[bytes, str]]:
    """date -> (the recorded response body, its Last-Modified as an HTTP date)."""
    days = {}
    for path in sorted(folder.glob("daily_papers_2*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                day = json.loads(line)
                when = dt.datetime.fromisoformat(day["snapshot_committed_at"])
                days[day["date"]] = (json.dumps(day["papers"]).encode(), email.utils.format_datetime(when, usegmt=False))
    return days


class _Replay(http.server.BaseHTTPRequestHandler):
    days: dict[str, tuple[bytes, str]] = {}
    seen: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        query = parse_qs(urlsplit(self.path).query)
        day = (query.get("date") or [""])[0]
        body, modified = self.days.get(day, (b"[]", "Mon, 01 Jan 2024 00:00:00 GMT"))
        page, limit = int((query.get("p") or ["0"])[0]), int((query.get("limit") or ["50"])[0])
        if page or limit < 100:  # HF's paging (the recorded days hold at most 50)
            body = json.dumps(json.loads(body)[page * limit : (page + 1) * limit]).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        self.seen.append({"date": day, "agent": self.headers.get("User-Agent", ""),
                          "if_none_match": self.headers.get("If-None-Match", "")})
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def replay(shared_data, settings):
    """A local HTTP server answering /api/daily_papers?date= with the recorded responses; yields its request log."""
    folder = shared_data / "hf_daily_papers"
    if not folder.is_dir():
        pytest.skip(f"no recorded HF daily papers at {folder}")
    _Replay.days, _Replay.seen = _recorded_days(folder), []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.HF_SYNC_URL = f"http://127.0.0.1:{server.server_port}/api/daily_papers"
    settings.HF_SYNC_START = FIRST.isoformat()
    settings.HF_REQUEST_INTERVAL = 0
    settings.HF_SYNC_REFRESH_DAYS = 2
    try:
        yield _Replay
    finally:
        server.shutdown()
        server.server_close()


def test_days_to_sync():
    today = dt.date(2026, 6, 15)
    assert days_to_sync(watermark=None, today=today, start=None, initial_days=2, refresh_days=1) == [
        dt.date(2026, 6, 13), dt.date(2026, 6, 14), today]
    assert days_to_sync(watermark=today, today=today, start=None, initial_days=2, refresh_days=2) == [
        dt.date(2026, 6, 14), today]
    assert days_to_sync(watermark=dt.date(2026, 6, 10), today=today, start=None, initial_days=2, refresh_days=0)[0] == dt.date(2026, 6, 11)


def test_replays_every_recorded_day_and_a_second_run_changes_nothing(replay, capsys):
    assert len(replay.days) == 579
    first = sync_hf_daily(today=LAST)
    with capsys.disabled():
        print(f"\nHF sync, first run: {json.dumps({k: v for k, v in first.items() if k != 'errors'})}")
    assert first["days"] == (LAST - FIRST).days + 1 and first["not_modified"] == 0
    assert first["days"] - first["empty_days"] >= 570  # a few recorded days are empty lists
    assert first["new"] == Paper.objects.count() > 9_000 and first["skipped"] == 0, first["errors"]
    assert all("paperfeed/" in r["agent"] for r in replay.seen)
    picks = Paper.objects.filter(picked_at__isnull=False)
    assert picks.count() == first["new"]  # every paper from an HF daily list is a pick
    assert picks.exclude(picked_by_name="").count() > 8_000  # submitters kept where the data has them
    assert Paper.objects.filter(imported_source="hf", imported_upvotes__gt=0).count() > 8_000
    assert CodeLink.objects.filter(kind="github", source="hf").count() > 3_000
    assert HarvestState.objects.get(key=STATE_KEY).watermark == LAST

    # The same state again: only the refresh window is asked for, conditionally, and nothing moves.
    replay.seen.clear()
    second = sync_hf_daily(today=LAST)
    assert [r["date"] for r in replay.seen] == ["2026-08-20", "2026-08-21"]
    assert all(r["if_none_match"] for r in replay.seen)
    assert second["not_modified"] == 2 and second["new"] == second["updated"] == 0

    # Everything again from scratch: every day read in full, and still nothing changes.
    stamp = Paper.objects.aggregate(m=Max("modified_at"))["m"]
    HarvestState.objects.filter(key=STATE_KEY).delete()
    third = sync_hf_daily(today=LAST)
    with capsys.disabled():
        print(f"HF sync, full re-run: {json.dumps({k: v for k, v in third.items() if k != 'errors'})}")
    assert third["new"] == third["updated"] == 0 and third["unchanged"] == first["new"] + first["updated"] + first["unchanged"]
    assert Paper.objects.aggregate(m=Max("modified_at"))["m"] == stamp


def test_a_stopped_run_resumes_at_the_watermark(replay):
    stop = threading.Event()
    calls = []

    def stop_after_three(_line: str) -> None:
        calls.append(_line)
        if len(calls) == 3:
            stop.set()

    sync_hf_daily(today=dt.date(2024, 6, 2), stop=stop, progress=stop_after_three)
    assert HarvestState.objects.get(key=STATE_KEY).watermark == dt.date(2024, 5, 29)
    replay.seen.clear()
    sync_hf_daily(today=dt.date(2024, 6, 2))
    # The refresh window (two days before the watermark's next day) and then the rest.
    assert [r["date"] for r in replay.seen][:2] == ["2024-05-28", "2024-05-29"]
    assert [r["date"] for r in replay.seen][-1] == "2024-06-02"
