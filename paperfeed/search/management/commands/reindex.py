"""``paperfeed reindex``: rebuild the keyword index from the catalogue, and save the vector graph when due."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from paperfeed.search.keyword import get_keyword_index
from paperfeed.search.services import sync_vector_graph


class Command(BaseCommand):
    help = "Rebuild the keyword (BM25) index from the papers in the database."

    def handle(self, *args, **options) -> None:
        start = time.perf_counter()
        index = get_keyword_index()
        count = index.rebuild()
        self.stdout.write(f"Keyword index rebuilt: {count} papers in {time.perf_counter() - start:.1f}s "
                          f"({type(index).__name__})")
        start = time.perf_counter()
        graph = sync_vector_graph()
        if graph:
            self.stdout.write(f"Vector graph saved: {graph} in {time.perf_counter() - start:.1f}s")
