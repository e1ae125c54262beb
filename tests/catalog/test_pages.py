"""Catalogue pages through the Django test client: daily, week, month, paper and author pages."""

from __future__ import annotations

import datetime as dt

import pytest

from paperfeed.catalog import services
from tests.factories import add_authors, make_code_link, make_paper

pytestmark = pytest.mark.django_db

D = dt.date


def _titles(resp) -> list[str]:
    return [p.title for p in resp.context["listing"].papers]


def test_home_shows_latest_day_ordered_by_votes_then_recency(client):
    make_paper(title="Old day", listing_date=D(2026, 6, 12))
    make_paper(
        title="Few votes", listing_date=D(2026, 6, 15), imported_upvotes=1,
        submitted_at=dt.datetime(2026, 6, 14, tzinfo=dt.UTC),
    )
    make_paper(title="Many votes", listing_date=D(2026, 6, 15), imported_upvotes=3, vote_count=4)
    make_paper(
        title="Newer, no votes", listing_date=D(2026, 6, 15),
        submitted_at=dt.datetime(2026, 6, 14, 18, tzinfo=dt.UTC),
    )
    make_paper(
        title="Older, no votes", listing_date=D(2026, 6, 15),
        submitted_at=dt.datetime(2026, 6, 13, tzinfo=dt.UTC),
    )
    resp = client.get("/")
    assert resp.status_code == 200
    assert _titles(resp) == ["Many votes", "Few votes", "Newer, no votes", "Older, no votes"]
    assert resp.context["listing"].previous.slug == "2026-06-12"
    assert resp.context["listing"].next is None
    html = resp.content.decode()
    assert 'href="/date/2026-06-12"' in html
    assert 'href="/feeds/daily.rss"' in html and 'href="/feeds/daily.atom"' in html


def test_hidden_papers_never_listed(client):
    make_paper(title="Visible", listing_date=D(2026, 6, 15))
    make_paper(title="Hidden", listing_date=D(2026, 6, 16), hidden=True)
    resp = client.get("/")
    assert _titles(resp) == ["Visible"]
    assert client.get("/date/2026-06-16").context["listing"].papers == []


def test_empty_catalogue_home_explains_how_to_load_data(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert b"demo_setup" in resp.content


def test_day_page_navigation_skips_empty_days(client):
    for day in (D(2026, 6, 10), D(2026, 6, 15), D(2026, 6, 22)):
        make_paper(listing_date=day)
    resp = client.get("/date/2026-06-15")
    listing = resp.context["listing"]
    assert (listing.previous.slug, listing.next.slug) == ("2026-06-10", "2026-06-22")
    # A day without papers still navigates to its neighbours.
    empty = client.get("/date/2026-06-18")
    assert empty.status_code == 200
    assert empty.context["listing"].previous.slug == "2026-06-15"
    assert empty.context["listing"].next.slug == "2026-06-22"
    assert b"No papers were listed" in empty.content


def test_week_and_month_views(client):
    make_paper(title="Mon", listing_date=D(2026, 6, 15))  # ISO week 25 starts Monday 15 June
    make_paper(title="Sun", listing_date=D(2026, 6, 21), imported_upvotes=2)
    make_paper(title="Next week", listing_date=D(2026, 6, 22))
    make_paper(title="May", listing_date=D(2026, 5, 30))
    week = client.get("/week/2026-W25")
    assert week.status_code == 200
    assert _titles(week) == ["Sun", "Mon"]
    assert week.context["listing"].previous.slug == "2026-W22"
    assert week.context["listing"].next.slug == "2026-W26"
    month = client.get("/month/2026-06")
    assert sorted(_titles(month)) == ["Mon", "Next week", "Sun"]
    assert month.context["listing"].previous.slug == "2026-05"
    assert month.context["listing"].next is None
    assert 'aria-current="page">Month' in month.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/date/2026-13-01", "/date/2026-02-30", "/date/20260615", "/date/yesterday",
        "/week/2026-W54", "/week/2025-W53", "/week/2026-25", "/month/2026-00", "/month/2026-6",
        "/date/9999-12-31", "/date/0001-01-01", "/week/9999-W52", "/week/0001-W01", "/month/9999-12",
        "/papers/9999.99999", "/authors/nobody-at-all", "/?page=0", "/?page=abc", "/?page=2",
    ],
)
def test_bad_urls_are_404(client, url):
    make_paper(listing_date=D(2026, 6, 15))
    assert client.get(url).status_code == 404


def test_pagination_of_a_big_day(client):
    for n in range(services.PAGE_SIZE + 3):
        make_paper(listing_date=D(2026, 6, 15), imported_upvotes=n)
    first = client.get("/date/2026-06-15")
    second = client.get("/date/2026-06-15?page=2")
    assert len(first.context["listing"].papers) == services.PAGE_SIZE
    assert len(second.context["listing"].papers) == 3
    assert first.context["listing"].pages == 2
    assert b'href="?page=2"' in first.content
    assert client.get("/date/2026-06-15?page=3").status_code == 404


def test_list_item_has_author_links_categories_code_badge_and_votes(client):
    paper = make_paper(categories=["cs.CV", "cs.LG"], imported_upvotes=7, vote_count=2)
    add_authors(paper, ["Grace Hopper", "Alan Turing"])
    make_code_link(paper, "https://github.com/acme/model", stars=1234)
    html = client.get("/").content.decode()
    assert '<a href="/authors/grace-hopper">Grace Hopper</a>' in html
    assert '<a href="/authors/alan-turing">Alan Turing</a>' in html
    assert "cs.CV" in html and "cs.LG" in html
    assert 'href="https://github.com/acme/model"' in html and "★ 1234" in html
    assert 'data-upvotes="9"' in html


