"""Community URLs: voting, trending, submissions, collections, feeds."""

from django.urls import path

from . import feeds, views

app_name = "community"

urlpatterns = [
    path("papers/<path:arxiv_id>/vote", views.vote, name="vote"),
    path("trending", views.trending, name="trending"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("submit", views.submit, name="submit"),
    path("collections/", views.collections, name="collections"),
    path("collections/add", views.collection_add, name="collection_add_any"),
    path("collections/<int:pk>/", views.collection_detail, name="collection"),
    path("collections/<int:pk>/edit", views.collection_edit, name="collection_edit"),
    path("collections/<int:pk>/delete", views.collection_delete, name="collection_delete"),
    path("collections/<int:pk>/add", views.collection_add, name="collection_add"),
    path("collections/<int:pk>/remove", views.collection_remove, name="collection_remove"),
    path("collections/<int:pk>/import", views.collection_import, name="collection_import"),
    path("collections/<int:pk>/export.bib", views.collection_bibtex, name="collection_bibtex"),
    path("collections/<int:pk>/export.json", views.collection_json, name="collection_json"),
    path("feeds/daily.rss", feeds.DailyFeed(), name="feed_daily_rss"),
    path("feeds/daily.atom", feeds.DailyAtomFeed(), name="feed_daily_atom"),
    path("feeds/trending.rss", feeds.TrendingFeed(), name="feed_trending_rss"),
    path("feeds/trending.atom", feeds.TrendingAtomFeed(), name="feed_trending_atom"),
    path("feeds/search.rss", feeds.SearchFeed(), name="feed_search_rss"),
    path("feeds/search.atom", feeds.SearchAtomFeed(), name="feed_search_atom"),
    path("feeds/collections/<int:pk>.rss", feeds.CollectionFeed(), name="feed_collection_rss"),
]
