"""``paperfeed eval beir DIR [--split test] [--run-out FILE]``: measure search on a BEIR dataset."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from paperfeed.search.embedding import get_embedder
from paperfeed.search.evaluation.beir import BeirError, load_beir
from paperfeed.search.evaluation.runner import (
    KEYWORD_BACKENDS, collect, fused_runs, report_lines, site_keyword_backend, write_trec,
)


class Command(BaseCommand):
    help = "Evaluate search on a BEIR folder: nDCG@10 and recall@100 for keyword, semantic, RRF and our fusion."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=["beir"], help="Dataset format (only 'beir').")
        parser.add_argument("folder", help="BEIR folder with corpus.jsonl[.gz], queries.jsonl[.gz], qrels/.")
        parser.add_argument("--split", default="test", help="qrels split to evaluate (default: test).")
        parser.add_argument("--run-out", default=None, help="Write our fusion's TREC run file here.")
        parser.add_argument("--keyword", choices=KEYWORD_BACKENDS, default=None,
                            help="Keyword backend of the scratch index (default: the site's, fts5 unless it is tantivy).")

    def handle(self, *args, kind: str, folder: str, split: str, run_out: str | None, keyword: str | None,
               **options) -> None:
        try:
            dataset = load_beir(folder, split=split)
        except BeirError as exc:
            raise CommandError(str(exc)) from exc
        if not dataset.queries:
            raise CommandError(f"{folder}: no judged queries for split {split!r}")
        embedder = get_embedder()
        keyword = keyword or site_keyword_backend()
        self.stdout.write(f"{Path(folder).name} [{split}]: {len(dataset.corpus)} docs, {len(dataset.queries)} queries, "
                          f"model {embedder.name}, keyword backend {keyword}")
        run = collect(dataset, embedder=embedder, cache_dir=Path(settings.DATA_DIR) / "search-cache", log=self.stdout.write,
                      keyword_backend=keyword)
        runs = fused_runs(run)
        for line in report_lines(run, runs, dataset.qrels):
            self.stdout.write(line)
        if run_out:
            write_trec(Path(run_out), runs["fusion"], "paperfeed-fusion")
            self.stdout.write(f"Run file written to {run_out}")
