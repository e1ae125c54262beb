from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "paperfeed.search"
    label = "search"

    def ready(self) -> None:
        # Imported here, the one place Django allows: these modules import models, which do not
        # exist before the app registry is ready.
        from .keyword.fts5 import ensure_fts
        from .receivers import connect

        post_migrate.connect(ensure_fts, dispatch_uid="paperfeed.search.ensure_fts")
        connect()
