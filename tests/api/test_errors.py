"""Everything under /api/ answers JSON: unknown routes, wrong methods, bad parameters, bugs; the schema is typed."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from paperfeed.api.api import server_error

pytestmark = pytest.mark.django_db


def _json_error(response, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)["error"]


@pytest.mark.parametrize("path", ["/api/papers/a%0Ab", "/api/nope", "/api/papers/", "/api/%00", "/api/daily_papers/x"])
@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_unknown_routes_are_json_404s(client, method, path):
    assert "No such API endpoint" in _json_error(getattr(client, method)(path), 404)


@pytest.mark.parametrize("method, path, allowed", [
    ("post", "/api/daily_papers", "GET"),
    ("delete", "/api/papers/search", "GET"),
    ("put", "/api/papers/2406.07550/vote", "DELETE, POST"),
    ("get", "/api/collections", "POST"),
])
def test_wrong_methods_are_json_405s_with_allow(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert f"Method {method.upper()} is not allowed" in _json_error(response, 405)
    assert set(response["Allow"].split(", ")) == set(allowed.split(", "))


def test_a_bug_is_a_json_500_without_details(caplog):
    request = RequestFactory().get("/api/daily_papers")
    response = server_error(request, RuntimeError("secret detail"))
    assert _json_error(response, 500) == "Internal error; it has been logged."
    assert b"secret detail" not in response.content and "secret detail" in caplog.text


@pytest.mark.parametrize("params", [{"limit": "x"}, {"offset": "1.5"}, {"limit": "1e3"}, {"from": "2026-13-01"},
                                    {"category": "cs LG"}, {"code": "maybe"}])
def test_search_parameters_outside_their_types_are_400(client, params):
    assert "Invalid parameters" in _json_error(client.get("/api/papers/search", {"q": "x", **params}), 400)


def test_search_parameters_are_typed_and_bounded_in_the_schema(client):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/papers/search"]["get"]
    schemas = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert schemas["limit"] == {**schemas["limit"], "type": "integer", "minimum": 1, "maximum": 120}
    assert schemas["offset"] == {**schemas["offset"], "type": "integer", "minimum": 0, "maximum": 10000}
    assert schemas["q"]["maxLength"] == 250
    assert schemas["sort"]["enum"] == ["relevance", "date", "votes"]
    assert schemas["from"]["anyOf"][0]["format"] == "date"


def test_a_body_over_the_upload_limit_is_a_json_413(client, settings):
    from tests.factories import make_token

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/api/collections", data={"title": "x" * 2000}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {make_token()[1]}")
    assert "too large" in _json_error(response, 413)
