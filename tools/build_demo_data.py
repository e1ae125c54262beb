"""Build the bundled demo catalogue, paperfeed/catalog/data/demo_papers.jsonl.gz.

Selects the real papers listed on the last listing days (up to 2026-07-01) of
../shared/data/arxiv_abstracts (arXiv metadata, CC0), keeps their listing dates, and adds the
Hugging Face upvote count, GitHub link and pick (who submitted it to HF's daily list, and when)
for papers that also appear in ../shared/data/hf_daily_papers (only those values are copied). A few hand-made records
exercise the edge cases pages must survive (markup in abstracts, LaTeX in titles, an old-style id).

Run: .venv/bin/python tools/build_demo_data.py [--shared ../shared/data] [--days 14]
The output is our own JSON-lines format (arXiv API records plus ``listing_date``, ``upvotes``,
``upvotes_source``, ``github_repo``, ``picked_at`` and ``picked_by``), which ``paperfeed ingest`` reads.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "paperfeed" / "catalog" / "data" / "demo_papers.jsonl.gz"
KEEP = ("id", "title", "summary", "authors", "categories", "comment")

HAND_MADE = [
    {
        "id": "2606.99901",
        "title": "Demo fixture: an abstract with <script>alert(1)</script> & other markup",
        "summary": (
            "This hand-made demo record checks escaping. The abstract contains a script tag "
            "<script>alert(1)</script>, an ampersand & an entity &amp; a stray <b>bold</b> tag, "
            "a comparison a < b > c, and inline math $\\alpha + \\beta = \\gamma$."
        ),
        "authors": ["Paperfeed Demo", "Ada Lovelace"],
        "categories": ["cs.CL"],
        "comment": "Hand-made demo record, not a real arXiv paper. Code: https://github.com/example/demo-fixture.",
        "listing_date": "2026-07-01",
    },
    {
        "id": "2606.99902",
        "title": "Demo fixture: $\\alpha$-Divergences and $\\mathcal{O}(n \\log n)$ Attention",
        "summary": (
            "This hand-made demo record has LaTeX math in its title and abstract: "
            "$\\alpha$, $$\\sum_{i=1}^{n} x_i^2$$ and \\(\\frac{a}{b}\\). It is not a real arXiv paper."
        ),
        "authors": ["Paperfeed Demo", "Émilie du Châtelet"],
        "categories": ["cs.LG", "stat.ML"],
        "comment": None,
        "listing_date": "2026-07-01",
    },
    {
        "id": "hep-th/9901001",
        "title": "Demo fixture: an old-style arXiv identifier",
        "summary": (
            "This hand-made demo record uses an old-style arXiv id (archive/YYMMNNN). "
            "Its metadata is invented for the demo; follow the arXiv link for the real paper."
        ),
        "authors": ["Paperfeed Demo"],
        "categories": ["hep-th"],
        "comment": None,
        "listing_date": "1999-01-04",
    },
]


def listing_dates(manifest: Path) -> dict[str, str]:
    """Map arXiv id -> listing date from the arxiv_abstracts manifest."""
    with gzip.open(manifest, "rt", encoding="utf-8") as fh:
        return {row["id"]: row["listing_date"] for row in csv.DictReader(fh, delimiter="\t")}


def hf_signal(folder: Path) -> dict[str, dict]:
    """Map arXiv id -> {"upvotes": max seen, "github_repo": url|None, "picked_at", "picked_by"} from HF daily papers.

    The pick is the first day the paper was on a list: ``submittedOnDailyAt`` or that day's midnight,
    and the submitter's user name (``submittedOnDailyBy.user`` or the entry's ``submittedBy.name``).
    """
    signal: dict[str, dict] = {}
    for path in sorted(folder.glob("daily_papers_*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                day = json.loads(line)
                entries = day["papers"]["data"] if isinstance(day["papers"], dict) else day["papers"]
                for entry in entries:
                    paper = entry.get("paper") if isinstance(entry, dict) else None
                    if not isinstance(paper, dict) or not isinstance(paper.get("id"), str):
                        continue
                    got = signal.setdefault(paper["id"], {"upvotes": 0, "github_repo": None})
                    if "picked_at" not in got:
                        got["picked_at"] = _pick_time(paper, day["date"])
                        got["picked_by"] = _submitter(entry)
                    if isinstance(paper.get("upvotes"), int):
                        got["upvotes"] = max(got["upvotes"], paper["upvotes"])
                    if isinstance(paper.get("githubRepo"), str) and paper["githubRepo"].startswith("https://"):
                        got["github_repo"] = paper["githubRepo"]
    return signal


def _pick_time(paper: dict, day: str) -> str:
    at = paper.get("submittedOnDailyAt")
    return at if isinstance(at, str) and at.startswith(day) else f"{day}T00:00:00.000Z"


def _submitter(entry: dict) -> str:
    for user, keys in ((entry["paper"].get("submittedOnDailyBy"), ("user", "name")), (entry.get("submittedBy"), ("name", "user"))):
        if isinstance(user, dict):
            for key in keys:
                if isinstance(user.get(key), str) and user[key]:
                    return user[key]
    return ""


def main(argv: list[str] | None = None) -> None:
    """Build the demo file from the shared data (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--days", type=int, default=14, help="how many of the last listing days to keep")
    parser.add_argument("--until", default="2026-07-01", help="last listing day (inclusive)")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (default: the bundled file)")
    args = parser.parse_args(argv)
    abstracts = args.shared / "arxiv_abstracts"
    dates = listing_dates(abstracts / "manifest.tsv.gz")
    days = sorted({d for d in dates.values() if d <= args.until})[-args.days :]
    wanted = {i for i, d in dates.items() if d in days}
    signal = hf_signal(args.shared / "hf_daily_papers")
    records = []
    for shard in sorted(abstracts.glob("arxiv_api_records_*.jsonl.gz")):
        with gzip.open(shard, "rt", encoding="utf-8") as fh:
            for line in fh:
                raw = json.loads(line)
                if raw["id"] not in wanted:
                    continue
                rec = {k: raw.get(k) for k in KEEP}
                rec["listing_date"] = dates[raw["id"]]
                hf = signal.get(raw["id"])
                if hf:
                    rec["upvotes"] = hf["upvotes"]
                    rec["upvotes_source"] = "hf"
                    if hf["github_repo"]:
                        rec["github_repo"] = hf["github_repo"]
                    rec["picked_at"] = hf["picked_at"]
                    if hf["picked_by"]:
                        rec["picked_by"] = hf["picked_by"]
                records.append(rec)
    records.sort(key=lambda r: (r["listing_date"], r["id"]))
    records.extend(HAND_MADE)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
        for rec in records:
            gz.write(json.dumps(rec, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
    args.out.write_bytes(buf.getvalue())
    with_votes = sum(1 for r in records if r.get("upvotes"))
    print(f"{args.out}: {len(records)} papers, days {days[0]}..{days[-1]}, {with_votes} with HF upvotes, "
          f"{len(buf.getvalue()) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
