"""Code-link extraction from abstracts and comments (pure)."""

import pytest

from paperfeed.catalog.codelinks import extract_code_links, normalise_code_url


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Code is available at https://github.com/zlab-princeton/i1.", [("https://github.com/zlab-princeton/i1", "github")]),
        ("see github.com/Foo/bar.git) now", [("https://github.com/Foo/bar", "github")]),
        ("(https://github.com/a/b-c_d.e/tree/main/src).", [("https://github.com/a/b-c_d.e", "github")]),
        ("at https://www.github.com/a/b#readme;", [("https://github.com/a/b", "github")]),
        ("http://github.com/a/b/ and https://github.com/A/B", [("https://github.com/a/b", "github")]),
        ("\\url{https://github.com/a/my\\_repo}", [("https://github.com/a/my_repo", "github")]),
        ("https://gitlab.com/grp/sub/proj/-/tree/main", [("https://gitlab.com/grp/sub/proj", "gitlab")]),
        ("https://gitlab.inria.fr/team/tool.git.", [("https://gitlab.inria.fr/team/tool", "gitlab")]),
        ("weights: https://huggingface.co/meta-llama/Llama-3-8B#usage", [("https://huggingface.co/meta-llama/Llama-3-8B", "huggingface")]),
        ("https://huggingface.co/datasets/org/ds/tree/main", [("https://huggingface.co/datasets/org/ds", "huggingface")]),
        ("demo https://huggingface.co/spaces/a/b.", [("https://huggingface.co/spaces/a/b", "huggingface")]),
        ("Project page: https://qwen-pilot.notion.site/fipo.", [("https://qwen-pilot.notion.site/fipo", "project")]),
        ("https://xyz.github.io/proj/ shows videos", [("https://xyz.github.io/proj", "project")]),
    ],
)
def test_extracts_and_normalises(text, links):
    assert extract_code_links(text) == links


@pytest.mark.parametrize(
    "text",
    [
        None, "", "no links at all", "https://doi.org/10.1000/xyz is a DOI", "https://github.com/orgs/foo",
        "https://github.com/foo", "https://huggingface.co/papers/2406.07550", "https://huggingface.co/docs/x",
        "(https://en.wikipedia.org/wiki/Foo_(bar))", "mail me at someone@github.com", "https://github.com/a/b$x$",
    ],
)
def test_ignores_non_code_links(text):
    assert extract_code_links(text) == []


def test_order_and_duplicates():
    text = "https://github.com/b/two and github.com/a/one, again https://github.com/b/two.git"
    assert [u for u, _ in extract_code_links(text)] == ["https://github.com/b/two", "https://github.com/a/one"]


def test_normalise_code_url():
    assert normalise_code_url("https://github.com/qwenpilot/FIPO") == ("https://github.com/qwenpilot/FIPO", "github")
    assert normalise_code_url("https://example.org/project") == ("https://example.org/project", "project")
    assert normalise_code_url("https://example.org/project", project_hint=False) is None
    assert normalise_code_url("not a url at all") is None
    assert normalise_code_url("https://[bad") is None
