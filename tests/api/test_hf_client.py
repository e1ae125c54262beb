"""Contract suite: Hugging Face's own client (huggingface_hub, pinned in the test extra) against a live paperfeed.

Every paper method of ``HfApi`` and the ``hf papers`` CLI run against a live test server; the
assertions read the fields the client parses (``PaperInfo`` in huggingface_hub/hf_api.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import huggingface_hub.constants
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from paperfeed.search.services import embed_pending
from tests.factories import add_authors, make_code_link, make_paper, make_user

pytestmark = pytest.mark.django_db(transaction=True)

HF = Path(sys.executable).with_name("hf")
DAY = dt.date(2026, 6, 15)  # a Monday: ISO week 2026-W25
HF_PICK_AT = dt.datetime(2026, 6, 15, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def catalogue():
    """An HF pick with code and comments, a member's pick, a plain listing, and a paper in the next month."""
    ada = make_user(username="ada")
    hf_pick = make_paper(
        arxiv_id="2606.00001", title="Scaling $\\alpha$-attention", abstract="We show $E=mc^2$ and \\(x^2\\).",
        imported_upvotes=12, imported_source="hf", listing_date=DAY, comment_count=3,
        submitted_at=dt.datetime(2026, 6, 12, 17, 59, 1, tzinfo=dt.UTC),
        picked_at=HF_PICK_AT, picked_by_name="akhaliq",
    )
    add_authors(hf_pick, ["Ada Lovelace", "Charles Babbage"])
    make_code_link(hf_pick, "https://github.com/acme/alpha", stars=321)
    make_code_link(hf_pick, "https://acme.example/alpha", kind="project", source="hf")
    make_paper(arxiv_id="2606.00002", title="A member's pick", imported_upvotes=5, listing_date=DAY,
               picked_at=dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC), picked_by=ada)
    make_paper(arxiv_id="2606.00003", title="Listed, not picked", listing_date=DAY)
    make_paper(arxiv_id="2607.00004", title="Next month", listing_date=dt.date(2026, 7, 1))
    return hf_pick


