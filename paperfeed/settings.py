"""Django settings for paperfeed.

Every paperfeed setting is a row of the table in ``paperfeed/conf.py`` (name, type, default,
help), read here from its environment variable (``PAPERFEED_*`` or ``DATABASE_URL``). The
defaults run the service on one machine: SQLite in WAL mode under ``var/``, the console email
backend, the bundled embedding model. Nothing here reaches the network. The rest of this file
is Django's own configuration, derived from those values.
"""

from __future__ import annotations

import os
from pathlib import Path

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
DATA_DIR = Path(DATA_DIR).resolve()  # noqa: F821
DATA_DIR.mkdir(parents=True, exist_ok=True)
if SECRET_KEY == conf.BY_NAME["SECRET_KEY"].default and PRODUCTION:  # noqa: F821
    # Typed settings validated at start-up: never run a real deployment on the default key.
    raise ImproperlyConfigured("Set PAPERFEED_SECRET_KEY: the default key is for development only.")
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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
        "BACKEND": CACHE_BACKEND,  # noqa: F821
        "LOCATION": CACHE_LOCATION,  # noqa: F821
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

# --- search -----------------------------------------------------------------------------------
# On PostgreSQL: full-text keyword search and pgvector HNSW, shared by every worker (search/postgres/).
if IS_POSTGRES:
    KEYWORD_BACKEND = KEYWORD_BACKEND or "paperfeed.search.postgres.backends.PgKeywordIndex"  # noqa: F821
    LIVE_VECTOR_INDEX = LIVE_VECTOR_INDEX or "paperfeed.search.postgres.backends.PgVectorLiveIndex"  # noqa: F821

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},  # noqa: F821
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_SAMESITE = "Lax"
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
