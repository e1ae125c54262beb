"""Every response carries its request id; the access line has method, path, status and duration."""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_each_response_has_its_own_request_id_or_the_proxys(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 16 and first != second
    given = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-3f2a9c1d0b")
    assert given["X-Request-ID"] == "nginx-3f2a9c1d0b"
    odd = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")  # not an id: replaced
    assert odd["X-Request-ID"] != "<script>"


def test_access_line_when_on(client, settings, caplog):
    settings.ACCESS_LOG = True
    with caplog.at_level(logging.INFO, logger="paperfeed.access"):
        response = client.get("/healthz?x=1")
    (record,) = [r for r in caplog.records if r.name == "paperfeed.access"]
    assert (record.method, record.path, record.status) == ("GET", "/healthz", response.status_code)
    assert record.duration_ms >= 0 and record.request_id == response["X-Request-ID"]


def test_no_access_line_when_off(client, settings, caplog):
    settings.ACCESS_LOG = False
    with caplog.at_level(logging.INFO, logger="paperfeed.access"):
        client.get("/healthz")
    assert not [r for r in caplog.records if r.name == "paperfeed.access"]
