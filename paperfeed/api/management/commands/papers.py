"""``paperfeed papers``: read the daily papers, trending, search and one paper from a terminal.

Reads this site's database by default, or another paperfeed with ``--server URL`` (its API).
``--json`` prints the API's own JSON; ``show --md`` prints a paper as /papers/{id}.md serves it.
"""

from __future__ import annotations

import argparse
import json
import shutil
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.api import terminal
from paperfeed.api.reading import LocalSource, ReadError, RemoteSource, Source

PERIODS = {"today": "day", "week": "week", "month": "month"}


class Command(BaseCommand):
    help = "Read papers: today, week, month, trending, search QUERY, show ID (local database or --server URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        # --server and --token are accepted after any subcommand (``papers today --server URL``).
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--server", default="", help="Read another paperfeed over its API (a base URL).")
        common.add_argument("--token", default="", help="A personal access token for --server (optional).")
        common.add_argument("--json", action="store_true", help="Print the API's JSON.")
        sub = parser.add_subparsers(dest="what", required=True)
        for name in (*PERIODS, "trending"):
            listing = sub.add_parser(name, parents=[common], help=f"The {name} papers.")
            listing.add_argument("--limit", type=int, default=30, help="At most this many, 1 to 100 (default 30).")
        search = sub.add_parser("search", parents=[common], help="Hybrid search.")
        search.add_argument("query")
        search.add_argument("--category", default="", help="e.g. cs.LG")
        search.add_argument("--from", dest="date_from", default="", help="Submitted on or after YYYY-MM-DD.")
        search.add_argument("--to", dest="date_to", default="", help="Submitted on or before YYYY-MM-DD.")
        search.add_argument("--code", action="store_true", help="Only papers with code.")
        search.add_argument("--sort", choices=["relevance", "date", "votes"], default="relevance")
        search.add_argument("--limit", type=int, default=20, help="At most this many results, 1 to 100.")
        show = sub.add_parser("show", parents=[common], help="One paper.")
        show.add_argument("id", help="arXiv id, e.g. 2406.07550")
        show.add_argument("--md", action="store_true", help="Print it as Markdown.")

    def handle(self, *args: Any, **options: Any) -> None:
        server = options["server"]
        source: Source = RemoteSource(server, token=options["token"]) if server else LocalSource()
        width = min(shutil.get_terminal_size((100, 24)).columns, 120)
        if options.get("limit") is not None and not 1 <= options["limit"] <= 100:
            raise CommandError("--limit must be between 1 and 100.")
        try:
            data, text = self._read(source, options, width)
        except ReadError as exc:
            raise CommandError(str(exc)) from None
        if options.get("json") and not options.get("md"):
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(text)

    def _read(self, source: Source, options: dict[str, Any], width: int) -> tuple[Any, str]:
        what = options["what"]
        if what in PERIODS:
            label, items = source.period(PERIODS[what], options["limit"])
            return items, terminal.daily_list(f"Papers of {label or what}", items, width=width)
        if what == "trending":
            items = source.trending(options["limit"])
            return items, terminal.daily_list("Trending this week", items, width=width)
        if what == "search":
            filters = {key: value for key, value in (
                ("category", options["category"]), ("from", options["date_from"]), ("to", options["date_to"]),
                ("code", "true" if options["code"] else ""), ("sort", options["sort"]),
            ) if value}
            hits = source.search(options["query"], filters, options["limit"])
            return hits, terminal.search_list(options["query"], hits, width=width)
        if options["md"]:
            text = source.markdown(options["id"])
            return text, text
        paper = source.paper(options["id"])
        return paper, terminal.paper_text(paper, width=width)
