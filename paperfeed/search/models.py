"""Stored embeddings: one vector per (paper, model), so rebuilding an index never re-embeds."""

from __future__ import annotations

import numpy as np
from django.db import models

from paperfeed.catalog.models import Paper


class PaperEmbedding(models.Model):
    """A paper's embedding under one model, stored as little-endian float16 bytes.

    Rows are deleted by a database trigger when the paper's title or abstract changes, so the
    embed job recomputes them; a deleted paper takes its rows with it (cascade).
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="embeddings")
    model = models.CharField(max_length=200)
    dim = models.PositiveIntegerField()
    vector = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "model"], name="paperembedding_unique")]
        indexes = [models.Index(fields=["model", "id"], name="paperembedding_model_idx")]

    def __str__(self) -> str:
        return f"{self.paper_id}@{self.model}"

    @staticmethod
    def pack(vector: np.ndarray) -> bytes:
        """Encode one float vector as float16 bytes."""
        return np.asarray(vector, dtype="<f2").tobytes()

    def as_array(self) -> np.ndarray:
        """Decode the stored vector as float32."""
        return np.frombuffer(bytes(self.vector), dtype="<f2").astype(np.float32)
