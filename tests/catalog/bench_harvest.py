"""Harvest throughput: real arXiv metadata served as OAI-PMH pages from a local replay server.

    PAPERFEED_DATA_DIR=/tmp/bench-harvest .venv/bin/python tests/catalog/bench_harvest.py [--pages 5] [--per-page 1000]

Builds ``pages`` ListRecords pages (arXiv format, resumption tokens) from the shared arXiv API
records (or synthetic ones without ../shared/data), then times (1) parsing alone and (2) the
whole harvest — fetch, parse, upsert, state commit — into a fresh SQLite database, run as
``paperfeed harvest arxiv`` in a subprocess. Not collected by pytest (the name has no test_).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "data" / "arxiv_abstracts" / "arxiv_api_records_2026-06a.jsonl.gz"

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        '<responseDate>2026-07-01T00:00:00Z</responseDate><request verb="ListRecords">x</request><ListRecords>')


def source_records(n: int) -> list[dict]:
    if SHARED.exists():
        with gzip.open(SHARED, "rt") as fh:
            return [json.loads(line) for line in itertools.islice(fh, n)]
    return [{"id": f"2606.{i:05d}", "title": f"Synthetic paper {i}", "summary": "An abstract. " * 40,
             "authors": ["Ada Lovelace", "Alan Turing"], "categories": ["cs.LG"], "comment": None} for i in range(n)]


def record_xml(r: dict) -> str:
    authors = "".join(f"<author><keyname>{escape(a.split()[-1])}</keyname><forenames>{escape(' '.join(a.split()[:-1]))}"
                      f"</forenames></author>" for a in r["authors"])
    comment = f"<comments>{escape(r['comment'])}</comments>" if r.get("comment") else ""
    return (f"<record><header><identifier>oai:arXiv.org:{r['id']}</identifier><datestamp>2026-06-02</datestamp>"
            f"<setSpec>cs</setSpec></header><metadata><arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\"><id>{r['id']}</id>"
            f"<created>2026-06-01</created><authors>{authors}</authors><title>{escape(r['title'])}</title>"
            f"<categories>{' '.join(r['categories'])}</categories>{comment}<abstract>{escape(r['summary'])}</abstract>"
            f"</arXiv></metadata></record>")


def build_pages(records: list[dict], per_page: int) -> list[bytes]:
    chunks = [records[i:i + per_page] for i in range(0, len(records), per_page)]
    pages = []
    for n, chunk in enumerate(chunks):
        token = f"tok-{n + 1}" if n + 1 < len(chunks) else ""
        tail = f'<resumptionToken cursor="{n * per_page}" completeListSize="{len(records)}">{token}</resumptionToken>'
        pages.append((HEAD + "".join(record_xml(r) for r in chunk) + tail + "</ListRecords></OAI-PMH>").encode())
    return pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--per-page", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from paperfeed.catalog.sources.oaipmh import parse_page
    from tests.jobs.replay import Reply, ReplayServer

    records = source_records(args.pages * args.per_page)
    pages = build_pages(records, args.per_page)
    start = time.perf_counter()
    parsed = sum(len(parse_page(p).records) for p in pages)
    parse_s = time.perf_counter() - start
    print(f"parse: {parsed} records in {parse_s:.2f}s = {parsed / parse_s:,.0f} records/s "
          f"({sum(map(len, pages)) / 1e6:.1f} MB of XML)")

    data_dir = Path(tempfile.mkdtemp(prefix="bench-harvest-"))
    env = {**os.environ, "PAPERFEED_DATA_DIR": str(data_dir), "DATABASE_URL": "", "PAPERFEED_ARXIV_REQUEST_INTERVAL": "0"}
    cli = [sys.executable, "-m", "paperfeed.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)
    with ReplayServer() as server:
        server.add("/oai", Reply(200, pages[0]), query={"metadataPrefix": "arXiv"})
        for n, page in enumerate(pages[1:], start=1):
            server.add("/oai", Reply(200, page), query={"resumptionToken": f"tok-{n}"})
        env["PAPERFEED_ARXIV_OAI_URL"] = server.url + "/oai"
        for label in ("first harvest (all new)", "second harvest (all unchanged)"):
            start = time.perf_counter()
            subprocess.run([*cli, "harvest", "arxiv", "--from", "2026-06-01", "--until", "2026-06-02", "-v0"],
                           env=env, check=True, capture_output=True)
            took = time.perf_counter() - start
            print(f"{label}: {parsed} records, {len(pages)} pages in {took:.2f}s = {parsed / took:,.0f} records/s "
                  "(process start and Django setup included)")
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
