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


class PersonalAccessToken(models.Model):
    """An API token of one account: only the SHA-256 of its secret is stored, with its scope and last use."""

    class Scope(models.TextChoices):
        READ = "read", "read"
        WRITE = "write", "read and write"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=16, help_text="The first characters of the token, to recognise it.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the whole token (hex).")
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.scope}) of {self.user}"
