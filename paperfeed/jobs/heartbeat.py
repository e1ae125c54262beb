"""The worker's heartbeat: one row per running worker, refreshed every few ticks."""

from __future__ import annotations

import datetime as dt

from paperfeed.jobs.models import WorkerHeartbeat

BEAT_EVERY = dt.timedelta(seconds=30)  # a row written per tick would be a write every 5 s for nothing
FORGET_AFTER = dt.timedelta(days=1)


def beat(*, owner: str, now: dt.datetime, started_at: dt.datetime) -> None:
    """Record that worker ``owner`` is alive at ``now``; forget workers silent for a day."""
    WorkerHeartbeat.objects.update_or_create(owner=owner, defaults={"beat_at": now, "started_at": started_at})
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()


def last_beat() -> WorkerHeartbeat | None:
    """The most recent heartbeat of any worker, or None when no worker ever beat (or all were forgotten)."""
    return WorkerHeartbeat.objects.order_by("-beat_at").first()
