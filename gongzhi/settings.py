"""Gongzhi settings: one module, read from environment variables.

Development defaults are safe for a laptop (SQLite, DEBUG on, a fixed development data key);
production sets ``DEBUG=0`` and real values, and then every missing secret fails loudly.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def _password_validators(profile: str) -> list[dict]:
    from gongzhi.accounts.validators import validators_for

    return validators_for(profile)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: use 1/0, true/false.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "gongzhi-development-secret-key-not-for-production-use-0123456789"  # noqa: S105 - DEBUG only
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0.")
    SECRET_KEY = _DEV_SECRET

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Sensitive personal data (ID numbers) is encrypted with Fernet keys from GONGZHI_DATA_KEY:
# a comma-separated list, newest first. New values use the first key; any key decrypts.
_data_keys = env_list("GONGZHI_DATA_KEY")
if not _data_keys:
    if not DEBUG:
        raise ImproperlyConfigured(
            "GONGZHI_DATA_KEY must be set when DEBUG=0 "
            '(generate one with: gongzhi shell -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())").'
        )
    _data_keys = [base64.urlsafe_b64encode(hashlib.sha256(b"gongzhi-dev-data-key").digest()).decode()]
GONGZHI_DATA_KEYS = _data_keys
# The blind index (keyed hash that makes ID numbers unique and searchable) must not change
# when data keys rotate, so it has its own key; by default it derives from the oldest data key.
GONGZHI_INDEX_KEY = env_str("GONGZHI_INDEX_KEY") or _data_keys[-1]
# Key rotation removes the oldest data key at its end, so it needs the index key set on its own.
GONGZHI_INDEX_KEY_PINNED = bool(env_str("GONGZHI_INDEX_KEY"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "django_otp",
    # Second-factor devices are gongzhi.accounts' own (secrets encrypted, recovery codes
    # hashed); django-otp's plain-text otp_totp and otp_static plugins are not installed.
    "csp",
    "gongzhi.core",
    "gongzhi.audit",
    "gongzhi.accounts",
    "gongzhi.areas",
    "gongzhi.people",
    "gongzhi.notifications",
    "gongzhi.cases",
    "gongzhi.organizations",
    "gongzhi.projects",
    "gongzhi.volunteers",
    "gongzhi.stats",
    "gongzhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gongzhi.core.security.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "csp.middleware.CSPMiddleware",
    "gongzhi.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gongzhi.accounts.middleware.OTPMiddleware",  # django_otp's, see its docstring
    "gongzhi.accounts.middleware.IdleSessionMiddleware",
    "gongzhi.accounts.middleware.SecondFactorMiddleware",
    "gongzhi.accounts.middleware.PasswordExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "gongzhi.audit.context.AuditContextMiddleware",
    "gongzhi.core.security.RateLimitMiddleware",
    "gongzhi.core.security.ResponseHeadersMiddleware",
    # Last, so that it turns a lockout flagged anywhere during the request into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

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

# Database: SQLite (WAL, IMMEDIATE transactions) by default; DATABASE_URL switches.
DATA_DIR = Path(env_str("GONGZHI_DATA_DIR", str(PROJECT_DIR / "var")))
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "gongzhi.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
                # timeout instead of one failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
# PostgreSQL compiles a query it estimates costly with LLVM (JIT). The planner's estimates of
# the API lists' queries pass that bar even over the demo district, and compiling one took a
# second or more where running it takes milliseconds (PostgreSQL 15): Gongzhi's queries are
# short, so its connections do without JIT. GONGZHI_PG_JIT=1 stops asking (the server's own
# jit setting then applies): needed behind PgBouncer, which refuses startup options
# (docs/scaling.md).
GONGZHI_PG_JIT = env_bool("GONGZHI_PG_JIT", False)


def _without_jit(database: dict) -> dict:
    if not GONGZHI_PG_JIT and "postgresql" in database.get("ENGINE", ""):
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


_without_jit(DATABASES["default"])
# --- Read scaling (issue 9): a PostgreSQL streaming replica for dashboard and list reads ---
# DATABASE_REPLICA_URL adds the "replica" database and routes the safe requests to dashboards
# and lists there (gongzhi/core/replica.py); writes, migrations, transactions and sign-in data
# stay on the primary, and a user's reads stay on the primary for GONGZHI_REPLICA_PIN_SECONDS
# after they wrote (longer than the replica's worst lag). Unset: one database, nothing changes.
# Under the test runner the replica is a second connection to the primary's test database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
GONGZHI_REPLICA_PIN_SECONDS = env_int("GONGZHI_REPLICA_PIN_SECONDS", 10)
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs DATABASE_URL: a replica follows a PostgreSQL primary, not SQLite."
        )
    DATABASES["replica"] = _without_jit(dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["gongzhi.core.replica.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "gongzhi.core.replica.ReplicaMiddleware"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Axes first: it refuses locked accounts and addresses before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "gongzhi.accounts.backends.RoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Password rules: "mlps" (MLPS 2.0 level 3: ≥ 8 characters, 3 of 4 character classes) or "asvs"
# (OWASP ASVS: ≥ 12 characters, no composition rules); see gongzhi/accounts/validators.py.
GONGZHI_PASSWORD_PROFILE = env_str("GONGZHI_PASSWORD_PROFILE", "mlps")
AUTH_PASSWORD_VALIDATORS = _password_validators(GONGZHI_PASSWORD_PROFILE)
# Argon2id for new and changed passwords; older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Third-party front-end code comes from npm at set-up time (package.json), never the repo.
# Beside the checkout by default; GONGZHI_NODE_MODULES names it when the package is installed
# elsewhere (``pip install .`` into a virtualenv or image: docs/deployment.md).
NODE_MODULES = Path(env_str("GONGZHI_NODE_MODULES", str(PROJECT_DIR / "node_modules")))
for _prefix, _sub in (
    ("vendor/htmx", "htmx.org/dist"),
    ("vendor/leaflet", "leaflet/dist"),
    ("vendor/pico", "@picocss/pico/css"),
    ("vendor/echarts", "echarts/dist"),
):
    if (NODE_MODULES / _sub).is_dir():
        STATICFILES_DIRS.append((_prefix, NODE_MODULES / _sub))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# WhiteNoise scans STATIC_ROOT at start-up and warns if it is missing (before collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
# --- Object storage for uploads (issue 9): S3-compatible, private, through django-storages ---
# GONGZHI_S3_BUCKET moves uploaded files (case, delivery and wish photos, charters) from
# MEDIA_ROOT to a bucket (MinIO, Ceph, OSS, COS, S3 ...). The bucket stays private: objects are
# written without a public ACL, and the application streams each file through the views that
# check who may see it, as it does from disk; no URL to the bucket is ever handed out (and if
# code asked for one, it would be signed and short-lived, never a public custom domain).
# Needs the optional extra: pip install 'gongzhi[s3]'. Keys may be left empty on a host whose
# credentials come from boto3's own chain (an instance role, ~/.aws).
GONGZHI_S3_BUCKET = env_str("GONGZHI_S3_BUCKET")
if GONGZHI_S3_BUCKET:
    import importlib.util

    if importlib.util.find_spec("storages") is None or importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured(
            "GONGZHI_S3_BUCKET is set but django-storages with boto3 is not installed: "
            "install the extra with pip install 'gongzhi[s3]', or unset GONGZHI_S3_BUCKET."
        )
    _s3_access_key = env_str("GONGZHI_S3_ACCESS_KEY")
    _s3_secret_key = env_str("GONGZHI_S3_SECRET_KEY")
    if bool(_s3_access_key) != bool(_s3_secret_key):
        raise ImproperlyConfigured(
            "Set both GONGZHI_S3_ACCESS_KEY and GONGZHI_S3_SECRET_KEY, or neither (boto3's own credentials)."
        )
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": GONGZHI_S3_BUCKET,
            "endpoint_url": env_str("GONGZHI_S3_ENDPOINT_URL") or None,
            "region_name": env_str("GONGZHI_S3_REGION") or None,
            "access_key": _s3_access_key or None,
            "secret_key": _s3_secret_key or None,
            # Objects under this prefix, so one bucket can serve several districts or stages.
            "location": env_str("GONGZHI_S3_PREFIX", "media"),
            # "path" for MinIO and most self-hosted stores; "virtual" for AWS and most clouds.
            "addressing_style": env_str("GONGZHI_S3_ADDRESSING_STYLE") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "custom_domain": None,
            # Never replace an existing object: a second charter of the same name gets a
            # suffix, as on disk.
            "file_overwrite": False,
        },
    }

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gongzhi.core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "gongzhi.core.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "gongzhi.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gongzhi.core.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gongzhi (共治) API",
    "DESCRIPTION": "Grassroots social governance: areas, people, organizations, projects, "
    "grid cases and volunteers. Every list is paginated and scoped to the caller's jurisdiction.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error answers (400/401/403/404/429) in the one error shape.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "gongzhi.core.openapi.add_error_responses",
    ],
}

# Production hardening: only when DEBUG is off, so the laptop demo runs on plain HTTP.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies stand in front (docs/deployment.md: one nginx → 1). The client's
# address (audit log, lockouts, rate limits) is then read from X-Forwarded-For that far back;
# with 0 it is the connection's own address — behind a proxy, the proxy's, for everyone.
GONGZHI_TRUSTED_PROXY_COUNT = env_int("GONGZHI_TRUSTED_PROXY_COUNT", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Demo and map defaults.
GONGZHI_MAP_CENTER = (29.88, 121.85)  # Beilun district, Ningbo

# Grid cases.
# Working periods of a working day (deadlines count working hours), local time.
GONGZHI_WORK_PERIODS = env_str("GONGZHI_WORK_PERIODS", "08:30-12:00,13:30-17:30")
# Share of a stage's time after which a case turns yellow (nearly due).
GONGZHI_YELLOW_SHARE = 0.8
# How long a process trusts its copy of the grid index stamp, holidays and time limits before
# reading them again (gongzhi/core/refcache.py); a save in the same process drops it at once.
GONGZHI_REFERENCE_CACHE_SECONDS = env_int("GONGZHI_REFERENCE_CACHE_SECONDS", 30)
# Open cases of the same category within this distance are suggested as duplicates.
GONGZHI_DUPLICATE_RADIUS_M = env_int("GONGZHI_DUPLICATE_RADIUS_M", 100)
GONGZHI_PHOTO_MAX_BYTES = 10 * 1024 * 1024
GONGZHI_PHOTO_MAX_PIXELS = 40_000_000
# Email for notifications: set EMAIL_HOST (and the rest) to send each notification by email too.
if env_str("EMAIL_HOST"):
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gongzhi@localhost")
# The site's public address, for full links in emails (e.g. https://gongzhi.example.gov.cn).
GONGZHI_SITE_URL = env_str("GONGZHI_SITE_URL")
# Volunteer check-in QR codes: how long a displayed token stays valid (the screen rotates it).
GONGZHI_QR_TTL_SECONDS = env_int("GONGZHI_QR_TTL_SECONDS", 120)

# Background work: Celery with Redis in production; in-process (eager) in the embedded default.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "sweep-cases": {"task": "gongzhi.cases.tasks.sweep_cases", "schedule": 300.0},
    "sweep-wishes": {"task": "gongzhi.volunteers.tasks.sweep_wishes", "schedule": 3600.0},
}
# --- Statistics roll-ups (issue 9, gongzhi.stats.rollups): the recent days every interval,
# everything nightly; the dashboard reads them while younger than the maximum age. ---
GONGZHI_ROLLUP_INTERVAL_SECONDS = env_int("GONGZHI_ROLLUP_INTERVAL_SECONDS", 600)
GONGZHI_ROLLUP_MAX_AGE_MINUTES = env_int("GONGZHI_ROLLUP_MAX_AGE_MINUTES", 30)
GONGZHI_ROLLUP_RECENT_DAYS = env_int("GONGZHI_ROLLUP_RECENT_DAYS", 62)
CELERY_BEAT_SCHEDULE["refresh-rollups"] = {
    "task": "gongzhi.stats.tasks.refresh_rollups",
    "schedule": float(GONGZHI_ROLLUP_INTERVAL_SECONDS),
}
CELERY_BEAT_SCHEDULE["refresh-rollups-full"] = {
    "task": "gongzhi.stats.tasks.refresh_rollups",
    "schedule": 86400.0,
    "kwargs": {"full": True},
}

# Social organizations: may one person lead two filed organizations at once? (district policy)
GONGZHI_ALLOW_MULTIPLE_FILED_LEADERSHIP = env_bool("GONGZHI_ALLOW_MULTIPLE_FILED_LEADERSHIP", False)
# --- Organization import jobs (issue 9, gongzhi.organizations.imports): a job whose worker died
# is marked failed by this sweep instead of showing "running" forever. ---
CELERY_BEAT_SCHEDULE["sweep-stale-imports"] = {
    "task": "gongzhi.organizations.tasks.sweep_stale_imports",
    "schedule": 300.0,
}

# --- Security (issue 8): each part has its own section below, in this order. ---
# --- Authentication: lockout, sessions, second factor, API tokens (gongzhi.accounts) ---
# Password expiry: the MLPS profile forces a change after 90 days; ASVS does not expire them.
GONGZHI_PASSWORD_MAX_AGE_DAYS = env_int(
    "GONGZHI_PASSWORD_MAX_AGE_DAYS",
    90 if GONGZHI_PASSWORD_PROFILE == "mlps" else 0,  # noqa: S105 - a profile name, not a password
)
# Login failures (django-axes, database handler): after N failures within the window an
# account and, independently, a client address are locked for M minutes.
GONGZHI_LOCKOUT_FAILURES = env_int("GONGZHI_LOCKOUT_FAILURES", 5)
GONGZHI_LOCKOUT_MINUTES = env_int("GONGZHI_LOCKOUT_MINUTES", 15)
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = GONGZHI_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = datetime.timedelta(minutes=GONGZHI_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The same client address the audit log records (honours GONGZHI_TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "gongzhi.audit.context.client_ip"
AXES_LOCKOUT_CALLABLE = "gongzhi.accounts.lockout.lockout_response"
# Attempts during a lock are refused without being counted, so a lock ends M minutes after
# it began (and the page can say when); a successful login clears that account's failures
# (gongzhi.accounts.signals), never the address's.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Idle sessions end after N minutes without a request (gongzhi.accounts.middleware); the
# session row itself expires a few minutes later as a backstop.
GONGZHI_SESSION_IDLE_MINUTES = env_int("GONGZHI_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = (GONGZHI_SESSION_IDLE_MINUTES + 5) * 60
# Background polls that do not count as activity (the unread-messages badge polls each minute).
GONGZHI_SESSION_PASSIVE_URL_NAMES = ["cases:unread_count"]
# Two-factor authentication (TOTP, recovery codes) is required for these roles, optional for others.
GONGZHI_2FA_REQUIRED_ROLES = env_list(
    "GONGZHI_2FA_REQUIRED_ROLES", "district_admin,street_admin,justice_officer,sysadmin"
)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "共治")
# API tokens expire after this many days.
GONGZHI_TOKEN_TTL_DAYS = env_int("GONGZHI_TOKEN_TTL_DAYS", 30)
# --- Audit log (gongzhi.audit) ---
# Audit rows are kept this many days (at least 184: six months, MLPS 2.0 level 3); older
# sealed rows are deleted daily by `gongzhi purge-audit` (the beat task below).
GONGZHI_AUDIT_RETENTION_DAYS = env_int("GONGZHI_AUDIT_RETENTION_DAYS", 184)
if GONGZHI_AUDIT_RETENTION_DAYS < 184:
    raise ImproperlyConfigured(
        f"GONGZHI_AUDIT_RETENTION_DAYS={GONGZHI_AUDIT_RETENTION_DAYS} is below the minimum of 184 days."
    )
# With a task queue, new audit rows are chained (sealed) every 30 seconds; without one
# (embedded mode) right after each commit.
CELERY_BEAT_SCHEDULE["seal-audit-log"] = {"task": "gongzhi.audit.tasks.seal_audit_log", "schedule": 30.0}
CELERY_BEAT_SCHEDULE["purge-audit-log"] = {"task": "gongzhi.audit.tasks.purge_audit_log", "schedule": 86400.0}
# Organizations have a "category" too: the audit log's choice sets get names of their own,
# and the organizations' keeps the name it had (CategoryEnum).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),
    "CategoryEnum": "gongzhi.organizations.choices.FilingCategory",
    "AuditCategoryEnum": "gongzhi.audit.choices.Category",
    "AuditOutcomeEnum": "gongzhi.audit.choices.Outcome",
}
# --- Privacy: masking and encryption of personal data ---
# Personal data in logs: every handler configured above masks 18-character ID numbers and
# 11-digit mobile numbers in messages, arguments and tracebacks (gongzhi.core.masking), and
# Django's own loggers (request errors) write through the same masked handler instead of
# their defaults (which print unmasked in DEBUG and mail tracebacks with request data).
LOGGING.setdefault("filters", {})["mask_personal_data"] = {
    "()": "gongzhi.core.masking.MaskPersonalDataFilter"
}
for _handler in LOGGING["handlers"].values():
    _handler.setdefault("filters", []).append("mask_personal_data")
LOGGING.setdefault("loggers", {}).update(
    {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    }
)
# --- Hardening: headers, CSP, rate and size limits ---
# Content Security Policy (django-csp): scripts and style sheets only from this site, never
# inline, never eval (htmx runs with allowEval off). Style *attributes* stay allowed because
# ECharts' tooltips and Leaflet's markers set them from script; <style> blocks are not.
# The pages draw maps without tiles (they work offline), so images are local, data: or blob:
# (photo previews before upload). The API docs page adds a nonce for its one inline style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the pages may use: the report page locates the reporter; photos come from a
# file input (which needs no camera permission); nothing else.
GONGZHI_PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"
# Request sizes. Form and JSON bodies (everything but files) up to 2.5 MB; files above 2.5 MB
# go to a temporary file instead of memory. GONGZHI_MAX_REQUEST_BYTES refuses a larger request
# (413) from its Content-Length before any of it is read: photos are up to 10 MB each and a
# stage takes up to nine, so the default (40 MB) lets a phone send several full-size photos.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 20)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
GONGZHI_MAX_REQUEST_BYTES = env_int("GONGZHI_MAX_REQUEST_BYTES", 40 * 1024 * 1024)
# Uploaded documents (an organization's charter: PDF, Word or an image) and XLSX imports.
GONGZHI_DOCUMENT_MAX_BYTES = env_int("GONGZHI_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
GONGZHI_XLSX_MAX_BYTES = env_int("GONGZHI_XLSX_MAX_BYTES", 20 * 1024 * 1024)
# An XLSX is a zip: refuse one that would expand beyond this (a zip bomb) before opening it.
GONGZHI_XLSX_MAX_UNCOMPRESSED_BYTES = env_int("GONGZHI_XLSX_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024)


# Rate limits ("count/period", period s, m, h or d), counted in the cache per client address
# (and per API key for Open311). The embedded default's local-memory cache counts per process;
# production's Redis cache counts across processes. See gongzhi/core/security.py for the doors.
def env_rate(name: str, default: str) -> str:
    import re

    value = env_str(name, default).strip()
    if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", value):
        raise ImproperlyConfigured(
            f"{name} must be count/period such as 10/m (period s, m, h or d), got {value!r}."
        )
    return value


RATELIMIT_USE_CACHE = "default"
GONGZHI_RATE_LOGIN = env_rate("GONGZHI_RATE_LOGIN", "10/m")
GONGZHI_RATE_PUBLIC_REPORT = env_rate("GONGZHI_RATE_PUBLIC_REPORT", "10/h")
# Open311 reports per client address, and per API key (one application reports for many
# residents; a server-side integration posting from one address needs GONGZHI_RATE_OPEN311 raised).
GONGZHI_RATE_OPEN311 = env_rate("GONGZHI_RATE_OPEN311", "60/h")
GONGZHI_RATE_OPEN311_KEY = env_rate("GONGZHI_RATE_OPEN311_KEY", "1000/h")
GONGZHI_RATE_VERIFY = env_rate("GONGZHI_RATE_VERIFY", "30/m")
# --- Reliability: idempotency, backups, health ---
# A retried create with the same Idempotency-Key gets the first answer for this many hours.
GONGZHI_IDEMPOTENCY_TTL_HOURS = env_int("GONGZHI_IDEMPOTENCY_TTL_HOURS", 24)
# `gongzhi backup` writes its archives here unless --output names a path.
GONGZHI_BACKUP_DIR = Path(env_str("GONGZHI_BACKUP_DIR", str(DATA_DIR / "backups")))
# /healthz: seconds each check (database, cache, task queue) may take before it counts as down.
GONGZHI_HEALTH_TIMEOUT = float(env_str("GONGZHI_HEALTH_TIMEOUT", "1.0"))
