"""Account state beside Django's user: confirmation and bans."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """Per-account state: when the address was confirmed; a banned account's votes stop counting."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    banned = models.BooleanField(default=False, db_index=True)
    banned_at = models.DateTimeField(null=True, blank=True)
    ban_reason = models.TextField(blank=True, default="")
    email_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "community_profile"  # the table predates the accounts app; no data moved

    def __str__(self) -> str:
        return f"profile of {self.user}"
