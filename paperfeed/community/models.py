"""Community data: votes, bans, submissions, collections and the moderation audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from paperfeed.catalog.models import Paper


class Vote(models.Model):
    """One upvote: one per user and paper; its timestamp feeds trending."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="vote_unique_user_paper")]
        indexes = [
            models.Index(fields=["paper", "created_at"], name="vote_paper_time_idx"),
            # Covers trending's scan of a time window: no table lookups per vote.
            models.Index(fields=["created_at", "paper", "user"], name="vote_time_cover_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ▲ {self.paper.arxiv_id}"


class Submission(models.Model):
    """A user's request to put a paper on the daily page."""

    class Status(models.TextChoices):
        LISTED = "listed", "listed"
        QUEUED = "queued", "not in catalogue yet"
        DUPLICATE = "duplicate", "duplicate"
        REJECTED = "rejected", "rejected"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    raw = models.CharField(max_length=500, help_text="The id or URL as typed.")
    arxiv_id = models.CharField(max_length=64, db_index=True, help_text="Normalised arXiv id, no version.")
    paper = models.ForeignKey(Paper, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions")
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    detail = models.TextField(blank=True, default="", help_text="Why it was rejected, or what happened.")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    listed_on = models.DateField(null=True, blank=True, help_text="Daily page it was put on.")
    previous_listing_date = models.DateField(null=True, blank=True, help_text="Paper's listing date before.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.arxiv_id} ({self.status})"


class Collection(models.Model):
    """A user's named list of papers, public or private."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    description = models.TextField(blank=True, default="")
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    papers = models.ManyToManyField(Paper, through="CollectionItem", related_name="collections")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "slug"], name="collection_unique_slug")]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:190] or "collection"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("community:collection", kwargs={"pk": self.pk})


class CollectionItem(models.Model):
    """A paper in a collection."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="collection_items")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["collection", "paper"], name="collectionitem_unique")]
        ordering = ["-added_at", "-id"]


class ModerationLog(models.Model):
    """Audit trail: who did what to which object, and why."""

    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=32, db_index=True)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=300)
    reason = models.TextField(blank=True, default="")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.moderator}: {self.action} {self.target_type} {self.target_id}"
