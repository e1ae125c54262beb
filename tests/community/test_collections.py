"""Collections: create, add/remove, public/private, BibTeX and JSON export, import of ids."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.community import collections as coll
from paperfeed.community.bibtex import BibPaper, cite_key, escape_title, to_bibtex
from paperfeed.community.models import Collection
from tests.factories import make_paper, make_user


def test_bibtex_escapes_specials_and_keeps_balanced_math():
    bib = to_bibtex([
        BibPaper("2606.00001", "50% of $\\mathcal{O}(n^2)$ R&D: a_b #1 {x ~y^", ["José Núñez", "A. B_c"], 2026, "cs.LG"),
    ])
    assert r"50\% of $\mathcal{O}(n^2)$ R\&D: a\_b \#1 \textbraceleft{}x \textasciitilde{}y\textasciicircum{}" in bib
    assert r"José Núñez and A. B\_c" in bib
    assert bib.startswith("@misc{nunez2026of,") or bib.startswith("@misc{nunez2026")
    assert "eprint = {2606.00001}" in bib and "archivePrefix = {arXiv}" in bib
    assert bib.count("{") == bib.count("}")  # BibTeX counts escaped braces too


def test_bibtex_unbalanced_math_is_escaped_and_keys_are_unique():
    assert escape_title("bad $x}$ math") == r"bad \$x\textbraceright{}\$ math"
    papers = [BibPaper(f"2606.0000{i}", "Attention is all", ["Ada Lovelace"], 2026) for i in range(3)]
    keys = [line.split("{")[1].rstrip(",") for line in to_bibtex(papers).splitlines() if line.startswith("@misc")]
    assert keys == ["lovelace2026attention", "lovelace2026attentiona", "lovelace2026attentionb"]
    assert cite_key(BibPaper("hep-th/9901001", "", [], None)) == "anon"


@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=80), authors=st.lists(st.text(max_size=20), max_size=4))
def test_property_bibtex_braces_always_balance(title, authors):
    bib = to_bibtex([BibPaper("2606.00001", title, authors, 2026, "cs.LG")])
    depth = 0
    for ch in bib:
        depth += (ch == "{") - (ch == "}")
        assert depth >= 0
    assert depth == 0


pytestmark = pytest.mark.django_db


def test_create_add_remove_and_unique_slugs():
    owner = make_user()
    a = coll.create_collection(owner=owner, name="Reading list")
    b = coll.create_collection(owner=owner, name="Reading  list")
    assert (a.slug, b.slug) == ("reading-list", "reading-list-2")
    paper = make_paper()
    assert coll.add_paper(a, paper) and not coll.add_paper(a, paper)
    assert coll.collection_papers(a) == [paper]
    assert coll.remove_paper(a, paper) and coll.collection_papers(a) == []


def test_private_collections_are_private(client):
    owner, other = make_user(), make_user()
    private = coll.create_collection(owner=owner, name="Secret")
    public = coll.create_collection(owner=owner, name="Open", public=True)
    client.force_login(other)
    assert client.get(f"/collections/{private.pk}/").status_code == 404
    assert client.get(f"/collections/{private.pk}/export.bib").status_code == 404
    assert client.get(f"/feeds/collections/{private.pk}.rss").status_code == 404
    assert client.get(f"/collections/{public.pk}/").status_code == 200
    paper = make_paper()
    assert client.post(f"/collections/{public.pk}/add", {"paper": paper.arxiv_id}).status_code == 404
    client.force_login(owner)
    assert client.get(f"/collections/{private.pk}/").status_code == 200


def test_collection_pages_and_exports(client):
    owner = make_user()
    client.force_login(owner)
    paper = make_paper(title="Diffusion & $\\alpha$-stuff", authors=["Ada Lovelace"])
    response = client.post("/collections/", {"name": "My list", "public": "on"})
    collection = Collection.objects.get(owner=owner)
    assert response["Location"] == f"/collections/{collection.pk}/"
    assert client.post("/collections/add", {"collection": collection.pk, "paper": paper.arxiv_id}).status_code == 302
    html = client.get(f"/collections/{collection.pk}/").content.decode()
    assert paper.title.replace("&", "&amp;") in html and 'type="application/rss+xml"' in html
    bib = client.get(f"/collections/{collection.pk}/export.bib")
    assert bib["Content-Type"].startswith("application/x-bibtex")
    assert r"Diffusion \& $\alpha$-stuff" in bib.content.decode()
    data = client.get(f"/collections/{collection.pk}/export.json").json()
    assert data["name"] == "My list" and data["papers"][0]["id"] == paper.arxiv_id
    client.post(f"/collections/{collection.pk}/edit", {"name": "Renamed", "description": "d"})
    collection.refresh_from_db()
    assert collection.name == "Renamed" and not collection.public
    client.post(f"/collections/{collection.pk}/remove", {"paper": paper.arxiv_id})
    assert coll.collection_papers(collection) == []
    client.post(f"/collections/{collection.pk}/delete")
    assert not Collection.objects.exists()


def test_create_and_add_from_a_paper_page(client):
    owner = make_user()
    client.force_login(owner)
    paper = make_paper()
    client.post("/collections/", {"name": "Fresh", "paper": paper.arxiv_id, "next": paper.get_absolute_url()})
    assert coll.collection_papers(Collection.objects.get(owner=owner)) == [paper]


def test_import_ids_from_text_and_file(client):
    owner = make_user()
    client.force_login(owner)
    collection = coll.create_collection(owner=owner, name="Imported")
    a, b = make_paper(), make_paper()
    text = f"{a.arxiv_id}\nhttps://arxiv.org/abs/{b.arxiv_id}v2, 2606.99999 nonsense {a.arxiv_id}"
    report = coll.import_ids(collection, text)
    assert report.added == [a.arxiv_id, b.arxiv_id]
    assert report.unknown == ["2606.99999"] and report.invalid == ["nonsense"]
    c = make_paper()
    upload = io.BytesIO(f"{c.arxiv_id}\n{a.arxiv_id}\n".encode())
    upload.name = "ids.txt"
    response = client.post(f"/collections/{collection.pk}/import", {"file": upload}, follow=True)
    assert "1 added; 1 already in the collection" in response.content.decode()
    bad = io.BytesIO(b"\xff\xfe\x00bad")
    bad.name = "ids.txt"
    response = client.post(f"/collections/{collection.pk}/import", {"file": bad}, follow=True)
    assert "not UTF-8" in response.content.decode()
