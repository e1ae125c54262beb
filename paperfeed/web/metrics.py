"""Where gunicorn workers keep their Prometheus metrics, so that a scrape adds them up.

prometheus_client's multiprocess mode: each worker writes its counters and histograms to files
under ``PROMETHEUS_MULTIPROC_DIR``, read at the time of the variable's first import, so
``paperfeed serve`` sets it before any worker starts (and empties it: stale files of a previous
run would add old counts). The endpoint itself is paperfeed/jobs/metrics.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def fresh_multiproc_dir(data_dir: Path) -> str:
    """Empty ``DATA_DIR/prometheus`` and return it (``paperfeed serve``, before it starts gunicorn)."""
    path = Path(data_dir) / "prometheus"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return str(path)


def multiproc_dir() -> str:
    """The multiprocess directory of this process ('' when metrics are this process's own)."""
    return os.environ.get(VARIABLE, "")
