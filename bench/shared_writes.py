"""How long a request waits to put an entry into the shared search cache: inline, and handed to the writer thread.

    .venv/bin/python bench/shared_writes.py [--writes 3000] [--size 30000] [--every 2]

Writes ``--writes`` entries of ``--size`` bytes (a rendered search page is 25–36 kB), one every
``--every`` ms (a busy worker writes two or three per new search), into a fresh
shared cache as the settings make it (diskcache's SQLite shards, in a temporary folder), first
the way ``shared_set`` wrote them inline, then through ``BackgroundWrites`` as ``paperfeed serve``'s
workers do, and prints the distribution of the time the caller spent per write (wall clock:
the slow writes wait for the disk, not the CPU), plus how long the writer thread then took to
write everything. The slow inline writes are the ones whose commit also checkpointed SQLite's
write-ahead log and synced it to disk.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from paperfeed import settings as configured  # noqa: E402
from paperfeed.search import sharedcache  # noqa: E402


def _timed(writes: int, value: bytes, every: float) -> list[float]:
    spent = []
    for n in range(writes):
        started = time.perf_counter()
        sharedcache.shared_set(f"bench:{n}", value, 60)
        spent.append(time.perf_counter() - started)
        time.sleep(every)
    return sorted(spent)


def _line(label: str, spent: list[float]) -> str:
    def at(share: float) -> float:
        return spent[min(len(spent) - 1, int(share * len(spent)))] * 1000

    slow = sum(1 for s in spent if s > 0.005)
    return (f"{label:<22} p50 {at(0.5):6.3f} ms  p99 {at(0.99):6.2f} ms  p99.9 {at(0.999):6.1f} ms  "
            f"max {spent[-1] * 1000:6.1f} ms  over 5 ms: {slow / len(spent):.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=3000)
    parser.add_argument("--size", type=int, default=30_000, help="Bytes per entry (default 30,000).")
    parser.add_argument("--every", type=float, default=2.0, help="Milliseconds between two writes (default 2).")
    args = parser.parse_args()
    value = os.urandom(args.size // 3) + b"<li>" * (args.size // 6)  # some of it compressible, as HTML is
    for label in ("inline", "writer thread"):
        with tempfile.TemporaryDirectory() as folder:
            settings.CACHES = {**settings.CACHES, "search": {**configured.CACHES["search"], "LOCATION": folder}}
            writer = sharedcache.write_in_background() if label == "writer thread" else None
            spent = _timed(args.writes, value, args.every / 1000)
            if writer is not None:
                writer.flush(600)
            written = sum(1 for n in range(args.writes) if sharedcache.shared_get(f"bench:{n}") is not None)
            print(_line(label, spent) + f"  written {written:,} of {args.writes:,}")


if __name__ == "__main__":
    main()
