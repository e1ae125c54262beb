from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    """Discussions: see the package docstring."""

    name = "paperfeed.discussions"
    default_auto_field = "django.db.models.BigAutoField"
