"""Notifications: replies, mentions and activity on papers a reader follows; in-site and batched email."""
from django.apps import AppConfig

from paperfeed.discussions.signals import comment_posted


class NotificationsConfig(AppConfig):
    """Notifications: see the package docstring."""

    name = "paperfeed.notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, the one place Django allows: receivers import models, which do not exist
        # before the app registry is ready.
        from .receivers import on_comment_posted

        comment_posted.connect(on_comment_posted, dispatch_uid="notifications.comment_posted")
