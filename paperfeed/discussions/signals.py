"""Signals the discussions app sends: ``comment_posted(comment=…, mentioned=set[int])`` after commit."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once per new comment, after its transaction commits; ``mentioned`` are the ids of users
# linked with @name in it. Notifications connects it.
comment_posted = Signal()
