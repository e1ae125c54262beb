"""The bundled demo data: rebuilt byte for byte from the shared data by tools/build_demo_data.py."""

import hashlib
import importlib.util
from pathlib import Path

import pytest

from paperfeed.catalog.ingest_files import DEMO_DATA
from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.detect import read_records

TOOL = Path(__file__).resolve().parents[2] / "tools" / "build_demo_data.py"


def test_bundled_demo_file_is_small_and_clean():
    assert DEMO_DATA.stat().st_size < 3_000_000
    records = list(read_records(DEMO_DATA))
    assert all(isinstance(r, PaperRecord) for r in records)
    days = {r.listing_date for r in records if r.arxiv_id.startswith("2606.") and not r.arxiv_id.startswith("2606.999")}
    assert len(days) >= 10 and max(days).isoformat() == "2026-07-01"
    assert 3000 <= len(records) <= 4500


@pytest.mark.slow
def test_demo_file_rebuilds_identically(shared_data, tmp_path):
    spec = importlib.util.spec_from_file_location("build_demo_data", TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / "demo.jsonl.gz"
    tool.main(["--shared", str(shared_data), "--out", str(out)])
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(DEMO_DATA.read_bytes()).digest()
