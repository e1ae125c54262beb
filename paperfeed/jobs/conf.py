"""Settings of the sources and jobs, read when used (never at import) so tests can override them.

Each value comes from Django settings when the project defines it, else from the environment
variable ``PAPERFEED_<NAME>``, else the default below.
"""

from __future__ import annotations

import os

from django.conf import settings

# name: (default, help) — the table docs/sources-and-jobs.md documents.
DEFAULTS: dict[str, tuple[str, str]] = {
    "HARVEST_ENABLED": ("1", "Run the OAI-PMH harvest in the worker; 0 for an offline demo."),
    "HARVEST_SETS": ("cs", "Comma-separated OAI-PMH sets to harvest (empty: everything)."),
    "HARVEST_PREFIX": ("arXiv", "OAI-PMH metadataPrefix: arXiv or arXivRaw (with version dates)."),
    "HARVEST_INTERVAL_MINUTES": ("60", "How often the worker harvests."),
    "HARVEST_INITIAL_DAYS": ("3", "First harvest without a watermark starts this many days back."),
    "STARS_ENABLED": ("", "Fetch GitHub stars in the worker (default: same as HARVEST_ENABLED)."),
    "STARS_INTERVAL_HOURS": ("24", "How often the worker refreshes GitHub stars."),
    "STARS_RECHECK_HOURS": ("20", "A repository checked more recently than this is skipped."),
    "STARS_MAX_WAIT_SECONDS": ("60", "Wait for a GitHub rate-limit reset at most this long; else stop."),
    "SUBMISSIONS_INTERVAL_MINUTES": ("5", "How often the worker fetches papers submitted by users."),
    "EMBED_INTERVAL_SECONDS": ("20", "How often the worker embeds new papers for search."),
    "DIGEST_INTERVAL_MINUTES": ("5", "How often the worker asks the digests app to send what is due."),
    "ARXIV_TIMEOUT_SECONDS": ("60", "Timeout of one request to arXiv (OAI-PMH and API)."),
    "ARXIV_MAX_RETRIES": ("4", "Retries of a request to arXiv on timeouts, connection errors and 5xx."),
    "ARXIV_RETRY_BACKOFF_SECONDS": ("2", "First retry delay (doubling) when the server gives no Retry-After."),
    "JOBRUN_KEEP_DAYS": ("30", "Job runs older than this are deleted daily (each job's last success and failure stay)."),
    "WORKER_TICK_SECONDS": ("5", "How often the worker looks for due jobs."),
}


def get(name: str) -> str:
    """Return setting ``name`` as a string (Django setting, then env, then default)."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"PAPERFEED_{name}", DEFAULTS[name][0])
    return str(value)


def get_bool(name: str) -> bool:
    """Return a boolean setting."""
    return get(name).strip().lower() in {"1", "true", "yes", "on"}


def get_float(name: str) -> float:
    """Return a numeric setting."""
    return float(get(name))


def harvest_enabled() -> bool:
    """Whether scheduled harvesting is on."""
    return get_bool("HARVEST_ENABLED")


def stars_enabled() -> bool:
    """Whether scheduled star fetching is on (follows HARVEST_ENABLED unless set)."""
    raw = get("STARS_ENABLED").strip()
    return harvest_enabled() if raw == "" else get_bool("STARS_ENABLED")


def harvest_sets() -> list[str]:
    """The OAI-PMH sets to harvest; ``[""]`` means the whole repository."""
    sets = [s.strip() for s in get("HARVEST_SETS").split(",") if s.strip()]
    return sets or [""]
