"""GET /api/papers/search: Hugging Face's hit shape, typed by SearchHitOut, and 400s as {"error": ...}."""

from __future__ import annotations

import datetime as dt

import pytest

from paperfeed.search.services import embed_pending
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers():
    made = [
        make_paper(arxiv_id="2606.00201", title="Attention is all you need", abstract="Attention for sequences.",
                   authors=["Ada Lovelace", "Alan Turing"], imported_upvotes=4,
                   submitted_at=dt.datetime(2026, 6, 12, 17, 59, 1, tzinfo=dt.UTC)),
        make_paper(arxiv_id="2606.00202", title="Attention, undated", abstract="Attention without a date.",
                   submitted_at=None),
    ]
    embed_pending()
    return made


def _hits(client, **params) -> dict[str, dict]:
    resp = client.get("/api/papers/search", params)
    assert resp.status_code == 200, resp.content
    return {hit["paper"]["id"]: hit for hit in resp.json()}


def test_hit_has_hugging_face_shape(client, papers):
    hit = _hits(client, q="attention")["2606.00201"]
    assert set(hit) == {"paper", "title", "publishedAt", "score"}
    assert hit["paper"] == {
        "id": "2606.00201",
        "title": "Attention is all you need",
        "summary": "Attention for sequences.",
        "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
        "publishedAt": "2026-06-12T17:59:01.000Z",
        "upvotes": 4,
        "categories": ["cs.LG", "cs.AI"],
    }
    # At the top, publishedAt is when it went onto the daily list (HF's meaning): here its listing day.
    assert hit["title"] == "Attention is all you need" and hit["publishedAt"] == "2026-06-15T00:00:00.000Z"
    assert isinstance(hit["score"], float)


def test_unknown_submission_time_is_null_not_missing(client, papers):
    hit = _hits(client, q="attention")["2606.00202"]
    assert hit["paper"]["publishedAt"] is None


@pytest.mark.parametrize(
    "params",
    [{"q": "x" * 251}, {"q": "x", "limit": "0"}, {"q": "x", "limit": "121"}, {"q": "x", "limit": "ten"},
     {"q": "x", "offset": "-1"}, {"q": "x", "sort": "nope"}],
)
def test_bad_parameters_are_400_with_only_an_error(client, params):
    resp = client.get("/api/papers/search", params)
    assert resp.status_code == 400
    body = resp.json()
    assert set(body) == {"error"} and body["error"]
