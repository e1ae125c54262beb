"""Recall and cost of the saved vector graph by search effort (ef), against the exact index.

    PAPERFEED_DATA_DIR=var/bench/search-80000 .venv/bin/python bench/vector_ef.py [--queries 200]

Runs over the catalogue of ``PAPERFEED_DATA_DIR`` (bench/web_search.py builds an 80k one), whose
graph it saves first if due (``services.sync_vector_graph``). Queries are the first four words of
random real titles, embedded by the query model; truth is ``LiveVectorIndex(exact=True)``. Prints
recall@10 of the graph's top 100 and milliseconds per search for each ef, and the exact index's
time, next to the ef that ``vectorgraph.expansion_for`` picks for this size.
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

import django  # noqa: E402

django.setup()

from paperfeed.catalog.models import Paper  # noqa: E402
from paperfeed.search.embedding import get_query_embedder  # noqa: E402
from paperfeed.search.services import sync_vector_graph  # noqa: E402
from paperfeed.search.vectorgraph import expansion_for, graph_path, read_meta  # noqa: E402
from paperfeed.search.vectors import LiveVectorIndex, UsearchIndex  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ef", default="64,128,256,384,512,768,1024,2048")
    args = parser.parse_args()
    print(f"graph: {sync_vector_graph(start=True) or 'up to date'}")
    embedder = get_query_embedder()
    meta = read_meta(embedder.name)
    if not meta:
        raise SystemExit("no saved graph: the catalogue is below ANN_THRESHOLD")
    exact = LiveVectorIndex(embedder.name, exact=True)
    exact.refresh(force=True)
    titles = list(Paper.objects.values_list("title", flat=True)[:5000])
    queries = [" ".join(t.split()[:4]) for t in random.Random(3).sample(titles, args.queries)]
    vectors = embedder.embed(queries)
    started = time.perf_counter()
    truth = [set(exact.search(v, 10)[0].tolist()) for v in vectors]
    print(f"exact index: {(time.perf_counter() - started) / len(vectors) * 1000:.2f} ms per top 10")
    graph = UsearchIndex(int(meta["dim"]))
    graph._index.view(str(graph_path(embedder.name)))
    print(f"{len(graph):,} vectors; expansion_for picks ef {expansion_for(len(graph))}")
    for ef in (int(x) for x in args.ef.split(",")):
        graph._index.expansion_search = ef
        started, found = time.perf_counter(), 0.0
        for vector, want in zip(vectors, truth):
            ids, _ = graph.search(vector, 100)
            found += len(set(ids[:10].tolist()) & want) / 10
        print(f"ef {ef:>5}: recall@10 {found / len(vectors):.3f}, "
              f"{(time.perf_counter() - started) / len(vectors) * 1000:.2f} ms per top 100")


if __name__ == "__main__":
    main()
