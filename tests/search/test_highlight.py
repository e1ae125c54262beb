"""Highlighting: words sharing a query term's stem are marked; everything is escaped."""

from __future__ import annotations

from hypothesis import given, strategies as st

from paperfeed.search.highlight import highlight


def test_words_with_the_query_stem_are_marked():
    html = highlight("Networked graph network, networks and nets", ["networks"])
    assert html == "<mark>Networked</mark> graph <mark>network</mark>, <mark>networks</mark> and nets"


def test_markup_in_the_text_is_escaped_and_never_split():
    html = highlight('<b>Graph</b> & "graphs"', ["graph"])
    assert html == '&lt;b&gt;<mark>Graph</mark>&lt;/b&gt; &amp; &quot;<mark>graphs</mark>&quot;'


def test_limit_cuts_at_a_space_and_adds_an_ellipsis():
    assert highlight("alpha beta gamma delta", [], limit=12) == "alpha beta…"


@given(st.text(max_size=200), st.lists(st.text(max_size=10), max_size=4))
def test_any_text_is_escaped(text, terms):
    html = str(highlight(text, terms))
    assert "<" not in html.replace("<mark>", "").replace("</mark>", "")


def test_math_is_left_whole_and_escaped():
    html = highlight('Graph $a<graph$ and $$graph$$ & graphs', ["graph"])
    assert html == "<mark>Graph</mark> $a&lt;graph$ and $$graph$$ &amp; <mark>graphs</mark>"
