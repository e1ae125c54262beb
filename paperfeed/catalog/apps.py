from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "paperfeed.catalog"
    label = "catalog"
