"""A paper as Markdown: /papers/{id}.md and Accept: text/markdown on the paper URL."""

from __future__ import annotations

import pytest

from tests.factories import add_authors, make_code_link, make_comment, make_paper, make_verified_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    made = make_paper(arxiv_id="2606.00031", title="Sums\n  of $\\sum_i x_i$", abstract="Let $$\\int f$$ <b>be</b>.",
                      comment="9 pages")
    add_authors(made, ["Ada Lovelace", "Émilie du Châtelet"])
    make_code_link(made, "https://github.com/acme/sums", stars=7)
    return made


def test_markdown_of_a_paper(client, paper):
    resp = client.get("/papers/2606.00031.md")
    assert resp.status_code == 200 and resp["Content-Type"] == "text/markdown; charset=utf-8"
    text = resp.content.decode()
    assert text.startswith("# Sums of $\\sum_i x_i$\n")
    assert "**Authors:** Ada Lovelace, Émilie du Châtelet" in text
    assert "Let $$\\int f$$ <b>be</b>." in text  # TeX and text as written: Markdown, not HTML
    assert "- GitHub: https://github.com/acme/sums (★ 7)" in text and "- Comment: 9 pages" in text
    assert client.get("/papers/2606.00031v3.md").status_code == 200
    assert "## Discussion" not in text  # no comments, no section


def test_old_style_id_and_unknown_paper(client):
    make_paper(arxiv_id="hep-th/9901001", title="Old")
    assert client.get("/papers/hep-th/9901001.md").content.decode().startswith("# Old\n")
    missing = client.get("/papers/2606.99999.md")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("text/plain")


def test_accept_markdown_on_the_paper_url(client, paper):
    resp = client.get("/papers/2606.00031", HTTP_ACCEPT="text/markdown")
    assert resp.status_code == 303 and resp["Location"] == "/papers/2606.00031.md"
    assert "Accept" in resp["Vary"]
    browser = client.get("/papers/2606.00031", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser.status_code == 200 and "Accept" in browser["Vary"]
    assert client.get("/papers/2606.00031", HTTP_ACCEPT="*/*").status_code == 200


def test_the_discussion_is_included_top_first(client, paper):
    ada = make_verified_user(username="ada")
    first = make_comment(paper=paper, user=ada, body="Nice $x^2$ result.\n\nSecond *paragraph*.")
    make_comment(paper=paper, user=make_verified_user(username="bob"), body="Thanks <script>x</script>", parent=first)
    text = client.get("/papers/2606.00031.md").content.decode()
    assert "## Discussion (2 comments)" in text
    assert "- **ada** (" in text and "  Nice $x^2$ result.\n\n  Second *paragraph*." in text
    assert "  - **bob** (" in text and "    Thanks <script>x</script>" in text
