"""The search app's answer to ``papers_ingested``: keyword index upkeep during and after an ingest."""

from __future__ import annotations

import pytest
from django.db import connection

from paperfeed.catalog.signals import announce_ingested
from paperfeed.search.keyword import auto
from paperfeed.search.keyword.fts5 import fts_retired
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex, _open
from tests.factories import make_paper

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite default keyword backend"),
]


@pytest.fixture(autouse=True)
def auto_backend(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.KEYWORD_BACKEND = ""
    settings.KEYWORD_TANTIVY_THRESHOLD = 2
    auto.forget()
    yield
    auto.forget()


def test_below_the_threshold_nothing_is_reported():
    make_paper(title="Tardigrade study")
    assert announce_ingested(sender=None, count=1, final=False) == []
    assert announce_ingested(sender=None, count=1, final=True) == []
    assert not fts_retired()


def test_crossing_the_threshold_switches_once_and_the_end_catches_up():
    make_paper(title="Tardigrade study 1")
    make_paper(title="Tardigrade study 2")
    assert announce_ingested(sender=None, count=2, final=False) == [
        "keyword index past its threshold: rebuilt 2, fts5 retired 1"]
    assert fts_retired()
    make_paper(title="Tardigrade study 3")
    assert announce_ingested(sender=None, count=1, final=False) == []  # switched already
    assert announce_ingested(sender=None, count=3, final=True) == ["keyword index: indexed 1, removed 0"]
    assert TantivyKeywordIndex().num_docs() == 3
    assert announce_ingested(sender=None, count=0, final=True) == []  # an empty run says nothing


def test_a_busy_writer_postpones_the_switch_to_the_next_batch():
    make_paper(title="Tardigrade study 1")
    make_paper(title="Tardigrade study 2")
    index = TantivyKeywordIndex()
    writer = _open(index.path, create=True).writer()  # the worker is building the index
    try:
        assert announce_ingested(sender=None, count=2, final=False) == []
        assert not fts_retired()  # FTS5 keeps serving until tantivy is built
    finally:
        writer.wait_merging_threads()
        del writer
    make_paper(title="Tardigrade study 3")
    assert announce_ingested(sender=None, count=1, final=False) == [
        "keyword index past its threshold: rebuilt 3, fts5 retired 1"]
