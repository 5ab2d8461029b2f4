"""PoC Portal settings: every value comes from the environment, read here and nowhere else.

The README's configuration table lists each variable. Defaults are safe for production
(``DEBUG`` off, HTTPS-only cookies); ``make run`` turns ``DEBUG`` on for a local machine.

Importing this module starts nothing and writes nothing. Without ``SECRET_KEY`` it reads the key file
``python -m pocportal.embedded_db start`` (run by ``make run``) prepared in the data folder; without
``DATABASE_URL`` it selects the embedded PostgreSQL, which starts on the first database connection.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from pocportal.embedded_db import (
    data_dir_from_environment,
    database_settings,
    read_field_encryption_key,
    read_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DATA_DIR = data_dir_from_environment()
DEBUG = env_bool("DEBUG", False)

# SECRET_KEY from the environment, else the key file `make run` creates in the data folder, else a
# key made for this process only (nothing is written): sessions then end when it restarts and are
# not shared between processes, so `manage.py check` warns (core.W001) until one is configured.
SECRET_KEY = env_str("SECRET_KEY") or read_secret_key(DATA_DIR)
SECRET_KEY_EPHEMERAL = not SECRET_KEY
if SECRET_KEY_EPHEMERAL:
    SECRET_KEY = secrets.token_urlsafe(64)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "apps.core",
    "apps.accounts",
    "apps.notifications",
    "apps.audit",
    "apps.pocs",
    "apps.checklists",
    "apps.evaluations",
    "apps.integrations",
    "apps.costs",
    "apps.decisions",
    "apps.portfolio",
    "apps.reminders",
    "apps.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.SecurityHeadersMiddleware",
    "apps.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "apps.audit.middleware.AuditContextMiddleware",
    "apps.reminders.middleware.DailyRemindersMiddleware",
]

ROOT_URLCONF = "pocportal.urls"
WSGI_APPLICATION = "pocportal.wsgi.application"

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
            ],
            # One way to show a date, a moment, money and a blank on every page (apps/core/display.py).
            "builtins": ["apps.core.templatetags.display"],
        },
    },
]

# --- Database: PostgreSQL everywhere -------------------------------------------------------------
# DATABASE_URL is the application's connection (web, worker, beat): it may be a role that owns nothing
# (README, "Database roles"). DATABASE_OWNER_URL (default: DATABASE_URL) is the role that owns the tables and
# the audit functions; the commands that change the schema or the grants, and the test runner, connect as it.
OWNER_COMMANDS = {"migrate", "test", "testserver", "flush", "grant_app_role"}
CONNECTS_AS_OWNER = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] in OWNER_COMMANDS)
DATABASE_APP_URL = env_str("DATABASE_URL")
DATABASE_OWNER_URL = env_str("DATABASE_OWNER_URL") or DATABASE_APP_URL
DATABASE_URL = DATABASE_OWNER_URL if CONNECTS_AS_OWNER else DATABASE_APP_URL
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))}
else:
    # The embedded PostgreSQL under DATA_DIR/postgres: its backend starts the cluster (or finds it running)
    # on the first connection of each process, so commands that never connect start nothing.
    DATABASES = {"default": database_settings(DATA_DIR)}
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
DATABASES["default"].setdefault("TEST", {})
# A persistent connection the server dropped (restart, failover, terminated backend) is found at the
# start of the next request and replaced, instead of failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = env_str("TEST_DATABASE_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "pocs:list"
LOGOUT_REDIRECT_URL = "accounts:login"
# Argon2id at m=19 MiB, t=2, p=1 (OWASP's guidance; apps/accounts/hashers.py). Hashes with other costs still
# verify and are re-hashed at these on the next sign-in.
PASSWORD_HASHERS = [
    "apps.accounts.hashers.Argon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttle: after AXES_FAILURE_LIMIT failures for one email from one address, that pair is
# locked out for AXES_COOLOFF_MINUTES. Signing a decision re-enters the password and counts too.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "apps.accounts.throttle.username_from_request"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.accounts.throttle.lockout_response"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# --- HTTPS and headers ------------------------------------------------------------------------------
# HTTPS_ONLY defaults to the opposite of DEBUG: production is HTTPS-only, a local run is not.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# --- Static and uploaded files ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside DEBUG, static files are served as `manage.py collectstatic` wrote them into STATIC_ROOT (make run,
# the Dockerfile): names carrying a hash of the content, each with .gz and .br copies, which WhiteNoise
# answers compressed with `Cache-Control: max-age=315360000, immutable`. DEBUG (and the tests, which set
# STATIC_COLLECTED=false; tests/test_static.py collects into a scratch folder) serves the sources as found.
STATIC_COLLECTED = env_bool("STATIC_COLLECTED", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_COLLECTED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
WHITENOISE_AUTOREFRESH = not STATIC_COLLECTED
# Pages only ever name the hashed files: the unhashed copies are not kept, nor source maps compressed (read by
# developer tools alone), which halves what collectstatic writes and compresses.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Uploads live in the data folder, outside the web root; they are served only through views
# that check access. MEDIA_URL is deliberately not routed.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "uploads")))
MEDIA_URL = "/uploads-not-served/"
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Evaluation results files (apps.evaluations): size while streaming, and rows.
EVAL_UPLOAD_MAX_BYTES = env_int("EVAL_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
EVAL_MAX_ROWS = env_int("EVAL_MAX_ROWS", 2_000_000)
# Live evaluation runs (apps.evaluations.harness). Hosts a model endpoint may call: host names or addresses,
# optionally with a port, comma-separated; empty (the default): none. Headers are encrypted with
# FIELD_ENCRYPTION_KEY (a Fernet key; else DATA_DIR/field_encryption_key, which `python -m pocportal.embedded_db
# secret-key` writes); with DEBUG off, `check --deploy` refuses to pass without one (evaluations.E001).
MODEL_ENDPOINT_ALLOWED_HOSTS = env_list("MODEL_ENDPOINT_ALLOWED_HOSTS", "")
# A PEM file of certificate authorities trusted for https endpoints besides the system's (a company's own CA).
MODEL_ENDPOINT_CA_FILE = env_str("MODEL_ENDPOINT_CA_FILE", "")
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY") or read_field_encryption_key(DATA_DIR)
HARNESS_MAX_ITEMS = env_int("HARNESS_MAX_ITEMS", 100_000)
HARNESS_MAX_CONCURRENCY = env_int("HARNESS_MAX_CONCURRENCY", 64)
HARNESS_MAX_REPLY_BYTES = env_int("HARNESS_MAX_REPLY_BYTES", 1024 * 1024)
HARNESS_MAX_RUN_SECONDS = env_int("HARNESS_MAX_RUN_SECONDS", 540)  # below the jobs' soft time limit (600 s)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Form and JSON bodies: at most 1 MiB (the longest texts are 10,000 characters). Multipart bodies may
# add one evidence file of UPLOAD_MAX_BYTES, streamed by its own handler (apps.core.middleware
# .RequestSizeLimitMiddleware answers 413 above either).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_BYTES", 1024 * 1024)

# --- Internationalisation ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True


# --- Email -------------------------------------------------------------------------------------------
def email_settings(url: str) -> dict:
    """``EMAIL_*`` settings for an ``EMAIL_URL``, parsed by ``dj_email_url``.

    ``smtp://user:pass@host:port`` plain (port 25 by default); ``smtp+tls://`` and ``submission://``
    STARTTLS (port 587); ``smtps://`` TLS from the first byte (port 465). Query parameters such as
    ``?timeout=10`` are passed on to ``dj_email_url``.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"smtp", "smtp+tls", "submission", "smtps"}:
        raise ImproperlyConfigured("EMAIL_URL must start with smtp://, smtp+tls://, submission:// or smtps://")
    # dj_email_url reads smtps as STARTTLS and knows no smtp+tls: name each by what it means to it.
    if scheme == "smtp+tls":
        parts = parts._replace(scheme="submission")
    elif scheme == "smtps":
        query = "&".join(filter(None, [parts.query, "ssl=true"]))
        parts = parts._replace(scheme="smtp", query=query, netloc=parts.netloc if parts.port else f"{parts.netloc}:465")
    values = dj_email_url.parse(urlunsplit(parts))
    return {
        **values,
        "EMAIL_HOST": values["EMAIL_HOST"] or "localhost",
        "EMAIL_HOST_USER": values["EMAIL_HOST_USER"] or "",
        "EMAIL_HOST_PASSWORD": values["EMAIL_HOST_PASSWORD"] or "",
    }


EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    _email = email_settings(EMAIL_URL)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PoC Portal <pocportal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's public address (https://poc.example.com), put before the links in emails; unset, emails carry paths.
SITE_URL = env_str("SITE_URL")
# Operators' addresses (comma-separated); each audit checkpoint's head is emailed to them.
ADMINS = [("", address) for address in env_list("ADMINS", "")]

# --- Background jobs -----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# The cache holds what every process must share: the API throttle's counters, for one. Redis when
# REDIS_URL is set, else a table in the database (created by the accounts migrations), never per process.
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "pocportal")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "pocportal_cache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
CELERY_RESULT_BACKEND = None
# Without Redis the jobs run in-process, inside the request that enqueued them (after commit).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# The broker redelivers a task whose worker has not acknowledged it within the visibility
# timeout; every time limit stays well below it so a slow task is never run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # An unreachable broker answers a request within seconds: the job waits and is sent later.
    "socket_connect_timeout": env_int("CELERY_BROKER_CONNECT_TIMEOUT", 2),
}
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECT_TIMEOUT", 2)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
# Jobs that never hang (apps/core/jobs.py). A running job writes a heartbeat every JOB_HEARTBEAT_INTERVAL s;
# the sweeper (beat every JOB_SWEEP_INTERVAL s, and each poll of a job's status) re-queues a job whose
# heartbeat is older than JOB_HEARTBEAT_TIMEOUT s, up to JOB_MAX_ATTEMPTS runs, then fails it; a retrying
# job may be silent JOB_RETRY_WAIT s longer (its backoff). It re-sends jobs the broker refused every
# JOB_SEND_RETRY_INTERVAL s and fails those still unsent after JOB_QUEUE_WAIT_LIMIT s. Database work in a
# job runs with PostgreSQL's lock_timeout / statement_timeout set to JOB_LOCK_TIMEOUT / JOB_STATEMENT_TIMEOUT s.
JOB_HEARTBEAT_INTERVAL = env_int("JOB_HEARTBEAT_INTERVAL", 10)
JOB_HEARTBEAT_TIMEOUT = env_int("JOB_HEARTBEAT_TIMEOUT", 60)
JOB_SWEEP_INTERVAL = env_int("JOB_SWEEP_INTERVAL", 30)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
JOB_RETRY_WAIT = env_int("JOB_RETRY_WAIT", 900)
JOB_SEND_RETRY_INTERVAL = env_int("JOB_SEND_RETRY_INTERVAL", 10)
JOB_QUEUE_WAIT_LIMIT = env_int("JOB_QUEUE_WAIT_LIMIT", 3600)
JOB_LOCK_TIMEOUT = env_int("JOB_LOCK_TIMEOUT", 30)
JOB_STATEMENT_TIMEOUT = env_int("JOB_STATEMENT_TIMEOUT", 300)
CELERY_BEAT_SCHEDULE["core-sweep-jobs"] = {"task": "core.sweep_jobs", "schedule": float(JOB_SWEEP_INTERVAL)}
# Final jobs are deleted JOB_KEEP_DAYS days after they end, daily at 02:45 UTC (`manage.py jobs_cleanup` now),
# except the latest of each subject and kind, which pages read. Keep it at 2 or more: the reminders tell of
# jobs that failed in the last two days.
JOB_KEEP_DAYS = env_int("JOB_KEEP_DAYS", 30)
CELERY_BEAT_SCHEDULE["core-jobs-cleanup"] = {"task": "core.jobs_cleanup", "schedule": crontab(hour=2, minute=45)}
# Beat anchors the audit chain's end every AUDIT_CHECKPOINT_MINUTES (apps/audit/checkpoint.py).
AUDIT_CHECKPOINT_MINUTES = env_int("AUDIT_CHECKPOINT_MINUTES", 60)
CELERY_BEAT_SCHEDULE["audit-checkpoint"] = {"task": "audit.checkpoint", "schedule": AUDIT_CHECKPOINT_MINUTES * 60}
# Reminders (apps/reminders): the day's run at REMINDERS_HOUR o'clock UTC, and failed jobs told to
# whoever started them every REMINDERS_JOB_INTERVAL s. Without Redis there is no beat: the web process starts
# the day's run itself (REMINDERS_IN_PROCESS); `manage.py send_reminders` runs it now. Each occasion is sent once.
REMINDERS_HOUR = env_int("REMINDERS_HOUR", 7)
REMINDERS_JOB_INTERVAL = env_int("REMINDERS_JOB_INTERVAL", 300)
REMINDERS_IN_PROCESS = env_bool("REMINDERS_IN_PROCESS", not REDIS_URL)
CELERY_BEAT_SCHEDULE["reminders-daily"] = {
    "task": "reminders.daily",
    "schedule": crontab(hour=REMINDERS_HOUR, minute=0),
}
CELERY_BEAT_SCHEDULE["reminders-failed-jobs"] = {
    "task": "reminders.failed_jobs",
    "schedule": float(REMINDERS_JOB_INTERVAL),
}
# Drift watch after a go (apps/evaluations): once a day at MONITORING_HOUR o'clock UTC the re-runs that are due start.
MONITORING_HOUR = env_int("MONITORING_HOUR", 3)
CELERY_BEAT_SCHEDULE["evaluations-monitoring"] = {
    "task": "evaluations.monitoring_due",
    "schedule": crontab(hour=MONITORING_HOUR, minute=30),
}
# The portfolio re-judges, once a day, the summaries whose findings follow the calendar (apps/portfolio/services.py).
CELERY_BEAT_SCHEDULE["portfolio-refresh"] = {"task": "portfolio.refresh_summaries", "schedule": 3600.0}
# Report exports (apps/reports): drafts are kept REPORT_EXPORT_KEEP_DAYS days, failed ones a day;
# the signed report for ever. `manage.py reports_cleanup` runs the cleanup now (from cron when there is no beat).
REPORT_EXPORT_KEEP_DAYS = env_int("REPORT_EXPORT_KEEP_DAYS", 30)
CELERY_BEAT_SCHEDULE["reports-cleanup"] = {
    "task": "reports.cleanup",
    "schedule": crontab(hour=2, minute=15),
}

