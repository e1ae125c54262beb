"""Django settings for paperfeed.

Every paperfeed setting is a row of the table in ``paperfeed/conf.py`` (name, type, default,
help), read here from its environment variable (``PAPERFEED_*`` or ``DATABASE_URL``). The
defaults run the service on one machine: SQLite in WAL mode under ``var/``, the console email
backend, the bundled embedding model. Nothing here reaches the network. The rest of this file
is Django's own configuration, derived from those values.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from paperfeed import conf

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent

try:
    globals().update(conf.load(os.environ))
except conf.SettingError as exc:
    raise ImproperlyConfigured(str(exc)) from None

# --- core (values from the table; ruff's F821 cannot see names set through globals()) ----------
_KEY_COMMAND = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def _secret_key_weakness(key: str) -> str:
    """Why ``key`` is too weak to sign sessions in production (Django's deploy-check rule), or ''."""
    if len(key) < 50:
        return f"{len(key)} characters, at least 50 needed"
    if len(set(key)) < 5:
        return f"only {len(set(key))} distinct characters, at least 5 needed"
    if key.startswith("django-insecure-"):
        return "it is a development key (django-insecure-…)"
    return ""


DATA_DIR = Path(DATA_DIR).resolve()  # noqa: F821
DATA_DIR.mkdir(parents=True, exist_ok=True)
if PRODUCTION:  # noqa: F821
    # Typed settings validated at start-up: a real deployment never runs on development values.
    if DEBUG:  # noqa: F821
        raise ImproperlyConfigured("PAPERFEED_DEBUG=1 is refused in production (it shows tracebacks and settings "
                                   "to anyone): unset it, or unset PAPERFEED_PRODUCTION on a development machine.")
    if SECRET_KEY == conf.BY_NAME["SECRET_KEY"].default:  # noqa: F821
        raise ImproperlyConfigured("Set PAPERFEED_SECRET_KEY: the default key is for development only. "
                                   f"Generate one with: {_KEY_COMMAND}")
    if weak := _secret_key_weakness(SECRET_KEY):  # noqa: F821
        raise ImproperlyConfigured(f"PAPERFEED_SECRET_KEY is too weak for production: {weak}. "
                                   f"Generate one with: {_KEY_COMMAND}")
    # Mail must reach people, and its links must point at the public site (docs/deployment.md, "Mail").
    if EMAIL_BACKEND.rsplit(".", 2)[-2:-1] in (["console"], ["locmem"]):  # noqa: F821
        raise ImproperlyConfigured(f"PAPERFEED_EMAIL_BACKEND={EMAIL_BACKEND} keeps mail on this machine: "  # noqa: F821
                                   "set django.core.mail.backends.smtp.EmailBackend and PAPERFEED_EMAIL_HOST "
                                   "(then test it with `paperfeed sendtestemail you@example.org`).")
    if urlsplit(SITE_URL).hostname in {None, "", "localhost", "127.0.0.1", "::1"}:  # noqa: F821
        raise ImproperlyConfigured(f"PAPERFEED_SITE_URL={SITE_URL!r} is not a public address: mail links "  # noqa: F821
                                   "are built from it. Set it to e.g. https://papers.example.org.")
SITE_URL = SITE_URL.rstrip("/")  # noqa: F821
DEFAULT_FROM_EMAIL = FROM_EMAIL  # noqa: F821

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "paperfeed.web",
    "paperfeed.catalog",
    "paperfeed.accounts",
    "paperfeed.community",
    "paperfeed.discussions",
    "paperfeed.follows",
    "paperfeed.personal",
    "paperfeed.notifications",
    "paperfeed.search",
    "paperfeed.search.postgres",  # PostgreSQL search objects; its migration is a no-op on SQLite
    "paperfeed.digests",
    "paperfeed.jobs",
    "paperfeed.api",
]

