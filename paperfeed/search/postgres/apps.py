from django.apps import AppConfig

from .receivers import connect


class SearchPgConfig(AppConfig):
    name = "paperfeed.search.postgres"
    label = "search_pg"
    verbose_name = "Search (PostgreSQL)"

    def ready(self) -> None:
        connect()
