from django.apps import AppConfig


class PersonalConfig(AppConfig):
    """Personal: see the package docstring."""

    name = "paperfeed.personal"
    default_auto_field = "django.db.models.BigAutoField"
