from django.apps import AppConfig


class PersonalConfig(AppConfig):
    """Personal: see the package docstring."""

    name = "paperfeed.personal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, the one place Django allows: receivers import models.
        from .receivers import connect

        connect()
