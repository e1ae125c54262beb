"""The write API: every path answers 401 without a token, 403 to a read token, 404, 400 and 429 as documented."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from paperfeed.api.params import ARXIV_ID_PATTERN
from paperfeed.community.arxiv_ids import normalise_arxiv_id
from paperfeed.community.models import Collection, Submission, Vote
from tests.factories import make_collection, make_comment, make_paper, make_token, make_user, make_verified_user

pytestmark = pytest.mark.django_db
PAPER = "2611.00001"


def _clear_caches() -> None:
    for cache in caches.all(initialized_only=False):
        cache.clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in a cache: each test starts from zero."""
    _clear_caches()
    yield
    _clear_caches()


@pytest.fixture
def writer():
    """A confirmed account (it may comment) with a write token; returns ``(user, secret)``."""
    user = make_verified_user(days_old=30)
    return user, make_token(user=user, scope="write")[1]


@pytest.fixture
def paper():
    return make_paper(arxiv_id=PAPER, imported_upvotes=3, submitted_at=timezone.now() - dt.timedelta(days=1))


def _call(client, method: str, path: str, body=None, secret: str | None = None, raw: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    data = raw if raw is not None else body
    return getattr(client, method)(path, data=data, content_type="application/json", **headers)


def _endpoints(collection_id: int, comment_id: int) -> list[tuple[str, str, dict | None, str]]:
    """Every write operation: (method, path on the known paper, a good body, the same path on an unknown paper)."""
    return [
        ("post", f"/api/papers/{PAPER}/vote", None, "/api/papers/2611.99999/vote"),
        ("delete", f"/api/papers/{PAPER}/vote", None, "/api/papers/2611.99999/vote"),
        ("post", f"/api/papers/{PAPER}/comment", {"comment": "Nice."}, "/api/papers/2611.99999/comment"),
        ("post", f"/api/papers/{PAPER}/comment/{comment_id}/reply", {"comment": "Agreed."},
         f"/api/papers/2611.99999/comment/{comment_id}/reply"),
        ("post", f"/api/collections/{collection_id}/items", {"item": {"id": PAPER, "type": "paper"}},
         "/api/collections/999999/items"),
        ("delete", f"/api/collections/{collection_id}/items/{PAPER}", None,
         f"/api/collections/{collection_id}/items/2611.99999"),
        ("post", "/api/collections", {"title": "Reading list"}, ""),
        ("post", "/api/submissions", {"id": PAPER}, ""),
    ]


@pytest.fixture
def endpoints(writer, paper):
    user, _ = writer
    collection = make_collection(owner=user)
    first = make_comment(paper=paper, body="First")
    return _endpoints(collection.pk, first.pk)


def test_every_write_needs_a_token(client, endpoints):
    for method, path, body, _ in endpoints:
        for secret in (None, "pf_wrong", "not-a-token"):
            response = _call(client, method, path, body, secret)
            assert response.status_code == 401, (method, path, secret, response.content)
            assert response["Content-Type"].startswith("application/json") and "token" in response.json()["error"]


def test_every_write_refuses_a_read_token(client, endpoints, writer):
    read_secret = make_token(user=writer[0], scope="read")[1]
    for method, path, body, _ in endpoints:
        response = _call(client, method, path, body, read_secret)
        assert response.status_code == 403, (method, path, response.content)
        assert "write token" in response.json()["error"]


def test_every_write_on_an_unknown_paper_or_collection_is_404(client, endpoints, writer):
    for method, _, body, unknown in endpoints:
        if unknown:
            response = _call(client, method, unknown, body, writer[1])
            assert response.status_code == 404, (method, unknown, response.content)
            assert response.json()["error"]


def test_a_reply_to_an_unknown_comment_is_404(client, writer, paper):
    response = _call(client, "post", f"/api/papers/{PAPER}/comment/12345/reply", {"comment": "Hi"}, writer[1])
    assert response.status_code == 404 and "No comment" in response.json()["error"]


def test_someone_elses_private_collection_is_404(client, writer, paper):
    other = make_collection(owner=make_user())
    response = _call(client, "post", f"/api/collections/{other.pk}/items", {"item": {"id": PAPER}}, writer[1])
    assert response.status_code == 404
    assert _call(client, "get", f"/api/collections/{other.pk}", None, writer[1]).status_code == 404


def test_bad_bodies_are_400_with_a_message(client, endpoints, writer):
    for method, path, body, _ in endpoints:
        if body is None:
            continue
        for bad in ("{not json", "[]", '{"comment": 5, "item": 3, "title": [], "id": null}'):
            response = _call(client, method, path, raw=bad, secret=writer[1])
            assert response.status_code == 400, (method, path, bad, response.content)
            assert response.json()["error"]


@pytest.mark.parametrize("path, body, message", [
    (f"/api/papers/{PAPER}/comment", {"comment": "   "}, "empty"),
    ("/api/submissions", {"id": "not an id"}, "id: is not in the expected form"),
    ("/api/collections", {"title": ""}, "Invalid parameters"),
    ("/api/collections/1/items", {"item": {"id": PAPER, "type": "model"}}, "Invalid parameters"),
])
def test_bodies_the_services_refuse_are_400(client, writer, paper, path, body, message):
    response = _call(client, "post", path, body, writer[1])
    assert response.status_code == 400 and message in response.json()["error"]


def test_ids_too_large_for_the_database_are_400_not_500(client, writer):
    response = _call(client, "post", f"/api/collections/{2**70}/items", {"item": {"id": PAPER}}, writer[1])
    assert response.status_code == 400


def test_every_write_is_rate_limited_per_token(client, endpoints, writer, settings):
    settings.RATELIMIT_API_TOKEN = "2/d"  # a day-long window: no boundary falls between the calls
    for method, path, body, _ in endpoints:
        _clear_caches()
        _call(client, method, path, body, writer[1])
        _call(client, method, path, body, writer[1])
        response = _call(client, method, path, body, writer[1])
        assert response.status_code == 429, (method, path, response.content)
        assert int(response["Retry-After"]) >= 1 and "Too many" in response.json()["error"]
    # Another token of the same account has its own budget.
    other = make_token(user=writer[0])[1]
    assert _call(client, "post", f"/api/papers/{PAPER}/vote", None, other).status_code == 200


def test_vote_and_unvote_are_idempotent(client, writer, paper):
    user, secret = writer
    for _ in range(2):
        response = _call(client, "post", f"/api/papers/{PAPER}v2/vote", None, secret)
        assert response.status_code == 200
        assert response.json() == {"id": PAPER, "voted": True, "upvotes": 4}
    assert Vote.objects.filter(user=user, paper=paper).count() == 1
    for _ in range(2):
        response = _call(client, "delete", f"/api/papers/{PAPER}/vote", None, secret)
        assert response.json() == {"id": PAPER, "voted": False, "upvotes": 3}
    assert not Vote.objects.filter(user=user).exists()


def test_comment_and_reply(client, writer, paper):
    user, secret = writer
    response = _call(client, "post", f"/api/papers/{PAPER}/comment", {"comment": "Is **this** new?"}, secret)
    assert response.status_code == 201, response.content
    top = response.json()
    assert top["author"] == user.username and top["parentId"] is None and "<strong>this</strong>" in top["bodyHtml"]
    response = _call(client, "post", f"/api/papers/{PAPER}/comment/{top['id']}/reply", {"comment": "Yes."}, secret)
    assert response.status_code == 201 and response.json()["parentId"] == top["id"]
    paper.refresh_from_db()
    assert paper.comment_count == 2


def test_unconfirmed_account_cannot_comment(client, paper):
    secret = make_token(user=make_user())[1]
    response = _call(client, "post", f"/api/papers/{PAPER}/comment", {"comment": "Hi"}, secret)
    assert response.status_code == 400 and "Confirm your email" in response.json()["error"]


def test_collections_create_add_remove(client, writer, paper):
    user, secret = writer
    response = _call(client, "post", "/api/collections", {"title": "To read", "private": False}, secret)
    assert response.status_code == 201
    created = response.json()
    assert created["title"] == "To read" and created["private"] is False and created["papers"] == []
    assert Collection.objects.get(pk=created["id"]).owner == user
    items = f"/api/collections/{created['id']}/items"
    assert _call(client, "post", items, {"item": {"id": PAPER, "type": "paper"}}, secret).json()["papers"] == [PAPER]
    assert _call(client, "post", items, {"item": {"id": PAPER}}, secret).status_code == 409
    assert _call(client, "get", f"/api/collections/{created['id']}", None, secret).json()["papers"] == [PAPER]
    assert _call(client, "delete", f"{items}/{PAPER}", None, secret).json()["papers"] == []
    assert _call(client, "delete", f"{items}/{PAPER}", None, secret).status_code == 404


def test_submit_a_paper(client, writer, paper):
    response = _call(client, "post", "/api/submissions", {"id": f"https://arxiv.org/abs/{PAPER}v1"}, writer[1])
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "listed" and response.json()["arxivId"] == PAPER
    assert Submission.objects.get().user == writer[0]
    queued = _call(client, "post", "/api/submissions", {"id": "2611.55555"}, writer[1]).json()
    assert queued["status"] == "queued"


def test_whoami_with_either_scope(client, writer):
    user, secret = writer
    assert _call(client, "get", "/api/whoami", None, secret).json() == {
        "name": user.username, "email": user.email, "scope": "write"}
    read_secret = make_token(user=user, scope="read")[1]
    assert _call(client, "get", "/api/whoami", None, read_secret).json()["scope"] == "read"
    assert _call(client, "get", "/api/whoami").status_code == 401


def test_revoked_token_is_401(client, writer, paper):
    from paperfeed.accounts.tokens import revoke_token, user_tokens

    user, secret = writer
    revoke_token(user=user, token_id=user_tokens(user=user)[0].pk)
    assert _call(client, "post", f"/api/papers/{PAPER}/vote", None, secret).status_code == 401


def test_openapi_documents_auth_and_every_status(client):
    schema = client.get("/api/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["WriteToken"]["scheme"] == "bearer" and schemes["ReadToken"]["scheme"] == "bearer"
    vote = schema["paths"]["/api/papers/{arxiv_id}/vote"]["post"]
    assert vote["security"] == [{"WriteToken": []}]
    assert {"200", "400", "401", "403", "404", "429"} <= set(vote["responses"])


@given(text=st.from_regex(ARXIV_ID_PATTERN, fullmatch=True))
@hypothesis_settings(max_examples=300, deadline=None)
def test_every_id_the_submission_schema_allows_is_read_as_an_arxiv_id(text):
    """The schema's pattern is no looser than the server: schema-valid submissions are never 400 (nor 500)."""
    arxiv_id = normalise_arxiv_id(text)
    assert arxiv_id is not None and len(arxiv_id) <= Submission._meta.get_field("arxiv_id").max_length
