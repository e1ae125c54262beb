"""Personal data: chosen interests, dropped reasons, "not interested", read marks, notes, saved searches, the private feed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from paperfeed.catalog.models import Paper


class FeedProfile(models.Model):
    """One reader's For-you settings: cold-start interests, dropped reasons, hiding, the private feed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_profile")
    categories = models.JSONField(default=list, blank=True, help_text="Chosen categories, e.g. cs.CL or cs.")
    topics = models.JSONField(default=list, blank=True, help_text="Free-text topics.")
    seed_papers = models.ManyToManyField(Paper, blank=True, related_name="+", help_text="Pasted papers they liked.")
    dropped = models.JSONField(default=list, blank=True, help_text="Reason keys the reader dropped.")
    hide_seen = models.BooleanField(default=False, help_text="Hide papers marked read on every list page.")
    # The private feed: only a SHA-256 of its secret is kept; the URL is shown once when made.
    feed_token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    feed_created_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"feed profile of {self.user}"


class NotInterested(models.Model):
    """A paper, an author (by key) or a topic the reader never wants in their feed."""

    class Kind(models.TextChoices):
        PAPER = "paper", "paper"
        AUTHOR = "author", "author"
        TOPIC = "topic", "topic"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="not_interested")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=300, help_text="Paper id, author key or topic text.")
    label = models.CharField(max_length=300, blank=True, default="", help_text="What the reader saw (a name, a title).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "value"], name="notinterested_unique")]
        ordering = ["-created_at", "-id"]


class ReadMark(models.Model):
    """A paper the reader marked as read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_marks")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="readmark_unique")]


class Note(models.Model):
    """A private note on a paper: only its author ever sees it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_notes")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=10_000)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="note_unique")]


class SavedSearch(models.Model):
    """A search with its filters, kept as an alert: papers arriving after ``created_at`` that match are new."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=120)
    params = models.JSONField(default=dict, help_text="The search page's parameters: q, category, from, to, code.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="savedsearch_unique_name")]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
