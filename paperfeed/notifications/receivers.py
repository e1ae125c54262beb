"""Signal receivers: a posted comment becomes notifications (connected in NotificationsConfig.ready)."""

from __future__ import annotations

from .services import notify_comment


def on_comment_posted(sender, *, comment, mentioned, **kwargs) -> None:
    """``discussions.signals.comment_posted``: store who hears about the comment."""
    notify_comment(comment=comment, mentioned=set(mentioned))
