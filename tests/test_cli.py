"""The ``paperfeed`` command: no progress bars when its output is no terminal (a log, a pipe, the journal)."""

from __future__ import annotations

import subprocess
import sys

from tests.deploy.server import environment

BAR = "from tqdm import tqdm; [x for x in tqdm(range(3), desc='bar')]; print('done')"


def test_no_progress_bar_in_a_log(tmp_path):
    env = environment(tmp_path)
    env.pop("TQDM_DISABLE", None)
    done = subprocess.run([sys.executable, "-m", "paperfeed.cli", "shell", "-c", BAR], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("done") and "bar" not in done.stderr and "100%" not in done.stderr

