"""Screenshots of the demo's main pages at desktop and phone width (``make screenshots``).

Sets up the demo catalogue in a throw-away data folder (or ``--data-dir``), starts ``paperfeed serve``
on a free loopback port, saves ``<page>-desktop.png`` and ``<page>-phone.png`` for each page with
Debian's chromium through Playwright, then stops the server. Offline: no harvest, no model download.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAPERFEED = REPO / ".venv" / "bin" / "paperfeed"
CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
# (file name, path or a callable finding it on the live site, what the tour says)
PAGES = [
    ("daily", "/", "Today's papers"),
    ("trending-week", "/trending?window=week", "Trending this week"),
    ("trending-month", "/trending?window=month", "Trending this month"),
    ("search", "/search?q=world+model+-video", "Search with an exclusion"),
    ("paper", None, "A paper page"),
    ("submit", "/accounts/login/?next=/submit", "Log in (to submit a paper)"),
    ("not-found", "/papers/2612.99999", "A paper that is not here yet"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(env: dict[str, str], *args: str) -> None:
    print("+ paperfeed", " ".join(args), flush=True)
    subprocess.run([str(PAPERFEED), *args], env=env, check=True, cwd=REPO)


@contextlib.contextmanager
def demo_server(data_dir: Path, port: int) -> Iterator[str]:
    """Set up the demo in ``data_dir`` and serve it on ``port``; yields the base URL."""
    env = {**os.environ, "PAPERFEED_DATA_DIR": str(data_dir), "PAPERFEED_HARVEST_ENABLED": "0",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    _run(env, "migrate", "--noinput", "-v", "0")
    _run(env, "demo_setup")
    _run(env, "embed")  # the bundled demo embeddings: semantic search without running the model
    server = subprocess.Popen([str(PAPERFEED), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                              env=env, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            if server.poll() is not None:
                sys.exit(f"the server stopped (exit {server.returncode})")
            time.sleep(0.5)
        else:
            sys.exit("the server did not answer /healthz within 60 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _paper_path(page, base: str) -> str:
    page.goto(f"{base}/trending?window=month")
    return page.locator("ol.pf-trending h2 a").first.get_attribute("href")


def shoot(base: str, out: Path) -> list[Path]:
    """Save each page at desktop and phone width into ``out``; return the files."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        for width, options in (("desktop", DESKTOP), ("phone", PHONE)):
            context = browser.new_context(**options, color_scheme="light")
            page = context.new_page()
            for name, path, _title in PAGES:
                page.goto(base + (path or _paper_path(page, base)))
                page.wait_for_load_state("networkidle")
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target))
                saved.append(target)
                print(f"saved {target.relative_to(REPO) if target.is_relative_to(REPO) else target}", flush=True)
            context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots", help="Folder for the PNG files.")
    parser.add_argument("--data-dir", type=Path, default=None, help="Demo data folder (default: a temporary one).")
    parser.add_argument("--port", type=int, default=0, help="Port to serve on (default: a free one).")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        data_dir = args.data_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="paperfeed-shots-")))
        base = stack.enter_context(demo_server(data_dir, args.port or _free_port()))
        files = shoot(base, args.out.resolve())
    print(f"{len(files)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
