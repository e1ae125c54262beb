"""BM25 of given papers through tantivy: a lookup per id against one term-set query.

    PAPERFEED_DATA_DIR=var/bench/search-80000 .venv/bin/python bench/keyword_ids.py [--ids 90] [--queries 200]

Reads the site's tantivy index under ``PAPERFEED_DATA_DIR`` (bench/web_search.py and bench/scale.py
build them at 80k and 1M papers). Hybrid search scores the vector side's finds by BM25
(``TantivyKeywordIndex.score``); this times that call for three-word title queries and ``--ids``
random paper ids, restricted to the ids by one term query per id (``ID_TERMS_MAX`` and below, as
it runs) and by tantivy's term-set query, alternating in one process, and checks that both give
the same scores. CPU milliseconds per call.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from paperfeed.catalog.models import Paper  # noqa: E402
from paperfeed.search.keyword import tantivy as tantivy_index  # noqa: E402


def timed(index: tantivy_index.TantivyKeywordIndex, work: list[tuple[str, list[int]]],
          terms_max: int) -> tuple[float, list[dict[int, float]]]:
    """CPU ms per ``score`` call with ``ID_TERMS_MAX = terms_max``, and the scores."""
    tantivy_index.ID_TERMS_MAX = terms_max
    started = time.process_time()
    scores = [index.score(query, ids) for query, ids in work]
    return (time.process_time() - started) / len(work) * 1000, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=90, help="Paper ids per call (default 90).")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    index = tantivy_index.TantivyKeywordIndex(path=settings.DATA_DIR / "search-tantivy")
    rng = random.Random(2)
    titles = list(Paper.objects.values_list("title", flat=True)[:3000])
    top = Paper.objects.order_by("-id").values_list("id", flat=True).first() or 1
    work = [(" ".join(rng.choice(titles).split()[:3]), [rng.randrange(1, top + 1) for _ in range(args.ids)])
            for _ in range(args.queries)]
    lookups_max, term_set = max(args.ids, tantivy_index.ID_TERMS_MAX), 0
    timed(index, work, lookups_max), timed(index, work, term_set)  # warm both paths
    for _ in range(2):
        (by_lookups, a), (by_term_set, b) = timed(index, work, lookups_max), timed(index, work, term_set)
        print(f"{top:,} papers, {args.ids} ids: lookups {by_lookups:.2f} ms, term set {by_term_set:.2f} ms"
              f" per score(); same scores: {a == b}")


if __name__ == "__main__":
    main()
