"""Receivers: new papers make the process's For-you pool stale."""

from __future__ import annotations

from paperfeed.catalog.signals import papers_ingested

from . import services


def forget_pool(sender, *, final: bool = False, **kwargs) -> str:
    """After an ingest, rebuild the candidate pool on the next request (new papers, new saved-search matches)."""
    if final:
        services.reset_caches()
    return ""


def connect() -> None:
    """Connect the receivers (called from PersonalConfig.ready)."""
    papers_ingested.connect(forget_pool, dispatch_uid="paperfeed.personal.forget_pool")
