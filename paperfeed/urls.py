"""Top-level URL map: each app owns its own ``urls.py``."""

from django.contrib import admin
from django.urls import include, path

from paperfeed.api import markdown
from paperfeed.community import profile_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("paperfeed.api.urls")),
    # Before catalog, whose papers/<path:arxiv_id> would take the ".md" as part of the id.
    path("papers/<path:arxiv_id>.md", markdown.paper_markdown, name="paper_markdown"),
    # The profile lists votes, collections and submissions: a community page under /accounts/.
    path("accounts/profile/", profile_views.profile, name="profile"),
    path("accounts/", include("paperfeed.accounts.urls")),
    path("", include("paperfeed.community.urls")),
    # Before catalog: its papers/<path:arxiv_id> route matches any path under /papers/.
    path("", include("paperfeed.discussions.urls")),
    path("", include("paperfeed.follows.urls")),
    path("", include("paperfeed.personal.urls")),
    path("", include("paperfeed.notifications.urls")),
    path("", include("paperfeed.search.urls")),
    path("", include("paperfeed.digests.urls")),
    path("", include("paperfeed.jobs.urls")),
    path("", include("paperfeed.catalog.urls")),
]
