"""The pure comment renderer: Markdown, math kept as text, mentions, sanitising."""

from __future__ import annotations

from paperfeed.discussions import rendering


def test_markdown_and_math_left_as_text():
    html = rendering.render("**bold** and $a_1*b_2*c$ and $$\\sum_i x_i^2$$")
    assert "<strong>bold</strong>" in html
    assert "$a_1*b_2*c$" in html  # no emphasis inside math
    assert "$$\\sum_i x_i^2$$" in html


def test_math_is_escaped():
    assert rendering.render("$a<b>c$") == "<p>$a&lt;b&gt;c$</p>\n"


def test_raw_html_shows_as_text():
    html = rendering.render("<script>alert(1)</script><img src=x onerror=alert(1)>")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_links_get_rel_and_bad_schemes_are_dropped():
    html = rendering.render("[ok](https://example.org) [bad](javascript:alert(1)) [d](data:text/html,x)")
    assert '<a href="https://example.org" rel="nofollow noopener ugc">ok</a>' in html
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "") or 'href="javascript' not in html
    assert 'href="javascript' not in html and 'href="data' not in html


def test_mentions_link_only_known_users():
    html = rendering.render("hi @ada and @nobody, mail x@ada.org", mentions=["Ada"])
    assert '<a class="mention" href="/users/Ada" rel="nofollow noopener ugc">@Ada</a>' in html
    assert "@nobody" in html and html.count("<a ") == 1


def test_mention_in_code_is_not_linked():
    assert "<a" not in rendering.render("`@ada`", mentions=["ada"])


def test_mentioned_names_and_links():
    assert rendering.mentioned_names("@ada, @bob. @ada e@mail.org") == ["ada", "bob"]
    assert rendering.count_links("see https://a.org and www.b.org and [c](http://c.org)") == 3


def test_plain_text_unescapes():
    assert rendering.plain_text(rendering.render("a < b & **c**")) == "a < b & c"


def test_lone_dollars_are_text():
    assert rendering.render("costs $5 and $$") == "<p>costs $5 and $$</p>\n"
