"""Reading the search box: arXiv ids, quoted phrases, -exclusions (pure)."""

from __future__ import annotations

import pytest

from paperfeed.search.query import matches, parse_query


@pytest.mark.parametrize("text", [
    "2606.31315", "2606.31315v1", "arXiv:2606.31315v1", "arxiv: 2606.31315",
    "https://arxiv.org/abs/2606.31315", "https://arxiv.org/abs/2606.31315v2", "arxiv.org/pdf/2606.31315v1.pdf",
    "  2606.31315  ",
])
def test_arxiv_id_forms(text):
    assert parse_query(text).arxiv_id == "2606.31315"


def test_arxiv_version_kept():
    assert parse_query("arXiv:2606.31315v3").version == 3


@pytest.mark.parametrize("text", ["2606", "2606.31315 diffusion", "world model", "", "9999.99999"])
def test_not_an_id(text):
    assert parse_query(text).arxiv_id == ""


def test_phrase_and_exclusion():
    parsed = parse_query('"world model" -video planning')
    assert parsed.text == "world model planning"
    assert parsed.phrases == (("world", "model"),)
    assert parsed.excluded == (("video",),)
    assert matches(parsed, "A World Models approach to planning")  # stems: models ~ model
    assert not matches(parsed, "World model for video prediction")
    assert not matches(parsed, "A model of the world")  # not as a phrase


def test_excluded_phrase_and_hyphenated_words():
    parsed = parse_query('self-supervised -"video generation"')
    assert parsed.text == "self-supervised"
    assert parsed.excluded == (("video", "gener"),)
    assert matches(parsed, "video prediction")
    assert not matches(parsed, "fast Video Generation")


@pytest.mark.parametrize("text", ['"', '-', '--', '"unclosed phrase', '-"', '""', "-\"\" x"])
def test_malformed_never_raises(text):
    parsed = parse_query(text)
    assert isinstance(parsed.text, str)
    matches(parsed, "anything at all")


def test_no_operators_matches_everything():
    assert matches(parse_query("plain words"), "")


def test_ranked_text_keeps_quotes_and_drops_exclusions():
    assert parse_query('"world model" -video planning').ranked == '"world model" planning'
    assert parse_query("plain words").ranked == "plain words"
