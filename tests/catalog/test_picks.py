"""Community picks: the Picks and All views of the daily, week and month pages, and "picked by"."""

from __future__ import annotations

import datetime as dt

import pytest

from paperfeed.catalog.ingest_files import DEMO_DATA
from paperfeed.catalog.merge import merge
from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.detect import read_records
from paperfeed.catalog.sources.hf_daily import record_from_hf_entry
from paperfeed.community.submissions import submit_paper
from paperfeed.jobs.worker import default_jobs
from tests.factories import make_paper, make_user

D = dt.date(2026, 6, 15)
AT = dt.datetime(2026, 6, 15, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def day_with_picks(db):
    ada = make_user(username="ada")
    make_paper(arxiv_id="2606.00011", title="HF pick <b>x</b>", listing_date=D, imported_upvotes=3,
               picked_at=AT, picked_by_name="akhaliq")
    make_paper(arxiv_id="2606.00012", title="Member pick", listing_date=D, imported_upvotes=9,
               picked_at=AT + dt.timedelta(hours=1), picked_by=ada)
    make_paper(arxiv_id="2606.00013", title="Only listed", listing_date=D, imported_upvotes=20)
    # Listed earlier by arXiv, picked on D: a pick of D, listed on the day before.
    make_paper(arxiv_id="2606.00014", title="Picked later", listing_date=D - dt.timedelta(days=1),
               picked_at=AT, picked_by_name="someone")


def _titles(resp) -> list[str]:
    assert resp.status_code == 200
    return [p.title for p in resp.context["listing"].papers]


def test_views_of_a_day(client, day_with_picks):
    assert _titles(client.get("/date/2026-06-15/all")) == ["Only listed", "Member pick", "HF pick <b>x</b>"]
    assert _titles(client.get("/date/2026-06-15/picks")) == ["Member pick", "HF pick <b>x</b>", "Picked later"]
    html = client.get("/date/2026-06-15/picks").content.decode()
    assert 'aria-current="page" title="Papers members' in html
    assert 'Picked by <a class="picker" href="https://huggingface.co/akhaliq"' in html
    assert 'Picked by <span class="picker">ada</span>' in html
    assert "HF pick &lt;b&gt;x&lt;/b&gt;" in html


def test_default_view_is_the_setting(client, day_with_picks, settings):
    assert _titles(client.get("/date/2026-06-15"))[0] == "Only listed"
    settings.DAILY_DEFAULT_VIEW = "picks"
    assert _titles(client.get("/date/2026-06-15"))[0] == "Member pick"
    html = client.get("/date/2026-06-15").content.decode()
    assert 'href="/date/2026-06-15/all"' in html and 'href="/week/2026-W25"' in html  # links keep the view


def test_week_and_month_views_and_a_bad_view(client, day_with_picks):
    assert len(_titles(client.get("/week/2026-W25/picks"))) == 3
    assert len(_titles(client.get("/month/2026-06/all"))) == 4
    assert client.get("/date/2026-06-15/mine").status_code == 404


def test_paper_page_says_who_picked_it(client, day_with_picks):
    html = client.get("/papers/2606.00011").content.decode()
    assert "Picked by" in html and 'href="/date/2026-06-15/picks"' in html


def test_api_submitter_and_picks_view(client, day_with_picks):
    def ids(**params):
        resp = client.get("/api/daily_papers", params)
        assert resp.status_code == 200, resp.content
        return [item["paper"]["id"] for item in resp.json()]

    assert ids(submitter="akhaliq") == ["2606.00011"]
    assert ids(submitter="ADA", date="2026-06-15") == ["2606.00012"]
    assert ids(date="2026-06-15", view="picks") == ["2606.00012", "2606.00011", "2606.00014"]
    item = client.get("/api/daily_papers", {"submitter": "ada"}).json()[0]
    assert item["submittedOnDailyBy"] == item["paper"]["submittedOnDailyBy"] == {
        "name": "ada", "user": "ada", "fullname": "ada", "type": "user", "isPro": False}
    assert item["publishedAt"] == item["submittedOnDailyAt"] == "2026-06-15T09:30:00.000Z"
    assert client.get("/api/daily_papers", {"submitter": "x" * 151}).status_code == 400


def test_a_listed_submission_makes_a_pick_once(db):
    now = dt.datetime(2026, 6, 16, 10, tzinfo=dt.UTC)
    paper = make_paper(arxiv_id="2606.00021", listing_date=D, submitted_at=AT)
    user = make_user(username="bob")
    submit_paper(user=user, text="2606.00021", now=now)
    paper.refresh_from_db()
    assert paper.picked_by == user and paper.picked_at == now and paper.listing_date == now.date()
    already = make_paper(arxiv_id="2606.00022", listing_date=D, submitted_at=AT, picked_at=AT, picked_by_name="hf-user")
    submit_paper(user=user, text="2606.00022", now=now)
    already.refresh_from_db()
    assert already.picked_by is None and already.picked_by_name == "hf-user" and already.picked_at == AT


@pytest.mark.parametrize(
    ("entry", "name", "at"),
    [
        # 2024: the submitter only at the top (``submittedBy.name``), no submittedOnDailyAt.
        ({"paper": {"id": "2405.15738", "title": "T", "summary": "S", "authors": []},
          "publishedAt": "2024-05-26T21:00:00.000Z", "submittedBy": {"name": "akhaliq", "fullname": "AK"}},
         "akhaliq", dt.datetime(2024, 5, 27, tzinfo=dt.UTC)),
        # 2025: submittedOnDailyBy with ``user`` only.
        ({"paper": {"id": "2503.00001", "title": "T", "summary": "S", "authors": [],
                    "submittedOnDailyAt": "2024-05-27T06:01:02.000Z", "submittedOnDailyBy": {"user": "taesiri"}},
          "submittedBy": {"name": "other"}},
         "taesiri", dt.datetime(2024, 5, 27, 6, 1, 2, tzinfo=dt.UTC)),
        # No submitter at all; an odd name is dropped.
        ({"paper": {"id": "2405.00002", "title": "T", "summary": "S", "authors": []},
          "submittedBy": {"name": "<script>"}}, "", dt.datetime(2024, 5, 27, tzinfo=dt.UTC)),
    ],
)
def test_hf_entries_are_picks_across_the_schema_drift(entry, name, at):
    record = record_from_hf_entry(entry, day=dt.date(2024, 5, 27))
    assert record.picked_by_name == name and record.picked_at == at


def test_merge_keeps_the_earliest_pick_and_never_a_members():
    early, late = AT, AT + dt.timedelta(days=1)
    state = merge(None, PaperRecord(arxiv_id="2606.1", title="T", picked_at=late, picked_by_name="late"))
    state = merge(state, PaperRecord(arxiv_id="2606.1", title="T", picked_at=early, picked_by_name=""))
    assert (state.picked_at, state.picked_by_name) == (early, "late")
    state = merge(state, PaperRecord(arxiv_id="2606.1", title="T", picked_at=early, picked_by_name="first"))
    assert state.picked_by_name == "late"  # a known name stays
    state.picked_by_id = 7
    member = merge(state, PaperRecord(arxiv_id="2606.1", title="T", picked_at=early - dt.timedelta(days=9)))
    assert member.picked_at == early


def test_the_demo_data_has_picks_with_submitters():
    picks = [r for r in read_records(DEMO_DATA) if isinstance(r, PaperRecord) and r.picked_at]
    assert len(picks) >= 200 and all(r.picked_by_name for r in picks)
    assert len({r.picked_at.date() for r in picks}) >= 10  # every demo day has a Picks view


def test_home_in_picks_opens_on_the_latest_pick_day(client, day_with_picks, settings):
    make_paper(arxiv_id="2606.00019", title="Listed later, nobody picked it", listing_date=D + dt.timedelta(days=2))
    assert _titles(client.get("/")) == ["Listed later, nobody picked it"]
    settings.DAILY_DEFAULT_VIEW = "picks"
    assert _titles(client.get("/")) == ["Member pick", "HF pick <b>x</b>", "Picked later"]
    resp = client.get("/api/daily_papers", {"view": "picks"})
    assert [item["paper"]["id"] for item in resp.json()] == ["2606.00012", "2606.00011", "2606.00014"]


def test_the_hf_sync_job_is_registered_and_off_by_default():
    job = {j.name: j for j in default_jobs()}["hf_sync"]
    assert job.enabled() is False and job.interval() == dt.timedelta(hours=6)


def test_previous_and_next_follow_the_view(client, day_with_picks):
    make_paper(arxiv_id="2606.00041", title="Listed before", listing_date=D - dt.timedelta(days=3))
    make_paper(arxiv_id="2606.00042", title="Picked before", listing_date=D - dt.timedelta(days=9),
               picked_at=AT - dt.timedelta(days=5), picked_by_name="x")
    assert client.get("/date/2026-06-15/all").context["listing"].previous.slug == "2026-06-14"
    picks = client.get("/date/2026-06-15/picks")
    assert picks.context["listing"].previous.slug == "2026-06-10" and picks.context["listing"].next is None
    assert 'href="/date/2026-06-10/picks"' in picks.content.decode()
