"""GET /api/daily_papers?sort=personal: the token owner's For-you ranking, with reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from paperfeed.personal import services
from tests.factories import make_paper, make_token

pytestmark = pytest.mark.django_db


def test_sort_personal_needs_a_token_and_ranks_for_its_owner(client):
    day = timezone.now().date() - dt.timedelta(days=1)
    make_paper(title="Video diffusion", categories=["cs.CV"], listing_date=day, imported_upvotes=9)
    robots = make_paper(title="Robot grasping", categories=["cs.RO"], listing_date=day)
    assert client.get("/api/daily_papers", {"sort": "personal"}).status_code == 401
    token, secret = make_token(scope="read")
    services.set_interests(token.user, categories=["cs.RO"], topics=[], arxiv_text="")
    r = client.get("/api/daily_papers", {"sort": "personal"}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert r.status_code == 200
    body = r.json()
    assert body[0]["paper"]["id"] == robots.arxiv_id
    assert body[0]["trendingReason"] == "in cs.RO, which you chose"
    assert len(body) == 2
