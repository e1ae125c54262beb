"""Plain-text renderings of the API's JSON shapes for `paperfeed papers` (no Django, no I/O)."""

from __future__ import annotations

import textwrap
from typing import Any

Json = dict[str, Any]
MAX_AUTHORS = 4


def _authors(authors: list[Json]) -> str:
    names = [a.get("name", "") for a in authors]
    shown = ", ".join(names[:MAX_AUTHORS])
    return shown + (f" and {len(names) - MAX_AUTHORS} more" if len(names) > MAX_AUTHORS else "")


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def paper_lines(rank: int, paper: Json, *, width: int, score: float | None = None, reason: str = "") -> list[str]:
    """One paper of a list: rank, votes, title (wrapped), then id, authors and code on an indented line."""
    head = f"{rank:>3}. ▲{paper.get('upvotes', 0):>4}  "
    indent = " " * len(head)
    title = textwrap.wrap(_one_line(paper.get("title", "")), width=max(width - len(head), 20)) or [""]
    lines = [head + title[0], *(indent + line for line in title[1:])]
    meta = [paper.get("id", ""), _authors(paper.get("authors", []))]
    lines += textwrap.wrap(" · ".join(m for m in meta if m), width=max(width, 40),
                           initial_indent=indent, subsequent_indent=indent)
    # The code link and the score get lines of their own: a wrap must never split "repo ★stars".
    if paper.get("githubRepo"):
        stars = paper.get("githubStars")
        lines.append(indent + paper["githubRepo"].removeprefix("https://") + (f" ★{stars}" if stars is not None else ""))
    if score is not None:
        lines.append(indent + f"score {score:.2f}" + (f" ({reason})" if reason else ""))
    return lines


def daily_list(title: str, items: list[Json], *, width: int = 100) -> str:
    """A daily, weekly, monthly or trending list as text."""
    if not items:
        return f"{title}: no papers."
    lines = [f"{title} · {len(items)} paper{'s' if len(items) != 1 else ''}", ""]
    for rank, item in enumerate(items, 1):
        lines += paper_lines(rank, item["paper"], width=width, score=item.get("trendingScore"),
                             reason=item.get("trendingReason") or "")
        lines.append("")
    return "\n".join(lines).rstrip()


def search_list(query: str, hits: list[Json], *, width: int = 100) -> str:
    """Search results as text."""
    if not hits:
        return f"No papers match {query!r}."
    lines = [f"Search {query!r} · {len(hits)} result{'s' if len(hits) != 1 else ''}", ""]
    for rank, hit in enumerate(hits, 1):
        lines += paper_lines(rank, hit["paper"], width=width)
        lines.append("")
    return "\n".join(lines).rstrip()


def paper_text(paper: Json, *, width: int = 100) -> str:
    """One paper in full, as text: title, authors, dates, links, then the abstract."""
    lines = textwrap.wrap(_one_line(paper.get("title", "")), width=width)
    lines.append("=" * min(width, max(len(line) for line in lines or [""])))
    lines += textwrap.wrap(", ".join(a.get("name", "") for a in paper.get("authors", [])), width=width)
    lines.append("")
    for label, key in (("arXiv", "id"), ("Published", "publishedAt"), ("Upvotes", "upvotes"),
                       ("Categories", "categories"), ("Code", "githubRepo"), ("Project", "projectPage"),
                       ("DOI", "doi"), ("Journal", "journalRef"), ("Comment", "comment")):
        value = paper.get(key)
        if value in (None, "", []):
            continue
        if key == "id":
            value = f"{value}  https://arxiv.org/abs/{value}"
        elif key == "publishedAt":
            value = str(value)[:10]
        elif key == "categories":
            value = ", ".join(value)
        lines.append(f"{label + ':':<12}{value}")
    lines.append("")
    for paragraph in (paper.get("summary") or "").split("\n\n"):
        lines += textwrap.wrap(_one_line(paragraph), width=width) + [""]
    return "\n".join(lines).rstrip() + "\n"
