"""Settings for every environment, driven by environment variables.

Embedded default (nothing set): SQLite file in the project, Celery tasks run eagerly in-process.
Services: DATABASE_URL=postgres://… and REDIS_URL=redis://… give a real database, broker and workers.
Production: DJANGO_ENV=production refuses to start without a strong DJANGO_SECRET_KEY.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Files the product writes for itself (import reports, the demo admin's password, the embedded beat's lock).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
IS_PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

if IS_PRODUCTION:
    # The same thresholds `manage.py check --deploy` uses (security.W009): a short or
    # low-variety key, or the development key, is refused rather than warned about.
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs DJANGO_SECRET_KEY: at least 50 characters, not the development key."
        )
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "jobs",
    "salaries",
    "insights",
]

MIDDLEWARE = [
    "config.observability.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.api.RejectNullCharactersMiddleware",
    "config.limits.RequestLimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jobs.audit.audit_via_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue on the
    # busy timeout instead of failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# No broker configured means the embedded default: tasks run eagerly, in-process, after commit.
BROKER_CONFIGURED = env.str("CELERY_BROKER_URL", default=env.str("REDIS_URL", default=""))
CELERY_BROKER_URL = BROKER_CONFIGURED or "memory://localhost/"

# LOG_FORMAT=json: one JSON object per line (config.observability), with the request id of the request or task.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default config gives `django` a console handler of its own; with the root's, every line of
        # a django.* logger was printed twice. One handler, the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # One line per request (route name, status, time): for servers' logs, not the embedded console.
        "jobboard.requests": {"level": "INFO" if IS_PRODUCTION else "WARNING"},
        # Each task's "succeeded in …" line; in the embedded default (eager tasks) it floods the console.
        "celery.app.trace": {"level": "INFO" if BROKER_CONFIGURED else "WARNING"},
        # Each drain's timing line (statistics, releases, storing): for workers' logs, not the embedded console.
        "insights.services.market_ranges": {"level": "INFO" if BROKER_CONFIGURED else "WARNING"},
    },
}

# --- Cache ----------------------------------------------------------------------------------
# Rendered public pages, keyed by their validator (config.conditional): shared by every process through Redis
# when there is one, kept per process otherwise.
CACHES = {
    "default": (
        {"BACKEND": "config.cache.FailOpenRedisCache", "LOCATION": env.str("REDIS_URL"), "KEY_PREFIX": "jobboard",
         # An unreachable Redis is a miss within half a second, not a hung request (config.cache).
         "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
        if env.str("REDIS_URL", default="")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 2000}}
    )
}  # fmt: skip
# How long a rendered page is kept; any change to the data makes a new validator (and key) at once.
RESPONSE_CACHE_SECONDS = env.int("RESPONSE_CACHE_SECONDS", default=300)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],  # fmt: skip
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonThrottle",
        "config.throttling.UserThrottle",
        "config.throttling.SalaryDataThrottle",
    ],  # fmt: skip
}

# Request rates per scope (config.throttling), "N/second|minute|hour|day"; API_THROTTLING=off lifts every limit
# (the serving benchmarks measure the read path alone).
_THROTTLING = env.bool("API_THROTTLING", default=True)
API_THROTTLE_RATES = {
    scope: (env.str(f"API_THROTTLE_{scope.upper()}", default=default) if _THROTTLING else None)
    for scope, default in {
        "anon": "300/minute",
        "user": "1200/minute",
        "salary_data_anon": "60/minute",
        "salary_data_user": "300/minute",
        "login_user": "10/minute",
        "login_address": "30/minute",
    }.items()
}
# What one request may cost (config.limits); the web process's statement timeout on PostgreSQL (config.database).
WEB_STATEMENT_TIMEOUT_MS = env.int("WEB_STATEMENT_TIMEOUT_MS", default=10_000)
# Who may read /metrics (config.observability): loopback and private networks, where a scraper runs.
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("API_MAX_BODY_BYTES", default=1_000_000)
API_MAX_JSON_DEPTH = 20
API_MAX_VALUES_PER_PARAMETER = 20
API_MAX_PARAMETERS = 40

SPECTACULAR_SETTINGS = {
    "TITLE": "Job board with salary insights",
    "DESCRIPTION": (
        "Postings with their pay as posted and normalised, and the market range of each posting's segment. "
        'Every error is JSON: `{"error": {"code", "message", "fields": [{"field", "code", "message"}]}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, pinned: no CDN, so no blank page offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.add_limit_responses"],
    "ENUM_NAME_OVERRIDES": {
        "PayPeriodEnum": "salaries.money.PayPeriod",
        "SourceKindEnum": "salaries.models.SourceKind",
        "ProvenanceKindEnum": ["employer_posted", "survey_observation", "benchmark", "computed"],
        "RoleFamilyEnum": "salaries.taxonomy.RoleFamily",
        "SizeBandEnum": "salaries.taxonomy.SizeBand",
        "ReportKindEnum": "insights.models.ReportKind",
        "ReportStatusEnum": "insights.models.ReportStatus",
        "ContextStatusEnum": ["ok", "insufficient_data"],
        "PostingStatusEnum": "jobs.models.PostingStatus",
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = not BROKER_CONFIGURED
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Redis re-delivers an unacknowledged (acks_late) message after the visibility timeout; it must be
# far longer than any task's hard time limit or a slow task would run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": 5,
    "socket_connect_timeout": 2,
}
# A publish must not hang a web request when the broker is down: the dirty mark is already
# committed and the sweep will pick it up, so fail fast and move on.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Separate queues so a long import or report never delays market-range freshness: run a worker
# (or more) on `recompute` alone, and others on `imports,reports,celery`.
# Recompute sharding (insights.services.dirty): with N > 1 each role-and-level partition is drained from one of
# the queues recompute.0 … recompute.N-1, so N workers (on N machines) each hold about 1/N of the data points.
# Every process (web, workers, beat) must agree on N; `manage.py recompute_queues` prints the queue names.
MARKET_RECOMPUTE_SHARDS = env.int("MARKET_RECOMPUTE_SHARDS", default=1)
CELERY_TASK_ROUTES = {
    # Drains name their shard's queue when sent; these routes are for messages that do not (beat's sweep,
    # which with several shards only hands each shard its own sweep, so any worker of the default queue runs it).
    "insights.recompute_dirty_segments": {"queue": "recompute" if MARKET_RECOMPUTE_SHARDS <= 1 else "recompute.0"},
    "insights.sweep_dirty_segments": {"queue": "recompute" if MARKET_RECOMPUTE_SHARDS <= 1 else "celery"},
    "insights.snapshot_market_ranges": {"queue": "reports"},
    "insights.generate_report": {"queue": "reports"},
    "insights.publish_weekly_reports": {"queue": "reports"},
    "insights.recompute_skill_premiums": {"queue": "reports"},
    "salaries.*": {"queue": "imports"},
    "jobs.send_search_alerts": {"queue": "reports"},  # batch work, beside the reports
    "jobs.refresh_market_positions": {"queue": "reports"},
}
CELERY_TIMEZONE = TIME_ZONE
# With no broker, the web process runs the schedule below itself (config.embedded); off: nothing periodic runs.
EMBEDDED_BEAT = env.bool("EMBEDDED_BEAT", default=True)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "sweep-dirty-segments": {
        "task": "insights.sweep_dirty_segments",
        "schedule": timedelta(seconds=env.int("MARKET_SWEEP_SECONDS", default=30)),
    },
    "snapshot-market-ranges": {
        "task": "insights.snapshot_market_ranges",
        "schedule": crontab(hour=0, minute=30),
    },
    "publish-weekly-reports": {
        "task": "insights.publish_weekly_reports",
        "schedule": crontab(day_of_week=1, hour=1, minute=30),  # Mondays, after the night's snapshot
    },
    "recompute-skill-premiums": {
        "task": "insights.recompute_skill_premiums",
        "schedule": timedelta(seconds=env.int("SKILL_PREMIUMS_SECONDS", default=900)),
    },
    "expire-postings": {
        "task": "jobs.expire_postings",
        "schedule": timedelta(seconds=env.int("EXPIRY_SWEEP_SECONDS", default=10)),
    },
    "refresh-market-positions": {
        "task": "jobs.refresh_market_positions",
        "schedule": timedelta(seconds=env.int("MARKET_POSITION_SECONDS", default=300)),
    },
    "send-search-alerts": {
        "task": "jobs.send_search_alerts",
        "schedule": timedelta(seconds=env.int("SEARCH_ALERT_SECONDS", default=300)),
    },
}

# Mail (saved-search alerts, invitations): printed to the console unless a backend is configured.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="jobs@localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")  # links in mail sent by workers (no request)

# --- Product rules --------------------------------------------------------------------------
# A segment is shown with numbers to the public only with at least this many data points and
# distinct companies; below that the API says there is not enough data.
MARKET_MIN_SAMPLE_SIZE = env.int("MARKET_MIN_SAMPLE_SIZE", default=5)
MARKET_MIN_COMPANIES = env.int("MARKET_MIN_COMPANIES", default=3)
MARKET_RECOMPUTE_BATCH_SIZE = env.int("MARKET_RECOMPUTE_BATCH_SIZE", default=5000)
# PostgreSQL work_mem while the market-range engine reads its points, so their sort stays in memory.
MARKET_SQL_WORK_MEM = env.str("MARKET_SQL_WORK_MEM", default="256MB")
# Drains on PostgreSQL keep the data points in each worker between batches (insights.services.point_cache).
MARKET_POINT_CACHE = env.bool("MARKET_POINT_CACHE", default=True)
# How often each worker compares its cached points with the database (catches writes outside the services).
MARKET_POINT_CACHE_CHECK_SECONDS = env.int("MARKET_POINT_CACHE_CHECK_SECONDS", default=60)
# The daily snapshot task works this long, then hands the remaining ranges to a new task (its soft limit is 600 s).
MARKET_SNAPSHOT_PART_SECONDS = env.int("MARKET_SNAPSHOT_PART_SECONDS", default=240)
POSTING_DEFAULT_LIFETIME_DAYS = env.int("POSTING_DEFAULT_LIFETIME_DAYS", default=60)
# The longest a posting may run from publication (jobs.services): past the default it needs a reason.
POSTING_MAX_LIFETIME_DAYS = env.int("POSTING_MAX_LIFETIME_DAYS", default=120)
