"""Gongzhi settings: one module, read from environment variables.

Development defaults are safe for a laptop (SQLite, DEBUG on, a fixed development data key);
production sets ``DEBUG=0`` and real values, and then every missing secret fails loudly.
"""

from __future__ import annotations

import base64
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

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongzhi.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "gongzhi.audit.context.AuditContextMiddleware",
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["gongzhi.accounts.backends.RoleBackend"]
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
NODE_MODULES = PROJECT_DIR / "node_modules"
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
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"

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

# Social organizations: may one person lead two filed organizations at once? (district policy)
GONGZHI_ALLOW_MULTIPLE_FILED_LEADERSHIP = env_bool("GONGZHI_ALLOW_MULTIPLE_FILED_LEADERSHIP", False)
