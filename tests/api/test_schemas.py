"""One Schema per API object: the OpenAPI document names them, and every timestamp has one format."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from paperfeed.api.schemas import timestamp
from paperfeed.search.services import embed_pending
from tests.factories import add_authors, make_code_link, make_paper, make_user, make_vote

# Hugging Face's format: ISO 8601, UTC, milliseconds, Z.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
LOOKS_LIKE_A_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Every endpoint, the status it is asked for, and the schema its 200 (and error) response names.
TYPED_RESPONSES = [
    ("/api/daily_papers", "200", "DailyPaperOut", True),
    ("/api/daily_papers", "400", "ErrorOut", False),
    ("/api/papers/{arxiv_id}", "200", "PaperOut", False),
    ("/api/papers/{arxiv_id}", "404", "ErrorOut", False),
    ("/api/papers/search", "200", "SearchHitOut", True),
    ("/api/papers/search", "400", "ErrorOut", False),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 6, 10, 13, 37, tzinfo=dt.UTC), "2024-06-10T13:37:00.000Z"),
        (dt.datetime(2024, 6, 10, 13, 37, 5, 987_654, tzinfo=dt.UTC), "2024-06-10T13:37:05.987Z"),
        (dt.datetime(2024, 6, 10, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), "2024-06-09T23:00:00.000Z"),
        (dt.datetime(2024, 6, 10, 13, 37), "2024-06-10T13:37:00.000Z"),
        (dt.date(2026, 6, 15), "2026-06-15T00:00:00.000Z"),
        (dt.date(5, 1, 2), "0005-01-02T00:00:00.000Z"),
        (dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC), "9999-12-31T23:59:59.999Z"),
    ],
)
def test_timestamp_format(value, expected):
    assert timestamp(value) == expected
    assert TIMESTAMP.fullmatch(expected)


def _response_schema(operation: dict, status: str) -> dict:
    return operation["responses"][status]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(("path", "status", "name", "is_list"), TYPED_RESPONSES)
def test_openapi_names_each_typed_response(client, path, status, name, is_list):
    schema = client.get("/api/openapi.json").json()
    body = _response_schema(schema["paths"][path]["get"], status)
    if is_list:
        assert body["type"] == "array"
        body = body["items"]
    assert body["$ref"] == f"#/components/schemas/{name}"
    assert schema["components"]["schemas"][name]["type"] == "object"


def test_openapi_documents_timestamps_and_nested_objects(client):
    components = client.get("/api/openapi.json").json()["components"]["schemas"]
    published = components["PaperOut"]["properties"]["publishedAt"]["anyOf"][0]
    assert published["type"] == "string" and published["format"] == "date-time"
    assert TIMESTAMP.fullmatch(published["examples"][0])
    assert components["PaperOut"]["properties"]["authors"]["items"]["$ref"].endswith("/AuthorOut")
    assert components["DailyPaperOut"]["properties"]["paper"]["$ref"].endswith("/PaperOut")
    assert components["SearchHitOut"]["properties"]["paper"]["$ref"].endswith("/SearchPaperOut")
    assert components["SearchPaperOut"]["properties"]["authors"]["items"]["$ref"].endswith("/AuthorNameOut")


def _strings(body, key: str = "") -> list[tuple[str, str | None]]:
    """Every (key, string) in a JSON body, plus (key, None) for null values of keys ending in "At"."""
    if isinstance(body, dict):
        return [pair for k, v in body.items() for pair in _strings(v, k)]
    if isinstance(body, list):
        return [pair for v in body for pair in _strings(v, key)]
    if isinstance(body, str) or (body is None and key.endswith("At")):
        return [(key, body)]
    return []


@pytest.fixture
def catalogue():
    """Papers with and without submission times, one with upvotes (so trending lists it), all embedded."""
    voted = make_paper(arxiv_id="2606.00101", title="Attention with timestamps", listing_date=dt.date(2026, 6, 15),
                       imported_upvotes=5,
                       submitted_at=dt.datetime(2026, 6, 12, 17, 59, 1, 234_567, tzinfo=dt.UTC))
    add_authors(voted)
    make_code_link(voted, "https://github.com/acme/voted", stars=3)
    make_vote(user=make_user(), paper=voted)
    make_paper(arxiv_id="2606.00102", title="Attention without a submission time", submitted_at=None,
               listing_date=dt.date(2026, 6, 15))
    make_paper(arxiv_id="2606.00103", title="Attention in another zone", listing_date=dt.date(2026, 6, 14),
               submitted_at=dt.datetime(2026, 6, 13, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=5))))
    embed_pending()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/daily_papers",
        "/api/daily_papers?date=2026-06-15",
        "/api/daily_papers?month=2026-06&sort=publishedAt",
        "/api/daily_papers?sort=trending",
        "/api/daily_papers?sort=trending&month=2026-06",
        "/api/papers/2606.00101",
        "/api/papers/2606.00102",
        "/api/papers/2606.00103",
        "/api/papers/search?q=attention",
        "/api/papers/search?q=attention&sort=date",
    ],
)
def test_every_timestamp_in_every_response_has_one_format(client, catalogue, url):
    resp = client.get(url)
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body
    found = _strings(body)
    stamps = [(key, value) for key, value in found if key.endswith("At") and value is not None]
    assert stamps, found
    for key, value in found:
        if (key.endswith("At") and value is not None) or (value and LOOKS_LIKE_A_DATE.match(value)):
            assert TIMESTAMP.fullmatch(value), (url, key, value)
