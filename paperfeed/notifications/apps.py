from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Notifications: see the package docstring."""

    name = "paperfeed.notifications"
    default_auto_field = "django.db.models.BigAutoField"
