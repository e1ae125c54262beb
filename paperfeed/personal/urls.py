"""Personal URLs: /for-you, its settings and actions, saved searches, the private feeds."""

from django.urls import path

from . import feeds, views

app_name = "personal"

urlpatterns = [
    path("for-you", views.for_you, name="for_you"),
    path("for-you/interests", views.interests, name="interests"),
    path("for-you/searches", views.saved_searches, name="searches"),
    path("for-you/searches/<int:pk>/delete", views.delete_search, name="delete_search"),
    path("for-you/feed-url", views.feed_url, name="feed_url"),
    path("for-you/not-interested", views.not_interested, name="not_interested"),
    path("for-you/read", views.mark_read, name="read"),
    path("for-you/hide-seen", views.hide_seen, name="hide_seen"),
    path("for-you/drop", views.drop_reason, name="drop"),
    path("for-you/notes/<path:arxiv_id>", views.note, name="note"),
    path("feeds/me/<str:token>.rss", feeds.ForYouFeed(), name="feed_rss"),
    path("feeds/me/<str:token>.atom", feeds.ForYouAtom(), name="feed_atom"),
    path("feeds/me/<str:token>/searches/<int:pk>.rss", feeds.SavedSearchFeed(), name="search_feed"),
]
