from django.apps import AppConfig


class FollowsConfig(AppConfig):
    """Follows: see the package docstring."""

    name = "paperfeed.follows"
    default_auto_field = "django.db.models.BigAutoField"
