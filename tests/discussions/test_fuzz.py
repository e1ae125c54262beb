"""Fuzz tests (hypothesis): any body — Unicode, Markdown, HTML — never gives a 5xx, never an
unescaped tag outside the sanitiser's allow-list, and never breaks the comment feed's XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperfeed.discussions import rendering
from paperfeed.discussions.models import Comment
from tests.factories import make_paper, make_user

PIECES = [
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href=\"javascript:alert(1)\">x</a>", "<svg/onload=1>",
    "<style>", "<iframe src=//x>", "**", "_", "*", "~~", "$", "$$", "\\$", "`", "```\n", "[a](javascript:alert(1))",
    "[b](http://x.org \"t\")", "![i](http://x/i.png)", "<", ">", "&", "&amp;", "&#0;", "\"", "'", "@ada", "@", "\n",
    "\n\n", "> ", "- ", "1. ", "# ", "<!--", "-->", "]]>", "<![CDATA[", "\x00", "\x0b", "\x1b", "\ufffe", "\uffff",
    "\u202e", "|a|b|\n|-|-|\n|c|d|", "<http://auto.link>", "<b onclick=x>", "javascript:", "data:text/html,<b>",
]
BODIES = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=40).map("".join),
)


class TagCollector(HTMLParser):
    """Every start tag and attribute in an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_safe(html: str) -> None:
    """Only allow-listed tags and attributes; links only to allowed schemes."""
    parser = TagCollector()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in rendering.ALLOWED_TAGS, (tag, html)
        allowed = rendering.ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel", "class"} if tag == "a" else set())
        assert set(attrs) <= allowed, (tag, attrs, html)
        href = (attrs.get("href") or "").strip().lower()
        if href and ":" in href.split("/")[0]:
            assert href.split(":")[0] in rendering.URL_SCHEMES, href
        if "class" in attrs:
            assert attrs["class"] == "mention"


@settings(max_examples=400, deadline=None)
@given(BODIES)
def test_render_only_allowed_markup(body):
    assert_safe(rendering.render(body, mentions=["ada"]))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_pages_and_feed_survive_any_body(client, body):
    paper = _paper()
    client.force_login(_writer())
    url = paper.get_absolute_url()
    response = client.post(f"{url}/comments", {"body": body})
    assert response.status_code < 500
    for comment in Comment.objects.filter(paper=paper):
        assert_safe(comment.body_html)
    page = client.get(url)
    assert page.status_code == 200
    feed = client.get(f"{url}/comments.atom")
    assert feed.status_code == 200
    root = ET.fromstring(feed.content)  # strict XML: raises on anything malformed
    for summary in root.iter("{http://www.w3.org/2005/Atom}summary"):
        assert_safe(summary.text or "")  # type="html": readers render it, so it must be safe HTML too


_cache: dict = {}


def _paper():
    if "paper" not in _cache or not type(_cache["paper"]).objects.filter(pk=_cache["paper"].pk).exists():
        _cache["paper"] = make_paper()
    return _cache["paper"]


def _writer():
    # Staff are verified and exempt from rate limits, so every example is accepted or refused on its content.
    if "user" not in _cache or not type(_cache["user"]).objects.filter(pk=_cache["user"].pk).exists():
        _cache["user"] = make_user(is_staff=True)
    return _cache["user"]
