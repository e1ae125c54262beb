"""For you on a real database: cold start, reasons, negative feedback, read state, notes, saved searches, private feed."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest
from django.utils import timezone

from paperfeed.personal import services
from paperfeed.personal.models import SavedSearch
from tests.factories import make_paper, make_user, make_vote

pytestmark = pytest.mark.django_db
TODAY = timezone.now().date()


@pytest.fixture
def catalogue():
    day = TODAY - dt.timedelta(days=1)
    return {
        "nlp": make_paper(title="Instruction tuning for language models", abstract="We tune language models on instructions.",
                          categories=["cs.CL"], listing_date=day, authors=["Ada Lovelace"], vote_count=5),
        "nlp2": make_paper(title="Preference optimisation of language models", abstract="Language models learn preferences.",
                           categories=["cs.CL"], listing_date=day, authors=["Alan Turing"]),
        "vision": make_paper(title="Video diffusion transformers", abstract="Diffusion for video generation.",
                             categories=["cs.CV"], listing_date=day, authors=["Grace Hopper"], vote_count=9),
        "robots": make_paper(title="Robot grasping from pixels", abstract="Grasping objects with a robot arm.",
                             categories=["cs.RO"], listing_date=day, authors=["Grace Hopper"], vote_count=7),
        "old": make_paper(title="An old language model paper", abstract="Language models, long ago.",
                          categories=["cs.CL"], listing_date=day - dt.timedelta(days=60)),
    }


def titles(response) -> list[str]:
    return [p.title for p in response.context["papers"]]


def test_anonymous_is_sent_to_log_in_and_sees_no_personal_controls(client, catalogue):
    assert client.get("/for-you").status_code == 302
    page = client.get("/").content.decode()
    assert "For you" in page and "pf-item-actions" not in page and "Private note" not in page


def test_cold_start_then_feed_with_reasons(client, catalogue):
    user = make_user()
    client.force_login(user)
    assert client.get("/for-you")["Location"] == "/for-you/interests"
    assert client.get("/for-you/interests").status_code == 200
    r = client.post("/for-you/interests", {"categories": ["cs.CL", "cs.RO"], "topics": "", "arxiv_ids": "nonsense"})
    assert r.status_code == 302
    page = client.get("/for-you")
    assert set(titles(page)[:3]) == {catalogue["nlp"].title, catalogue["nlp2"].title, catalogue["robots"].title}
    assert "in cs.CL, which you chose" in page.content.decode()
    assert f'href="{catalogue["nlp"].get_absolute_url()}"' in page.content.decode()  # items are decorated like lists
    assert catalogue["old"].title not in titles(page)  # outside the recent window


def test_pasted_arxiv_ids_and_votes_explain_close_papers(client, catalogue):
    user = make_user()
    client.force_login(user)
    client.post("/for-you/interests", {"arxiv_ids": f"https://arxiv.org/abs/{catalogue['old'].arxiv_id}v2"})
    page = client.get("/for-you")
    assert titles(page)[0] in {catalogue["nlp"].title, catalogue["nlp2"].title}
    assert "close to An old language model paper, which you picked" in page.content.decode()
    make_vote(user=user, paper=catalogue["vision"])
    services.reset_caches()
    page = client.get("/for-you").content.decode()
    assert "close to" in page


def test_drop_a_reason_and_restore_it(client, catalogue):
    user = make_user()
    client.force_login(user)
    client.post("/for-you/interests", {"categories": ["cs.RO"]})
    assert titles(client.get("/for-you"))[0] == catalogue["robots"].title
    client.post("/for-you/drop", {"key": "category:cs.RO"})
    page = client.get("/for-you")
    assert "in cs.RO, which you chose" not in page.content.decode()
    assert titles(page)[0] == catalogue["vision"].title  # back to the vote order
    client.post("/for-you/drop", {"key": "category:cs.RO", "restore": "1"})
    assert titles(client.get("/for-you"))[0] == catalogue["robots"].title


def test_not_interested_in_an_author_a_paper_and_a_topic(client, catalogue):
    user = make_user()
    client.force_login(user)
    client.post("/for-you/interests", {"categories": ["cs.CV", "cs.RO", "cs.CL"]})
    assert catalogue["vision"].title in titles(client.get("/for-you"))
    client.post("/for-you/not-interested", {"kind": "author", "value": "Grace Hopper"})
    shown = titles(client.get("/for-you"))
    assert catalogue["vision"].title not in shown and catalogue["robots"].title not in shown
    client.post("/for-you/not-interested", {"kind": "paper", "value": str(catalogue["nlp"].pk)})
    client.post("/for-you/not-interested", {"kind": "topic", "value": "preference optimisation"})
    assert titles(client.get("/for-you")) == []
    r = client.post("/for-you/not-interested", {"kind": "bogus", "value": "x"}, follow=True)
    assert r.status_code == 200 and "Nothing changed" in r.content.decode()


def test_mark_read_and_hide_seen_on_every_list(client, catalogue):
    user = make_user()
    client.force_login(user)
    client.post("/for-you/interests", {"categories": ["cs.CL"]})
    client.post("/for-you/read", {"paper": catalogue["nlp"].arxiv_id})
    assert catalogue["nlp"].title in titles(client.get("/for-you"))
    assert "pf-seen-hidden" not in client.get("/").content.decode()
    client.post("/for-you/hide-seen", {"hide": "1"})
    assert catalogue["nlp"].title not in titles(client.get("/for-you"))
    assert client.get("/").content.decode().count("pf-seen-hidden") == 1  # hidden by CSS on list pages
    client.post("/for-you/read", {"paper": catalogue["nlp"].arxiv_id, "unread": "1"})
    assert catalogue["nlp"].title in titles(client.get("/for-you"))


def test_private_notes_are_private(client, catalogue):
    owner, other = make_user(), make_user()
    paper = catalogue["nlp"]
    client.force_login(owner)
    client.post(f"/for-you/notes/{paper.arxiv_id}", {"text": "read section 3 <script>x</script>"})
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "read section 3 &lt;script&gt;" in page
    client.force_login(other)
    assert "read section 3" not in client.get(paper.get_absolute_url()).content.decode()
    client.force_login(owner)
    client.post(f"/for-you/notes/{paper.arxiv_id}", {"text": "  "})
    assert services.note_for(owner, paper) is None


def test_saved_search_new_matches_and_its_feed(client, catalogue):
    user = make_user()
    client.force_login(user)
    assert "Save this search" in client.get("/search", {"q": "quantum"}).content.decode()
    r = client.post("/for-you/searches", {"q": "quantum", "category": "cs.ET", "name": "qc"})
    assert r.status_code == 302
    saved = SavedSearch.objects.get(user=user)
    assert saved.params == {"q": "quantum", "category": "cs.ET"}
    SavedSearch.objects.filter(pk=saved.pk).update(created_at=timezone.now() - dt.timedelta(minutes=1))
    new = make_paper(title="Quantum annealing chips", abstract="A quantum device.", categories=["cs.ET"],
                     listing_date=TODAY - dt.timedelta(days=1))
    make_paper(title="Quantum annealing in physics", categories=["quant-ph"], listing_date=TODAY - dt.timedelta(days=1))
    page = client.get("/for-you")
    assert titles(page)[0] == new.title
    assert "matches your saved search &#x27;qc&#x27;" in page.content.decode()
    token = services.new_feed_token(user)
    feed = feedparser.parse(client.get(f"/feeds/me/{token}/searches/{saved.pk}.rss").content)
    assert not feed.bozo and [e.title for e in feed.entries] == [new.title]
    empty = client.post("/for-you/searches", {"q": "", "name": "nothing"}, follow=True)
    assert "Type a query" in empty.content.decode()


def test_private_feed_validates_and_revoking_gives_404(client, catalogue):
    user = make_user()
    client.force_login(user)
    client.post("/for-you/interests", {"categories": ["cs.RO"]})
    page = client.post("/for-you/feed-url")
    token = page.context["token"]
    assert token in page.content.decode()
    client.logout()
    for suffix in (".rss", ".atom"):
        response = client.get(f"/feeds/me/{token}{suffix}")
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.entries[0].title == catalogue["robots"].title
        assert "in cs.RO, which you chose" in feed.entries[0].summary
    assert client.get("/feeds/me/not-a-token.rss").status_code == 404
    client.force_login(user)
    client.post("/for-you/feed-url", {"revoke": "1"})
    assert client.get(f"/feeds/me/{token}.rss").status_code == 404
    new = client.post("/for-you/feed-url").context["token"]
    assert new != token and client.get(f"/feeds/me/{new}.rss").status_code == 200


def test_reasons_escape_titles_and_bad_input_is_a_message(client, catalogue):
    user = make_user()
    client.force_login(user)
    liked = make_paper(title="<script>alert(1)</script> language models", abstract="Language models tuned on instructions.",
                       listing_date=TODAY - dt.timedelta(days=90))
    make_vote(user=user, paper=liked)
    page = client.get("/for-you").content.decode()
    assert "close to &lt;script&gt;alert(1)&lt;/script&gt; language models" in page and "<script>alert(1)" not in page
    r = client.post("/for-you/not-interested", {"kind": "paper", "value": "x"}, follow=True)
    assert "Nothing changed: no such paper." in r.content.decode()
    assert client.post("/for-you/read", {"paper": "0000.00000"}).status_code == 404
    assert client.get("/for-you/interests").status_code == 200


def test_interests_form_keeps_topics_one_a_line(client, catalogue):
    user = make_user()
    client.force_login(user)
    client.post("/for-you/interests", {"topics": "video diffusion\nrobot arms\n\n", "other_categories": "math., cs.GR"})
    profile = services.profile_of(user)
    assert profile.topics == ["video diffusion", "robot arms"] and profile.categories == ["math.", "cs.GR"]
    assert "video diffusion\nrobot arms</textarea>" in client.get("/for-you/interests").content.decode()
