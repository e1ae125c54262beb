"""The private feeds: For you and each saved search, at a secret revocable URL (a revoked secret gives 404)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from paperfeed.catalog.models import Paper

from . import services
from .models import SavedSearch

FEED_LIMIT = 50


class _Private(Feed):
    """Common rendering; ``get_object`` turns the URL's secret into its user (404 when unknown)."""

    feed_type = Rss201rev2Feed
    item_guid_is_permalink = True

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def _user(self, token: str):
        user = services.user_for_feed_token(token)
        if user is None:
            raise Http404("No such feed.")
        return user

    def link(self) -> str:
        return "/for-you"

    def item_title(self, item) -> str:
        return " ".join(item[0].title.split())

    def item_description(self, item) -> str:
        paper, why = item
        authors = ", ".join(paper.authors or [])
        return f"<p><em>{escape(why)}</em></p><p>{escape(authors)}</p><p>{escape(paper.abstract)}</p>"

    def item_link(self, item) -> str:
        return item[0].get_absolute_url()

    def item_guid(self, item) -> str:
        return f"{settings.SITE_URL}{item[0].get_absolute_url()}"

    def item_pubdate(self, item) -> dt.datetime | None:
        paper: Paper = item[0]
        if paper.listing_date:
            return dt.datetime.combine(paper.listing_date, dt.time(0), tzinfo=dt.UTC)
        return paper.submitted_at


class ForYouFeed(_Private):
    """The reader's For-you list."""

    description = "Papers ranked for you, each with why it is here."

    def get_object(self, request, token: str):
        return self._user(token)

    def title(self, user) -> str:
        return f"{settings.SITE_NAME}: for {user.get_username()}"

    def items(self, user) -> list[tuple[Paper, str]]:
        ranked, _ = services.for_you(user, now=timezone.now(), limit=FEED_LIMIT)
        return [(paper, "; ".join(r.text for r in item.reasons)) for paper, item in ranked]


class ForYouAtom(ForYouFeed):
    feed_type = Atom1Feed
    subtitle = ForYouFeed.description


class SavedSearchFeed(_Private):
    """New matches of one saved search."""

    description = "New papers matching your saved search."

    def get_object(self, request, token: str, pk: int):
        return get_object_or_404(SavedSearch, pk=pk, user=self._user(token))

    def title(self, saved: SavedSearch) -> str:
        return f"{settings.SITE_NAME}: saved search '{saved.name}'"

    def items(self, saved: SavedSearch) -> list[tuple[Paper, str]]:
        why = f"matches your saved search '{saved.name}'"
        return [(paper, why) for paper in services.new_matches(saved, limit=FEED_LIMIT)]
