"""RSS and Atom feeds (django.contrib.syndication): daily, trending, search, public collections.

Titles are plain text (XML-escaped once); descriptions are HTML in RSS, so the abstract is
HTML-escaped before it goes in: a title or abstract holding ``<img onerror=…>`` reaches a feed
reader as text, never as markup.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from paperfeed.catalog.models import Paper

from . import collections as coll
from . import services

FEED_LIMIT = 50


class _PaperFeed(Feed):
    """Common item rendering for feeds of papers."""

    feed_type = Rss201rev2Feed

    def item_title(self, paper: Paper) -> str:
        return " ".join(paper.title.split())

    def item_description(self, paper: Paper) -> str:
        authors = ", ".join(paper.authors or [])
        return f"<p>{escape(authors)}</p><p>{escape(paper.abstract)}</p>"

    def item_link(self, paper: Paper) -> str:
        return paper.get_absolute_url()

    def item_guid(self, paper: Paper) -> str:
        return f"{settings.SITE_URL}{paper.get_absolute_url()}"

    item_guid_is_permalink = True

    def item_author_name(self, paper: Paper) -> str:
        authors = list(paper.authors or [])
        return ", ".join(authors[:5]) + (" et al." if len(authors) > 5 else "")

    def item_pubdate(self, paper: Paper) -> dt.datetime | None:
        if paper.listing_date:
            return dt.datetime.combine(paper.listing_date, dt.time(0), tzinfo=dt.UTC)
        return paper.submitted_at

    def item_updateddate(self, paper: Paper) -> dt.datetime | None:
        return paper.updated_at or self.item_pubdate(paper)

    def item_categories(self, paper: Paper) -> list[str]:
        return list(paper.categories or [])


class DailyFeed(_PaperFeed):
    """The latest daily page."""

    link = "/"

    def title(self) -> str:
        return f"{settings.SITE_NAME}: daily papers"

    def description(self) -> str:
        return "Papers on the latest daily page, most upvoted first."

    def items(self) -> list[Paper]:
        return services.daily_feed_papers(limit=FEED_LIMIT * 2)[1]


class DailyAtomFeed(DailyFeed):
    feed_type = Atom1Feed
    subtitle = DailyFeed.description


class TrendingFeed(_PaperFeed):
    """The trending list (window from ``?window=day|week|month``, default week)."""

    def get_object(self, request, *args, **kwargs) -> str:
        window = request.GET.get("window", "week")
        return window if window in ("day", "week", "month") else "week"

    def title(self, window: str) -> str:
        return f"{settings.SITE_NAME}: trending papers ({window})"

    def link(self, window: str) -> str:
        return f"/trending?window={window}"

    def description(self, window: str) -> str:
        return f"Papers trending over the last {window}, by time-decayed upvotes."

    def items(self, window: str) -> list[Paper]:
        papers = []
        for paper, _, why in services.trending_papers(window=window, limit=FEED_LIMIT):
            paper.trending_reason = why  # per-request objects: no state on the shared Feed instance
            papers.append(paper)
        return papers

    def item_description(self, paper: Paper) -> str:
        why = getattr(paper, "trending_reason", "")
        return f"<p><em>{escape(why)}</em></p>" + super().item_description(paper)


class TrendingAtomFeed(TrendingFeed):
    feed_type = Atom1Feed

    def subtitle(self, window: str) -> str:
        return self.description(window)


class SearchFeed(_PaperFeed):
    """Any search query: ``/feeds/search.rss?q=…``."""

    def get_object(self, request, *args, **kwargs) -> str:
        query = " ".join(request.GET.get("q", "").split())[:500]
        if not query:
            raise Http404("Add a query: /feeds/search.rss?q=diffusion")
        return query

    def title(self, query: str) -> str:
        return f"{settings.SITE_NAME}: search “{query}”"

    def link(self, query: str) -> str:
        return "/search?" + urlencode({"q": query})

    def description(self, query: str) -> str:
        return f"Papers matching “{query}”."

    def items(self, query: str) -> list[Paper]:
        return services.search_feed_papers(query=query, limit=FEED_LIMIT)


class SearchAtomFeed(SearchFeed):
    feed_type = Atom1Feed

    def subtitle(self, query: str) -> str:
        return self.description(query)


class CollectionFeed(_PaperFeed):
    """A public collection: ``/feeds/collections/<id>.rss``."""

    def get_object(self, request, pk: int, *args, **kwargs):
        collection = coll.visible_collection(pk, None)  # feeds are anonymous: public collections only
        return collection

    def title(self, collection) -> str:
        return f"{settings.SITE_NAME}: {collection.name}"

    def link(self, collection) -> str:
        return collection.get_absolute_url()

    def description(self, collection) -> str:
        return collection.description or f"Papers collected by {collection.owner.get_username()}."

    def items(self, collection) -> list[Paper]:
        return coll.collection_papers(collection)[:FEED_LIMIT * 4]

    def item_pubdate(self, paper: Paper) -> dt.datetime | None:
        # When it was added: a paper added today is news to the feed's reader, whatever its listing date.
        return paper.added_at

    def item_updateddate(self, paper: Paper) -> dt.datetime | None:
        return paper.added_at
