"""Top-level URL map: each app owns its own ``urls.py``."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("paperfeed.api.urls")),
    path("accounts/", include("paperfeed.community.account_urls")),
    path("", include("paperfeed.community.urls")),
    path("", include("paperfeed.search.urls")),
    path("", include("paperfeed.digests.urls")),
    path("", include("paperfeed.jobs.urls")),
    path("", include("paperfeed.catalog.urls")),
]
