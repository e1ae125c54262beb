"""Discussions models: comments (one level of replies), comment votes, reports and thread locks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from paperfeed.catalog.models import Paper


class Comment(models.Model):
    """A comment on a paper, or a reply to a top-level comment (replies do not nest further)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments")
    body = models.TextField(help_text="Markdown as written.")
    body_html = models.TextField(help_text="Sanitised HTML, rendered when written.")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="Deleted by its author.")
    hidden_at = models.DateTimeField(null=True, blank=True, help_text="Hidden by a moderator.")
    score = models.IntegerField(default=0, help_text="Upvotes, denormalised from CommentVote.")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["paper", "created_at"], name="comment_paper_idx"),
            models.Index(fields=["author", "created_at"], name="comment_author_idx"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.paper_id} by {self.author_id}"

    @property
    def visible(self) -> bool:
        """Neither deleted by its author nor hidden by a moderator."""
        return self.deleted_at is None and self.hidden_at is None


class CommentVote(models.Model):
    """One account's upvote of one comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="commentvote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ▲ comment {self.comment_id}"


class CommentReport(models.Model):
    """A reader's report of a comment, for moderators."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="commentreport_once")]

    def __str__(self) -> str:
        return f"report of comment {self.comment_id}"


class ThreadLock(models.Model):
    """A locked discussion: nobody but staff may post on the paper."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, related_name="thread_lock")
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    locked_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"lock on {self.paper}"
