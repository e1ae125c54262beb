"""Follows models: who follows whom, labs and their members, authorship claims, links beyond code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from paperfeed.catalog.models import Author, Paper


class Lab(models.Model):
    """A group (lab, reading group) with a page listing its members' papers and picks; staff create labs."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="LabMembership", related_name="labs")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("follows:lab", kwargs={"slug": self.slug})


class LabMembership(models.Model):
    """A user in a lab; a lab admin may add and remove members on the lab page."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_memberships")
    is_admin = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "user"], name="labmembership_unique")]
        ordering = ["-is_admin", "joined_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} in {self.lab}"


class Follow(models.Model):
    """A user follows exactly one target: an author, another user or a lab."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.CASCADE, related_name="followers")
    followed_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="followers")
    lab = models.ForeignKey(Lab, null=True, blank=True, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(author__isnull=False, followed_user__isnull=True, lab__isnull=True)
                           | Q(author__isnull=True, followed_user__isnull=False, lab__isnull=True)
                           | Q(author__isnull=True, followed_user__isnull=True, lab__isnull=False)),
                name="follow_one_target"),
            models.UniqueConstraint(fields=["user", "author"], condition=Q(author__isnull=False),
                                    name="follow_unique_author"),
            models.UniqueConstraint(fields=["user", "followed_user"], condition=Q(followed_user__isnull=False),
                                    name="follow_unique_user"),
            models.UniqueConstraint(fields=["user", "lab"], condition=Q(lab__isnull=False),
                                    name="follow_unique_lab"),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.author or self.followed_user or self.lab}"


class Status(models.TextChoices):
    """The moderation state shared by claims and links."""

    PENDING = "pending", "pending"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"


class AuthorClaim(models.Model):
    """A user says they are ``author`` on ``paper``; staff (or the domain rule) approve it."""

    Status = Status

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_claims")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="author_claims")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="claims")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    note = models.TextField(blank=True, default="", help_text="Why it was approved or rejected.")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="authorclaim_unique_user_paper")]
        indexes = [models.Index(fields=["paper", "status"], name="authorclaim_paper_idx"),
                   models.Index(fields=["author", "status"], name="authorclaim_author_idx")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} as {self.author} on {self.paper.arxiv_id} ({self.status})"


class PaperLink(models.Model):
    """A project page, dataset or model for a paper, added by its submitter or a claimed author; shown once approved."""

    Status = Status

    class Kind(models.TextChoices):
        PROJECT = "project", "project page"
        DATASET = "dataset", "dataset"
        MODEL = "model", "model"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="extra_links")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(max_length=1000)
    title = models.CharField(max_length=200, blank=True, default="")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="paper_links")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "url"], name="paperlink_unique_url")]
        indexes = [models.Index(fields=["paper", "status"], name="paperlink_paper_idx")]
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.url} ({self.status})"
