"""GET /api/daily_papers and /api/papers/{id}: Hugging Face's shapes, pagination, sorting, 400s."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import add_authors, make_code_link, make_paper

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def day_of_papers():
    """Three papers on 2026-06-15 (votes 9, 5, 0), one the day before, one the week after."""
    top = make_paper(
        arxiv_id="2606.00001", title="Top $E=mc^2$", abstract="Summary <b>one</b> & more.",
        imported_upvotes=7, vote_count=2, listing_date=D(2026, 6, 15),
        submitted_at=dt.datetime(2026, 6, 12, 17, 59, 1, tzinfo=dt.UTC), comment="5 pages",
    )
    add_authors(top, ["Ada Lovelace", "Charles Babbage"])
    make_code_link(top, "https://github.com/acme/top", stars=321)
    make_code_link(top, "https://acme.example/top", kind="project", source="hf")
    make_paper(arxiv_id="2606.00002", title="Middle", imported_upvotes=5, listing_date=D(2026, 6, 15),
               submitted_at=dt.datetime(2026, 6, 11, tzinfo=dt.UTC))
    make_paper(arxiv_id="2606.00003", title="Newest, no votes", listing_date=D(2026, 6, 15),
               submitted_at=dt.datetime(2026, 6, 14, tzinfo=dt.UTC))
    make_paper(arxiv_id="2606.00004", title="Day before", listing_date=D(2026, 6, 14))
    make_paper(arxiv_id="2606.00005", title="Week after", listing_date=D(2026, 6, 23))
    return top


def _ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.content
    return [item["paper"]["id"] for item in resp.json()]


def test_daily_papers_item_has_hugging_face_shape(client, day_of_papers):
    resp = client.get("/api/daily_papers", {"date": "2026-06-15", "limit": 5})
    assert resp["Content-Type"].startswith("application/json")
    item = resp.json()[0]
    paper = item["paper"]
    assert paper["id"] == "2606.00001"
    assert paper["title"] == item["title"] == "Top $E=mc^2$"
    assert paper["summary"] == item["summary"] == "Summary <b>one</b> & more."
    assert paper["authors"] == [{"name": "Ada Lovelace", "hidden": False}, {"name": "Charles Babbage", "hidden": False}]
    # Inside paper: the first arXiv version; at the top: when it went onto the daily list (HF's meaning).
    assert paper["publishedAt"] == "2026-06-12T17:59:01.000Z"
    assert paper["submittedOnDailyAt"] == item["publishedAt"] == item["submittedOnDailyAt"] == "2026-06-15T00:00:00.000Z"
    assert paper["upvotes"] == 9
    assert paper["githubRepo"] == "https://github.com/acme/top" and paper["githubStars"] == 321
    assert paper["projectPage"] == "https://acme.example/top"
    assert paper["categories"] == ["cs.LG", "cs.AI"]
    assert item["numComments"] == 0
    # Keys without a value are left out, as Hugging Face does.
    others = resp.json()[1]["paper"]
    assert "githubRepo" not in others and "projectPage" not in others and "comment" not in others


def test_default_is_latest_day_by_votes(client, day_of_papers):
    assert _ids(client.get("/api/daily_papers")) == ["2606.00005"]
    assert _ids(client.get("/api/daily_papers?date=2026-06-15")) == ["2606.00001", "2606.00002", "2606.00003"]


def test_sort_published_at_is_newest_first(client, day_of_papers):
    resp = client.get("/api/daily_papers?date=2026-06-15&sort=publishedAt")
    assert _ids(resp) == ["2606.00003", "2606.00001", "2606.00002"]


def test_week_and_month(client, day_of_papers):
    assert _ids(client.get("/api/daily_papers?week=2026-W25")) == ["2606.00001", "2606.00002", "2606.00003"]
    assert set(_ids(client.get("/api/daily_papers?month=2026-06"))) == {f"2606.0000{i}" for i in range(1, 6)}
    assert _ids(client.get("/api/daily_papers?week=2026-W10")) == []


def test_pagination(client, day_of_papers):
    pages = [_ids(client.get(f"/api/daily_papers?date=2026-06-15&limit=2&p={p}")) for p in range(3)]
    assert pages == [["2606.00001", "2606.00002"], ["2606.00003"], []]


def test_trending_sort_uses_the_community_ranking(client, day_of_papers):
    resp = client.get("/api/daily_papers?sort=trending&limit=10")
    assert resp.status_code == 200
    for item in resp.json():
        assert {"paper", "title", "summary", "publishedAt"} <= item.keys()
        assert isinstance(item.get("trendingScore", 0.0), float)
    resp = client.get("/api/daily_papers?sort=trending&month=2026-06")
    assert resp.status_code == 200


def test_hidden_papers_are_not_served(client):
    make_paper(arxiv_id="2606.00009", hidden=True)
    assert _ids(client.get("/api/daily_papers?date=2026-06-15")) == []
    assert client.get("/api/papers/2606.00009").status_code == 404


def test_empty_catalogue_gives_empty_list(client):
    assert client.get("/api/daily_papers").json() == []


@pytest.mark.parametrize(
    "query",
    [
        "date=2026-13-01", "date=2026-02-30", "date=9999-12-31&sort=trending", "date=0001-01-01",
        "week=9999-W52", "month=9999-12&sort=trending", "date=2026-06-15%0A", "date=%D9%A2%D9%A0%D9%A2%D9%A6-06-15", "date=yesterday", "date=20260615",
        "week=2026-W54", "week=2026-24", "month=2026-13", "month=June",
        "limit=0", "limit=101", "limit=-1", "limit=abc", "limit=1.5",
        "p=-1", "p=abc", "p=99999999999999999999",
        "sort=votes", "sort=", "sort=trending%00",
        "date=2026-06-15&week=2026-W25", "week=2026-W25&month=2026-06", "date=2026-06-15&month=2026-06",
    ],
)
def test_bad_parameters_are_400_with_json_error(client, day_of_papers, query):
    resp = client.get(f"/api/daily_papers?{query}")
    assert resp.status_code == 400, (query, resp.status_code, resp.content)
    body = resp.json()
    assert isinstance(body["error"], str) and body["error"]


def test_paper_endpoint(client, day_of_papers):
    resp = client.get("/api/papers/2606.00001")
    assert resp.status_code == 200
    body = resp.json()
    assert body["id"] == "2606.00001" and body["upvotes"] == 9 and body["comment"] == "5 pages"
    assert body["authors"][0]["name"] == "Ada Lovelace"
    assert client.get("/api/papers/2606.00001v3").json()["id"] == "2606.00001"


def test_paper_endpoint_old_style_id(client):
    make_paper(arxiv_id="hep-th/9901001", title="Old")
    assert client.get("/api/papers/hep-th/9901001").json()["title"] == "Old"


def test_unknown_paper_is_404_json(client):
    resp = client.get("/api/papers/2601.99999")
    assert resp.status_code == 404
    assert "error" in resp.json()


def test_openapi_schema_and_offline_docs(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/daily_papers" in schema["paths"] and "/api/papers/{arxiv_id}" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/api/docs/assets/swagger-ui-bundle.js" in html
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset["Content-Type"].startswith(("text/javascript", "application/javascript"))
    assert client.get("/api/docs/assets/..%2Fapi.py").status_code == 404
    assert client.get("/api/docs/assets/redoc.standalone.js.map").status_code == 404


_param_text = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"-?[0-9]{1,6}", fullmatch=True),
    st.from_regex(r"[0-9]{4}-(W?[0-9]{2})(-[0-9]{2})?", fullmatch=True),
    st.sampled_from(["publishedAt", "trending", "", "0", "100", "101", "2026-06-15", "2026-W25", "2026-06"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(["date", "week", "month", "p", "limit", "sort"]), _param_text, max_size=4))
def test_any_parameters_give_200_or_400_json(client, day_of_papers, params):
    resp = client.get("/api/daily_papers", params)
    assert resp.status_code in (200, 400), (params, resp.status_code)
    body = resp.json()
    assert isinstance(body, list) if resp.status_code == 200 else isinstance(body["error"], str)