MIDDLEWARE = [
    # Outermost, so /metrics' request latency by view counts everything below (the 503s included).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # First: the request id, the access line and the database-outage 503 cover everything below.
    "paperfeed.web.middleware.RequestMiddleware",
    # Reads of GET/HEAD requests from the replica, before the session is read (only with DATABASE_REPLICA_URL).
    "paperfeed.web.replica.ReplicaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # sees the view's name before the page cache answers
    # Last, so a cached page's view still runs inside every middleware above (PAGE_CACHE_VIEWS).
    "paperfeed.web.pagecache.PageCacheMiddleware",
]

ROOT_URLCONF = "paperfeed.urls"
WSGI_APPLICATION = "paperfeed.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "paperfeed.context_processors.site",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------------
if DATABASE_URL:  # noqa: F821
    # Health checks: after a database restart a kept connection is tested before reuse, not failed on.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "paperfeed.sqlite3"),
            # Kept per worker: opening SQLite and running the PRAGMAs below cost ~1 ms a request,
            # more than a signed-in reader's shared page (web/slots.py) costs to serve.
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # WAL lets readers (web workers) proceed while a writer (ingest, votes) commits.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": str(DATA_DIR / "test-paperfeed.sqlite3")},
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if DATABASE_REPLICA_URL:  # noqa: F821
    if not IS_POSTGRES:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL is a streaming replica of a PostgreSQL primary: "
                                   "set DATABASE_URL to that primary too.")
    # Reads of GET/HEAD requests go there, all else to "default" (paperfeed/web/replica.py). The
    # short connect timeout lets a request fall back to the primary soon when the replica is gone;
    # tests mirror "default", so the test runner creates no second database.
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60,  # noqa: F821
                                                 conn_health_checks=True)
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["paperfeed.web.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ------------------------------------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": CACHE_BACKEND,  # noqa: F821
        "LOCATION": CACHE_LOCATION,  # noqa: F821
    },
    # Whole pages (web/pagecache.py) stay in each worker's memory even when "default" is shared
    # (REDIS_URL): a hit costs no network round trip, and PAGE_CACHE_SECONDS bounds how stale a
    # page on one host can be after a write through another.
    # 1,000 pages: search pages are replayed for up to SEARCH_CACHE_SECONDS (a minute), and a minute
    # of varied queries outgrows Django's default of 300; at 20-40 kB a page, about 30 MB a worker.
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "paperfeed-pages",
              "OPTIONS": {"MAX_ENTRIES": 1000}},
    # Rate limits are counted where every worker of the machine sees the same count (a
    # per-process LocMemCache would multiply each limit by the number of workers).
    "ratelimits": {
        "BACKEND": RATELIMIT_CACHE_BACKEND,  # noqa: F821
        "LOCATION": RATELIMIT_CACHE_LOCATION or str(DATA_DIR / "cache" / "ratelimits"),  # noqa: F821
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
    # Rendered search results (search/rendered.py), anonymous answers (web/answers.py) and
    # rankings, shared by every worker of the machine so a query one worker answered is a hit in
    # the others: diskcache's SQLite shards. Bounded in bytes, oldest stored out first:
    # "least-recently-used" would write on every read (0.07 ms a read against 0.01 for 30 kB), and
    # entries expire after SEARCH_CACHE_SECONDS anyway. 1 GB: 100 new searches a second write
    # 4–9 MB/s (page or API), and a bound reached within the minute evicts rankings still wanted. Values
    # up to 1 MB stay inside SQLite instead of a file each. Each write removes at most one expired
    # or evicted entry (diskcache's default, ten, made a 30 kB write cost 2.0 ms of CPU instead of
    # 0.34 once a minute's expired renderings piled up): one out per one in keeps the size steady.
    "search": {
        "BACKEND": "paperfeed.search.sharedcache.KeptOpenDiskCache",
        "LOCATION": str(DATA_DIR / "cache" / "search"),  # noqa: F821
        "SHARDS": 4,
        "OPTIONS": {"size_limit": 2**30, "eviction_policy": "least-recently-stored",
                    "disk_min_file_size": 2**20, "cull_limit": 1},
    },
}
if REDIS_URL:  # noqa: F821
    # Several web hosts: the cache (trending and its invalidation) and the rate-limit counts live in
    # one Redis, so a vote or a failed log-in on one host counts on all. Short socket timeouts: a
    # Redis that hangs fails a request (and /healthz: "cache": "down") instead of holding a worker.
    _REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,  # noqa: F821
                         "KEY_PREFIX": "pf", "OPTIONS": _REDIS_OPTIONS}
    CACHES["ratelimits"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,  # noqa: F821
                            "KEY_PREFIX": "pf-rl", "OPTIONS": _REDIS_OPTIONS}
    CACHES["search"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,  # noqa: F821
                        "KEY_PREFIX": "pf-search", "OPTIONS": _REDIS_OPTIONS}
