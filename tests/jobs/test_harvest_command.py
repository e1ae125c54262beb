"""``paperfeed harvest arxiv --info / --dry-run`` against the recorded arXiv OAI-PMH exchanges."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from paperfeed.catalog.models import HarvestState, Paper
from tests.jobs.replay import ReplayServer, add_nock

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_arxiv(shared_data, settings):
    """All recorded arXiv OAI-PMH exchanges, served at /oai2 like export.arxiv.org in 2018."""
    with ReplayServer() as server:
        for path in sorted((shared_data / "arxiv_abstracts/oai_pmh_recorded").glob("*.json")):
            add_nock(server, path)
        settings.ARXIV_OAI_URL = server.url + "/oai2"
        settings.ARXIV_REQUEST_INTERVAL = 0
        yield server


def test_harvest_info_and_dry_run_with_recorded_exchanges(recorded_arxiv, capsys):
    call_command("harvest", "arxiv", "--info", "--set", "cs", "--prefix", "arXivRaw")
    out = capsys.readouterr().out
    assert "arXiv at http://export.arxiv.org/oai2" in out and "granularity YYYY-MM-DD" in out
    assert "configuration ok: prefix arXivRaw, sets cs" in out
    with pytest.raises(CommandError, match="set 'bogus' not offered"):
        call_command("harvest", "arxiv", "--info", "--set", "bogus")

    call_command("harvest", "arxiv", "--dry-run", "--from", "2009-01-01", "--until", "2009-01-02", "--set", "")
    out = capsys.readouterr().out
    assert "arxiv:all:arXiv: 2009-01-01..2009-01-02: " in out and "(0 deleted) in 1 pages" in out
    assert not HarvestState.objects.exists() and not Paper.objects.exists()  # a dry run stores nothing
