import pytest

from tests.factories import make_paper


@pytest.mark.django_db
def test_paper_page_renders(client):
    paper = make_paper(title="Hello <script>alert(1)</script>")
    resp = client.get(paper.get_absolute_url())
    assert resp.status_code == 200
    assert b"<script>alert(1)" not in resp.content