RATELIMIT_USE_CACHE = "ratelimits"
# The client's address behind the proxies of TRUSTED_PROXIES (django-ipware), for every rate limit.
RATELIMIT_IP_META_KEY = "paperfeed.accounts.ratelimits.client_ip"
for _proxy in TRUSTED_PROXIES:  # noqa: F821
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"PAPERFEED_TRUSTED_PROXIES: {_proxy!r} is not an address or CIDR "
                                   "(e.g. 127.0.0.1,10.0.0.0/24).") from None

# --- auth -------------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Single sign-on (paperfeed/accounts/oidc.py; the OIDC_* values are in the table): passive unless OIDC_ENABLED.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "paperfeed.accounts.oidc.InstitutionBackend"]
OIDC_USE_PKCE = True
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"

# --- i18n / time ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- search -----------------------------------------------------------------------------------
# On PostgreSQL: a local search replica on each host, PostgreSQL full-text + pgvector until it is built (search/postgres/).
if IS_POSTGRES:
    KEYWORD_BACKEND = KEYWORD_BACKEND or "paperfeed.search.postgres.replica.ReplicaKeywordIndex"  # noqa: F821
    LIVE_VECTOR_INDEX = LIVE_VECTOR_INDEX or "paperfeed.search.postgres.replica.ReplicaVectorIndex"  # noqa: F821
else:
    # Exact in each process below ANN_THRESHOLD; past it, the host's saved graph (search/vectorgraph.py).
    LIVE_VECTOR_INDEX = LIVE_VECTOR_INDEX or "paperfeed.search.vectorgraph.GraphVectorIndex"  # noqa: F821

# Text (default) or one JSON object per line; every record carries the request id (web/logs.py).
_LOG_FORMATTERS = {
    "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    },
}
if LOG_FORMAT not in _LOG_FORMATTERS:  # noqa: F821
    raise ImproperlyConfigured(f"PAPERFEED_LOG_FORMAT must be text or json, got {LOG_FORMAT!r}.")  # noqa: F821
_access = ACCESS_LOG.strip().lower()  # noqa: F821
ACCESS_LOG = LOG_FORMAT == "json" if not _access else _access in {"1", "true", "yes", "on"}  # noqa: F821
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "paperfeed.web.logs.RequestIdFilter"},
                "database_outage": {"()": "paperfeed.web.logs.DatabaseOutageFilter"}},
    "formatters": {"main": _LOG_FORMATTERS[LOG_FORMAT]},  # noqa: F821
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "main", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},  # noqa: F821
    "loggers": {
        # The access log is INFO whatever the root level; ACCESS_LOG switches it.
        "paperfeed.access": {"level": "INFO"},
        # A request failed by a database outage: one line, not a traceback per request.
        "django.request": {"filters": ["database_outage"]},
    },
}

if not DEBUG:  # noqa: F821
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_SAMESITE = "Lax"
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"


# --- production: HTTPS only (PAPERFEED_PRODUCTION, PAPERFEED_TRUSTED_PROXIES in docs/settings.md) ----
if PRODUCTION:  # noqa: F821
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's plain-HTTP health probe
    SECURE_HSTS_SECONDS = 365 * 86400
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # subdomains of the site's own host name only
    # HSTS preload asks browsers to hard-code the whole domain: an owner's decision, not a default.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if TRUSTED_PROXIES:  # noqa: F821
        # Believe the proxy's scheme only when a proxy is named: else any client could claim https.
        # gunicorn passes X-Forwarded-Proto on from those addresses only (--forwarded-allow-ips).
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
