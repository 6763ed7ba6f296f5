"""Settings for the training-course management system.

One module, driven by environment variables (see `.env.example` for the full list).
Defaults are safe for a developer laptop *only* when DEBUG is on; with DEBUG off every
secret must come from the environment and the module refuses to load otherwise.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_int,
    env_list,
    media_storage,
    redis_database,
    redis_url_with_database,
    same_redis_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see .env.example). On a developer "
            "machine use `make run` / `make test`, or run commands with DEBUG=1 "
            "(`DEBUG=1 .venv/bin/python manage.py ...`, or DEBUG=1 in .env for make)."
        )
    # Only for local development: sessions signed with it are worthless elsewhere.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "courses",
    "attendees",
    "certificates",
    "materials",
    "evaluation",
    "portal",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy (see the Security section below).
    "config.middleware.SecurityHeadersMiddleware",
    # whitenoise, plus hashed files another release wrote to STATIC_ROOT after this process
    # started (rolling upgrades: config/staticfiles.py).
    "config.staticfiles.StaticFilesMiddleware",
    # 404 for a NUL byte in the path or query, and NUL cookies dropped, before the session
    # or any view passes one to the database.
    "config.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every response to a logged-in user (personal data).
    "config.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite needs no setup; DATABASE_URL (postgres://user@host/db) switches to PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL or SQLite.")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # Scanner uploads, the task worker and the web server write at the same
                # time: WAL lets readers continue, IMMEDIATE transactions take the write
                # lock up front (no deadlock on upgrade) and the timeout waits for it
                # instead of surfacing "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "courses:dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
# dd/mm/yyyy on screen and in forms, in both languages.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and media files -----------------------------------------------------------
STATIC_URL = "static/"
# Where `collectstatic` writes and whitenoise serves from. In production a directory outside
# the code tree, shared by the app servers or filled on each before any restarts, so that
# pages of the previous release still find their hashed files during a rolling upgrade
# (docs/deployment.md, "Upgrades").
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Front-end libraries come from npm (package-lock.json pins them) and are served by us:
# no CDN, the app must work on a LAN without internet. The icons are static/icons/, the
# subset of Bootstrap Icons the app uses (`manage.py subset_icons`).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/jsqr", BASE_DIR / "node_modules" / "jsqr" / "dist"),
]
# Uploaded and generated files (materials, certificate print files, exports, receipt
# scans): on this disk under MEDIA_ROOT (shared by NFS between app servers), or in an
# S3-compatible bucket (a province's MinIO, a cloud bucket) with MEDIA_STORAGE=s3. The
# bucket stays private: every file is handed out after the permission check, by a
# presigned address valid S3_PRESIGN_SECONDS (core/media.py). docs/deployment.md.
S3_PRESIGN_SECONDS = env_int("S3_PRESIGN_SECONDS", 300)
# Off: the app streams files from the bucket itself (a bucket browsers cannot reach).
S3_REDIRECT = env_bool("S3_REDIRECT", True)
# Behind nginx, files on this disk are sent by nginx after the permission check: the
# prefix of its `internal` location that serves MEDIA_ROOT, e.g. /_protected/.
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")
STORAGES = {
    "default": media_storage(os.environ, presign_seconds=S3_PRESIGN_SECONDS),
    "staticfiles": {
        # whitenoise's compressed manifest storage, keeping the previous release's names.
        "BACKEND": "config.staticfiles.ReleaseStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Background tasks -----------------------------------------------------------------
# Django's Tasks API (backport). The database backend needs no extra service and is run by
# `manage.py db_worker`, which `make run` starts beside the web server. With several app
# servers, TASKS_BACKEND=django_tasks_rq.RQBackend puts the jobs in Redis (REDIS_URL; the
# cache uses another database of the same server, CACHE_REDIS_URL below) and
# `manage.py rqworker default` runs them, on as many machines as needed
# (docs/deployment.md).
REDIS_URL = os.environ.get("REDIS_URL", "")
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default"]}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=django_tasks_rq.RQBackend needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {
        "default": {
            "URL": REDIS_URL,
            # RQ kills a job after 180 s by default; a year's workbook or the certificates
            # of a 400-person class take longer on a small server.
            "DEFAULT_TIMEOUT": 3600,
        }
    }
    RQ = {
        # Without it a plain `rqworker` runs RQ's own job class, which cannot call a
        # Django task (it fails every job with "Task object is not callable").
        "JOB_CLASS": "django_tasks_rq.Job",
    }
# Seconds a running job (certificate print job, year workbook) may go without a heartbeat
# before its worker is taken for dead and the job is queued again (core/jobs.py). A job
# beats at least every second while it works.
TASK_HEARTBEAT_TIMEOUT = env_int("TASK_HEARTBEAT_TIMEOUT", 120)

# --- Certificates ---------------------------------------------------------------------
# The address printed in certificate QR codes: the public site, not the LAN server name.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Register numbers, e.g. "001/GCN-STTTT"; {number}, {short_name} (issuing body) and {year}.
CERTIFICATE_NUMBER_FORMAT = os.environ.get(
    "CERTIFICATE_NUMBER_FORMAT", "{number:03d}/GCN-{short_name}"
)
# Public verification lookups allowed per client address per minute.
VERIFY_RATE_LIMIT = env_int("VERIFY_RATE_LIMIT", 30)
# Opens of participants' own pages (and their survey) per client address per minute: a
# commune hall behind one NAT address is ~40 people, each opening a few pages.
PARTICIPANT_PAGE_RATE_LIMIT = env_int("PARTICIPANT_PAGE_RATE_LIMIT", 120)
# Scans uploaded this many hours after their session was closed no longer change its
# attendance by themselves: they are held for the coordinator (Session.scans_still_count).
LATE_UPLOAD_GRACE_HOURS = env_int("LATE_UPLOAD_GRACE_HOURS", 48)
# Uploaded spreadsheets are parsed in a child process with at most this much address
# space and wall-clock time (courses/uploads.py); beyond either the file is refused.
UPLOAD_PARSE_MEMORY_MB = env_int("UPLOAD_PARSE_MEMORY_MB", 1024)
UPLOAD_PARSE_SECONDS = env_int("UPLOAD_PARSE_SECONDS", 60)

# --- Security -------------------------------------------------------------------------
# Secure by default when DEBUG is off; each can be relaxed from the environment (for
# example on a LAN server without https, which the scanner camera will not allow anyway).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers poll /healthz (monitoring /readyz) over plain http, straight to each app
# server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# Lax (Django's default, stated here on purpose): the cookies go with top-level links into
# the app (a certificate QR code opening /verify/ while logged in) but not with cross-site
# POSTs. The CSRF cookie stays readable by JavaScript: the offline scanner reads it because
# a page served from its cache may hold a stale token (static/js/scanner.js, csrfToken()).
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy and Permissions-Policy: config/middleware.py.

# Login throttling (accounts/throttle.py): after LOGIN_FAILURE_LIMIT failures for one
# username, or LOGIN_ADDRESS_FAILURE_LIMIT from one client address, within
# LOGIN_LOCKOUT_MINUTES, further log-ins are refused for LOGIN_LOCKOUT_MINUTES. The backend
# sees every password check, so /login/ and /admin/login/ are both covered.
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Identity checks per user per hour (attendees/views.py identity_checks_refused): each
# POST of the add/substitute/edit-person forms, and each spreadsheet import preview or
# confirmation, matches what was typed against the register. Over the limit: a 429 page.
IDENTITY_CHECKS_PER_HOUR = env_int("IDENTITY_CHECKS_PER_HOUR", 120)
IMPORT_PREVIEWS_PER_HOUR = env_int("IMPORT_PREVIEWS_PER_HOUR", 30)

# --- Mail, cache, logging ---------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@localhost")
# The cache. Nothing that must be shared between server processes lives in it (sessions,
# log-in throttle and rate limits are in the database), so in-process is fine for one
# server. With Redis it is shared, in its own database: CACHE_REDIS_URL, by default the
# database after REDIS_URL's (…/0 → …/1), so that clearing the cache (cache.clear() is a
# FLUSHDB) never drops the jobs waiting in the task queue.
CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or (
    redis_url_with_database(REDIS_URL, redis_database(REDIS_URL) + 1) if REDIS_URL else ""
)
if CACHE_REDIS_URL:
    if REDIS_URL and same_redis_database(CACHE_REDIS_URL, REDIS_URL):
        raise ImproperlyConfigured(
            "CACHE_REDIS_URL must name another Redis database than REDIS_URL (the task "
            "queue): clearing the cache would drop the waiting jobs."
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