# --- API ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated call then answers 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # The browsable API shows nothing but a sign-in link to a caller who is not signed in.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "apps.accounts.api.renderers.SignedInBrowsableAPIRenderer",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "VIEW_NAME_FUNCTION": "apps.core.api.view_name",  # "PoC List", not "Po C List"
    "DEFAULT_THROTTLE_RATES": {"token": env_str("TOKEN_THROTTLE_RATE", "300/minute")},
}
# An API token is valid for this many days after it is issued.
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
SPECTACULAR_SETTINGS = {
    "TITLE": "PoC Portal API",
    "DESCRIPTION": "Run an enterprise AI proof-of-concept from kickoff to a signed go/no-go.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and Swagger UI need a signed-in caller (session or token); `manage.py spectacular` does not.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI is served from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "apps.pocs.models.Stage",
        "DataSensitivityEnum": "apps.pocs.models.DataSensitivity",
        "IntegrationStatusEnum": "apps.integrations.models.ScopeStatus",
        "IntegrationDirectionEnum": "apps.integrations.models.Direction",
        "ConfidenceEnum": "apps.integrations.models.Confidence",
        "ProductionConcernEnum": "apps.integrations.models.ConcernKind",
        "TargetVerdictEnum": "apps.evaluations.models.VERDICTS",
        "DatasetKindEnum": "apps.evaluations.models.Dataset.Kind",
        "ModelEndpointKindEnum": "apps.evaluations.models.ModelEndpoint.Kind",
        "ChecklistItemStatusEnum": "apps.checklists.models.Status",
        # A background task's state (report exports, load tests): queued, running, done, failed.
        "TaskStatusEnum": ["queued", "running", "done", "failed"],
        "CancellableTaskStatusEnum": ["queued", "running", "done", "failed", "cancelled"],
    },
}

# --- Logging -----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own default handler would print every line twice beside the root handler.
        "django": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO"), "propagate": False},
    },
}

# --- Demo data ---------------------------------------------------------------------------------------
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo-pass-2026")