def test_author_names_without_authorship_rows_render_as_text(client):
    make_paper(authors=["Unlinked Person"])
    html = client.get("/").content.decode()
    assert "<span>Unlinked Person</span>" in html


def test_long_author_lists_are_truncated_in_lists_but_not_on_paper_page(client):
    names = [f"Person {i}" for i in range(20)]
    paper = make_paper(authors=names)
    add_authors(paper)
    listing = client.get("/").content.decode()
    assert "Person 11" in listing and "Person 12" not in listing and "+8 more" in listing
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Person 19" in page


def test_paper_page_shows_everything(client):
    paper = make_paper(
        arxiv_id="2606.01234", version=2, title="Scaling $x^2$ laws",
        abstract="We study $\\alpha$ & friends.", comment="10 pages, code at github",
        journal_ref="J. Testing 1 (2026)", doi="10.1000/xyz123", license="http://creativecommons.org/licenses/by/4.0/",
        imported_upvotes=5, imported_source="hf",
        updated_at=dt.datetime(2026, 6, 20, tzinfo=dt.UTC),
    )
    add_authors(paper, ["Ada Lovelace", "Charles Babbage"])
    make_code_link(paper, "https://github.com/acme/scaling", stars=42)
    make_code_link(paper, "https://acme.example/scaling", kind="project", source="comment")
    paper.versions.create(version=1, created_at=dt.datetime(2026, 6, 14, tzinfo=dt.UTC))
    paper.versions.create(version=2, created_at=dt.datetime(2026, 6, 20, tzinfo=dt.UTC))
    resp = client.get("/papers/2606.01234")
    assert resp.status_code == 200
    html = resp.content.decode()
    for expected in [
        "Scaling $x^2$ laws", "We study $\\alpha$ &amp; friends.", "https://arxiv.org/abs/2606.01234",
        "https://arxiv.org/pdf/2606.01234", 'href="https://github.com/acme/scaling"', "★ 42",
        'href="https://acme.example/scaling"', "10 pages, code at github", "J. Testing 1 (2026)",
        "https://doi.org/10.1000/xyz123", "creativecommons.org", "v1", "v2", "June 15, 2026",
        '<a href="/authors/ada-lovelace">Ada Lovelace</a>', "cs.LG", "arXiv:2606.01234v2",
        'data-upvotes="5"', "5 imported from hf",
    ]:
        assert expected in html, expected


def test_old_style_and_versioned_ids(client):
    make_paper(arxiv_id="hep-th/9901001", title="Old style")
    assert client.get("/papers/hep-th/9901001").status_code == 200
    resp = client.get("/papers/hep-th/9901001v3")
    assert resp.status_code == 301 and resp["Location"] == "/papers/hep-th/9901001"


def test_hidden_paper_is_404(client):
    paper = make_paper(hidden=True)
    assert client.get(paper.get_absolute_url()).status_code == 404


def test_author_page_lists_newest_first_and_paginates(client):
    older = make_paper(title="Older work", listing_date=D(2026, 5, 1))
    newer = make_paper(title="Newer work", listing_date=D(2026, 6, 1))
    other = make_paper(title="Someone else")
    add_authors(older, ["Emmy Noether"])
    add_authors(newer, ["Hermann Weyl", "Emmy Noether"])
    add_authors(other, ["Hermann Weyl"])
    resp = client.get("/authors/emmy-noether")
    assert resp.status_code == 200
    assert [p.title for p in resp.context["result"].papers] == ["Newer work", "Older work"]
    assert b"Emmy Noether" in resp.content and b"2 papers" in resp.content
    assert client.get("/authors/emmy-noether?page=2").status_code == 404


@pytest.mark.parametrize(
    "field", ["title", "abstract", "comment", "journal_ref"],
)
def test_nothing_from_data_injects_markup(client, field):
    evil = 'Evil <script>alert(1)</script> <img src=x onerror=alert(2)> & "quotes" </p></details>'
    paper = make_paper(**{field: evil}, authors=["<b>Bold</b> Author"], categories=["<i>cs.XX</i>"])
    for url in ("/", paper.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "<b>Bold</b>" not in html and "<i>cs.XX</i>" not in html
        if field in ("title", "abstract") or url != "/":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert "&amp;" in html


def test_code_links_with_other_schemes_are_not_links(client):
    paper = make_paper(license="javascript:alert(1)")
    make_code_link(paper, "javascript:alert(1)")
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'href="javascript:' not in html


def test_base_layout_nav_and_forms(client, django_user_model):
    make_paper()
    html = client.get("/").content.decode()
    for expected in ['href="/trending"', 'action="/search"', 'href="/submit"', 'href="/accounts/login/"',
                     'href="/accounts/signup/"', "katex.min.js", "auto-render.min.js", "css/site.css"]:
        assert expected in html, expected
    assert "cdn" not in html.lower()
    user = django_user_model.objects.create_user("reader", "reader@example.org", "pw-unguessable-123")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in html and "csrfmiddlewaretoken" in html
    assert 'href="/accounts/profile/"' in html
