"""arXiv identifiers: versions, prefixes and URLs stripped; malformed ids rejected."""

import pytest

from paperfeed.catalog.sources.arxiv_ids import BadArxivId, id_month, normalise_arxiv_id, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2406.07550", ("2406.07550", None)),
        ("2406.07550v2", ("2406.07550", 2)),
        ("arXiv:2406.07550v3", ("2406.07550", 3)),
        ("ARXIV: 2406.07550", ("2406.07550", None)),
        ("https://arxiv.org/abs/2406.07550v1", ("2406.07550", 1)),
        ("http://export.arxiv.org/abs/2406.07550", ("2406.07550", None)),
        ("https://arxiv.org/pdf/2406.07550v2.pdf", ("2406.07550", 2)),
        ("https://www.arxiv.org/abs/2406.07550/", ("2406.07550", None)),
        ("  0704.0001 ", ("0704.0001", None)),
        ("1412.9999", ("1412.9999", None)),
        ("1501.00001", ("1501.00001", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("math.gt/0309136", ("math.GT/0309136", None)),
        ("arXiv:cond-mat/0001001v1", ("cond-mat/0001001", 1)),
        ("http://arxiv.org/abs/hep-th/9901001v3", ("hep-th/9901001", 3)),
    ],
)
def test_parse_arxiv_id_accepts_every_spelling(text, expected):
    assert parse_arxiv_id(text) == expected
    assert normalise_arxiv_id(text) == expected[0]


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "foo", "2406.0755", "2406.075500", "1301.12345", "1501.0001", "2413.00001", "2400.00001",
        "0703.0001", "2406.07550v0", "2406.07550v", "hep-th/990100", "hep-th/99010011", "hep-th/9913001",
        "../etc/passwd", "2406.07550 extra", "https://example.com/abs/2406.07550", "10.1000/xyz",
    ],
)
def test_parse_arxiv_id_rejects_malformed(text):
    with pytest.raises(BadArxivId):
        parse_arxiv_id(text)


@pytest.mark.parametrize("value", [None, 2406.0755, 2406, ["2406.07550"]])
def test_parse_arxiv_id_rejects_non_strings(value):
    with pytest.raises(BadArxivId):
        parse_arxiv_id(value)


def test_id_month_reads_yymm():
    assert id_month("2406.07550") == (2024, 6)
    assert id_month("hep-th/9901001") == (1999, 1)
    assert id_month("math.GT/0309136") == (2003, 9)