@pytest.fixture
def api(live_server, monkeypatch) -> HfApi:
    """HfApi pointed at the live server, with no token and the offline switch of the test run lifted."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    return HfApi(endpoint=live_server.url, token=False)


def _ids(papers) -> list[str]:
    return [p.id for p in papers]


def test_list_daily_papers_fields_as_the_client_parses_them(api, catalogue):
    papers = list(api.list_daily_papers(date=DAY.isoformat()))
    assert _ids(papers) == ["2606.00001", "2606.00002", "2606.00003"]
    first = papers[0]
    assert first.title == "Scaling $\\alpha$-attention"
    assert first.summary == "We show $E=mc^2$ and \\(x^2\\)."
    assert [a.name for a in first.authors] == ["Ada Lovelace", "Charles Babbage"]
    assert first.published_at == dt.datetime(2026, 6, 12, 17, 59, 1, tzinfo=dt.UTC)  # arXiv's first version
    assert first.submitted_at == HF_PICK_AT  # when it went onto the daily list
    assert first.submitted_by.username == "akhaliq" and first.submitted_by.fullname == "akhaliq"
    assert first.upvotes == 12 and first.comments == 3
    assert first.github_repo == "https://github.com/acme/alpha" and first.github_stars == 321
    assert first.project_page == "https://acme.example/alpha"
    assert papers[1].submitted_by.username == "ada"
    plain = papers[2]
    assert plain.submitted_by is None and plain.github_repo is None and plain.comments == 0
    assert plain.submitted_at == dt.datetime.combine(DAY, dt.time(), tzinfo=dt.UTC)


def test_list_daily_papers_week_month_sort_and_paging(api, catalogue):
    assert _ids(api.list_daily_papers(week="2026-W25")) == ["2606.00001", "2606.00002", "2606.00003"]
    assert _ids(api.list_daily_papers(month="2026-07")) == ["2607.00004"]
    assert _ids(api.list_daily_papers()) == ["2607.00004"]  # the latest day by default
    assert _ids(api.list_daily_papers(date=DAY.isoformat(), limit=1, p=1)) == ["2606.00002"]
    newest = _ids(api.list_daily_papers(month="2026-06", sort="publishedAt"))
    assert set(newest) == {"2606.00001", "2606.00002", "2606.00003"}
    assert isinstance(list(api.list_daily_papers(week="2026-W25", sort="trending")), list)


def test_list_daily_papers_submitter_returns_only_their_picks(api, catalogue):
    assert _ids(api.list_daily_papers(submitter="akhaliq")) == ["2606.00001"]
    assert _ids(api.list_daily_papers(submitter="ada", date=DAY.isoformat())) == ["2606.00002"]
    assert _ids(api.list_daily_papers(submitter="ada", month="2026-07")) == []
    assert _ids(api.list_daily_papers(submitter="nobody")) == []


def test_list_daily_papers_bad_parameters_raise_400(api, catalogue):
    for params in ({"date": "2026-13-01"}, {"week": "2026-W60"}, {"date": "2026-06-15", "month": "2026-06"}):
        with pytest.raises(HfHubHTTPError) as caught:
            list(api.list_daily_papers(**params))
        assert caught.value.response.status_code == 400


def test_paper_info_and_its_404(api, catalogue):
    info = api.paper_info("2606.00001")
    assert info.id == "2606.00001" and info.title == "Scaling $\\alpha$-attention"
    assert info.published_at == dt.datetime(2026, 6, 12, 17, 59, 1, tzinfo=dt.UTC)
    assert info.submitted_at == HF_PICK_AT and info.submitted_by.username == "akhaliq"
    assert info.upvotes == 12 and info.comments == 3
    assert info.github_repo == "https://github.com/acme/alpha" and info.github_stars == 321
    assert api.paper_info("2606.00001v2").id == "2606.00001"
    with pytest.raises(HfHubHTTPError) as caught:
        api.paper_info("2606.99999")
    assert caught.value.response.status_code == 404


def test_read_paper_returns_the_markdown(api, catalogue):
    text = api.read_paper("2606.00001")
    assert text.startswith("# Scaling $\\alpha$-attention\n")
    assert "**Authors:** Ada Lovelace, Charles Babbage" in text
    assert "We show $E=mc^2$ and \\(x^2\\)." in text  # math stays TeX
    assert "https://github.com/acme/alpha (★ 321)" in text and "https://arxiv.org/abs/2606.00001" in text
    assert "Picked by akhaliq" in text
    with pytest.raises(HfHubHTTPError) as caught:
        api.read_paper("2606.99999")
    assert caught.value.response.status_code == 404


def test_list_papers_searches(api, catalogue):
    embed_pending()
    found = list(api.list_papers(query="attention", limit=5))
    assert "2606.00001" in _ids(found)
    hit = next(p for p in found if p.id == "2606.00001")
    assert hit.title == "Scaling $\\alpha$-attention" and hit.submitted_at == HF_PICK_AT


# --- the `hf papers` CLI, as a subprocess ------------------------------------------------------


def _hf(live_server, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """Run ``hf papers ARGS`` with HF_ENDPOINT at the live server (the CLI reads it at import)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=live_server.url, HF_HOME=str(tmp_path / "hf-home"), HF_HUB_OFFLINE="0",
               HF_HUB_DISABLE_TELEMETRY="1", NO_COLOR="1")
    return subprocess.run([str(HF), "papers", *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_read_list_info_and_not_found(live_server, tmp_path, catalogue):
    read = _hf(live_server, tmp_path, "read", "2606.00001")
    assert read.returncode == 0, read.stderr
    assert "# Scaling $\\alpha$-attention" in read.stdout and "We show $E=mc^2$" in read.stdout

    listed = _hf(live_server, tmp_path, "ls", "--date", DAY.isoformat(), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["id"] for r in rows] == ["2606.00001", "2606.00002", "2606.00003"]
    assert rows[0]["submitted_by_name"] == "akhaliq" and rows[0]["comments"] == 3

    mine = _hf(live_server, tmp_path, "ls", "--submitter", "ada", "--format", "json")
    assert [r["id"] for r in json.loads(mine.stdout)] == ["2606.00002"]

    info = _hf(live_server, tmp_path, "info", "2606.00001", "--format", "json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["github_repo"] == "https://github.com/acme/alpha"

    missing = _hf(live_server, tmp_path, "read", "2606.99999")
    assert missing.returncode != 0 and "not found" in (missing.stderr + missing.stdout)
