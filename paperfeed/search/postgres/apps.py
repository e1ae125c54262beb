from django.apps import AppConfig


class SearchPgConfig(AppConfig):
    name = "paperfeed.search.postgres"
    label = "search_pg"
    verbose_name = "Search (PostgreSQL)"
