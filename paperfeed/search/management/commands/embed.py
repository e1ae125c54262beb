"""``paperfeed embed``: compute missing paper embeddings in batches (resumable, incremental)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from paperfeed.catalog.models import Paper
from paperfeed.search.embedding import get_embedder
from paperfeed.search.models import PaperEmbedding
from paperfeed.search.precomputed import load_precomputed
from paperfeed.search.services import embed_pending


class Command(BaseCommand):
    help = "Embed every paper that has no stored embedding for the current model (commits per batch)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=64, help="Papers per batch (default 64).")
        parser.add_argument("--limit", type=int, default=None, help="Stop after this many papers.")
        parser.add_argument("--no-precomputed", action="store_true",
                            help="Ignore bundled precomputed demo embeddings.")

    def handle(self, *args, batch_size: int, limit: int | None, no_precomputed: bool, **options) -> None:
        embedder = get_embedder()
        if not no_precomputed:
            loaded = load_precomputed(embedder.name)
            if loaded:
                self.stdout.write(f"Loaded {loaded} precomputed embeddings ({embedder.name}).")
        pending = Paper.objects.exclude(embeddings__model=embedder.name).count()
        if limit is not None:
            pending = min(pending, limit)
        stored = PaperEmbedding.objects.filter(model=embedder.name).count()
        self.stdout.write(f"Model {embedder.name}: {stored} stored, {pending} to embed.")
        if not pending:
            return
        start = time.perf_counter()
        with tqdm(total=pending, unit="paper", disable=None) as bar:
            done = embed_pending(limit=limit, batch_size=batch_size, progress=bar.update)
        seconds = time.perf_counter() - start
        self.stdout.write(f"Embedded {done} papers in {seconds:.1f}s: {done / max(seconds, 1e-9):.1f} abstracts/s on {embedder.device}.")
