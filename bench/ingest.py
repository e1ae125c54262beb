"""Ingest throughput on the shared arXiv set, with a naive per-row ORM baseline measured in the same run.

Run: .venv/bin/python bench/ingest.py [--shared ../shared/data] [--without-search-triggers]

Uses a fresh temporary SQLite database (all migrations applied, so the search app's FTS5
triggers index every inserted paper, as in production). Prints, for the 74,728-paper
arxiv_abstracts folder: first ingest papers/s, re-ingest (all unchanged) papers/s, and the HF
daily papers ingest on top; then the naive baseline (per-row ``update_or_create`` /
``get_or_create``) on a 2,000-record sample and the speed-up ratio. Wall time and CPU time
(split between the writing process and the parsing child) are shown: on a shared machine, wall
time depends on what else runs, while the writer's CPU rate bounds what an idle 2-core machine
does (the parser runs beside it on the other core). ``--without-search-triggers`` drops the search app's triggers in the temporary
database to measure the catalogue alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process (the writer) and of its finished children (the parsing process)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def timed(label: str, fn, *, count_of=lambda r: r.stats.total, summary_of=lambda r: r.stats.summary()) -> object:
    wall, (main0, kids0) = time.perf_counter(), cpu_seconds()
    result = fn()
    main1, kids1 = cpu_seconds()
    wall, main, kids = time.perf_counter() - wall, main1 - main0, kids1 - kids0
    cpu = main + kids
    n = count_of(result)
    summary = summary_of(result)
    print(f"{label:<42} {n:>7,} rec {wall:6.1f} s wall {n / wall:7,.0f}/s | CPU {cpu:5.1f} s {n / cpu:6,.0f}/CPU-s"
          f" | writer CPU {main:5.1f} s {n / max(main, 1e-9):6,.0f}/s, parser {kids:4.1f} s | {summary}", flush=True)
    return result, n / wall, n / cpu


def naive_ingest(records) -> int:
    """The obvious ORM loop: one update_or_create per paper, get_or_create per author and link."""
    from django.db import transaction

    from paperfeed.catalog.authors import author_key
    from paperfeed.catalog.codelinks import extract_code_links
    from paperfeed.catalog.models import Author, Authorship, CodeLink, Paper

    for record in records:
        with transaction.atomic():
            paper, _ = Paper.objects.update_or_create(
                arxiv_id=record.arxiv_id,
                defaults={"title": record.title, "abstract": record.abstract, "authors": record.authors,
                          "categories": record.categories, "primary_category": (record.categories or [""])[0],
                          "listing_date": record.listing_date, "comment": record.comment or ""},
            )
            paper.authorships.all().delete()
            for position, name in enumerate(dict.fromkeys(record.authors)):
                author, _ = Author.objects.get_or_create(key=author_key(name), defaults={"name": name})
                Authorship.objects.get_or_create(paper=paper, position=position, defaults={"author": author})
            for url, kind in extract_code_links(record.abstract) + extract_code_links(record.comment):
                CodeLink.objects.get_or_create(paper=paper, url=url, defaults={"kind": kind, "source": "abstract"})
    return len(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--without-search-triggers", action="store_true")
    parser.add_argument("--sample", type=int, default=2000, help="records for the naive baseline")
    args = parser.parse_args()
    abstracts, hf = args.shared / "arxiv_abstracts", args.shared / "hf_daily_papers"
    if not abstracts.is_dir():
        sys.exit(f"shared data not found at {abstracts}")
    tmp = tempfile.TemporaryDirectory(prefix="paperfeed-bench-")
    os.environ["PAPERFEED_DATA_DIR"] = tmp.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from paperfeed.catalog.ingest_files import ingest_paths
    from paperfeed.catalog.models import Author, Paper
    from paperfeed.catalog.sources.detect import read_records
    from paperfeed.catalog.sources.reading import ParseError

    call_command("migrate", verbosity=0)
    if args.without_search_triggers:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
    print(f"paperfeed ingest benchmark: {abstracts} -> fresh SQLite in {tmp.name}; CPUs: {os.cpu_count()}; "
          f"load average: {os.getloadavg()[0]:.1f}; search triggers: {'dropped' if args.without_search_triggers else 'on'}")

    _, first_rate, first_cpu = timed("arxiv_abstracts, first ingest", lambda: ingest_paths([abstracts]))
    timed("arxiv_abstracts, re-ingest (unchanged)", lambda: ingest_paths([abstracts]))
    if hf.is_dir():
        timed("hf_daily_papers on top", lambda: ingest_paths([hf]))
        timed("hf_daily_papers, re-ingest (unchanged)", lambda: ingest_paths([hf]))
    print(f"catalogue now: {Paper.objects.count():,} papers, {Author.objects.count():,} authors")

    shard = sorted(abstracts.glob("*.jsonl.gz"))[-2]
    sample = [r for r in read_records(shard) if not isinstance(r, ParseError)][: args.sample]
    Paper.objects.filter(arxiv_id__in=[r.arxiv_id for r in sample]).delete()
    _, naive_rate, naive_cpu = timed(f"naive per-row ORM, {len(sample):,} new papers", lambda: naive_ingest(sample),
                                     count_of=lambda n: n, summary_of=lambda n: "")
    Paper.objects.filter(arxiv_id__in=[r.arxiv_id for r in sample]).delete()
    _, fast_rate, fast_cpu = timed(f"upsert_records, same {len(sample):,} papers",
                                   lambda: ingest_paths([_write_sample(tmp.name, shard, len(sample))], parallel=False))
    print(f"speed-up over the naive loop: {fast_rate / naive_rate:.1f}x (same sample, wall), "
          f"{fast_cpu / naive_cpu:.1f}x (CPU); full-set first ingest {first_rate:,.0f} papers/s wall, "
          f"{first_cpu:,.0f} papers/CPU-s")
    tmp.cleanup()


def _write_sample(folder: str, shard: Path, n: int) -> Path:
    """The first ``n`` lines of ``shard`` as a file, so both sides parse the same records."""
    import gzip

    out = Path(folder) / "sample.jsonl"
    with gzip.open(shard, "rt", encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for _, line in zip(range(n), src, strict=False):
            dst.write(line)
    return out


if __name__ == "__main__":
    main()
