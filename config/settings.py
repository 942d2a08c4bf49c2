"""Tepai settings.

This is the only module that reads the environment. Every variable is listed in README.md.
With nothing set, Tepai runs on an SQLite file, runs Celery tasks eagerly in-process and keeps
files in ./var/; DATABASE_URL switches to PostgreSQL and CELERY_BROKER_URL to Redis with real
workers. Outside DEBUG a missing or default secret key refuses to start.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

# Development-only key: refused below whenever DEBUG is off.
_DEV_SECRET_KEY = "django-insecure-tepai-development-key-do-not-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters when DJANGO_DEBUG is off."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Where Tepai keeps what it writes: the SQLite file, uploads and generated maps.
DATA_DIR = Path(env_str("TEPAI_DATA_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # For its catalogue: its sign-in and token messages in Chinese (some only in ours, api/auth.py).
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "villages",
    "specialists",
    "api",
    "frontend",
    # Leaflet's own files (django-js-lib-leaflet), so that the map works on a network with no internet.
    "js_lib_leaflet",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compresses every answer the client accepts gzip for (the map layers shrink about fivefold), after
    # everything below has written the body and its headers. BREACH: pages carry the CSRF token, which
    # Django masks afresh in every response, and GZipMiddleware pads each body with random bytes
    # (Django 4.2's "Heal the Breach"); the API's tokens travel in headers, never in a body that also
    # reflects the request.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The status palette (villages/palette.py) that base.html writes into every page.
                "frontend.context_processors.status_palette",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    import dj_database_url

    if not DATABASE_URL.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured("DATABASE_URL must be a postgresql:// or sqlite:// URL")
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))}
else:
    # The SQLite file needs its folder; creating it here saves every first-run command a step.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "tepai.sqlite3",
            # WAL lets the development server read while a worker or the loader writes.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the failed sign-in counters, so their limits hold across processes only when it
# is shared: CACHE_URL points at Redis in production. Unset, each process keeps its own (fine for
# one development server; `check --deploy` warns about it when DEBUG is off).
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("CACHE_URL must be a redis://, rediss:// or unix:// URL")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "tepai"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tepai"}}

# ModelBackend checks passwords (every sign-in reaches it through the throttle in
# specialists/access/throttle.py) and, being first, is the backend sessions record. RoleBackend signs
# nobody in: it grants the admin permissions a user's role carries (specialists/access/backends.py).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "specialists.access.backends.RoleBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:login"

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("TEPAI_STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("TEPAI_MEDIA_ROOT", str(DATA_DIR / "media")))

# Celery: with no broker configured, tasks run eagerly in the calling process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

REST_FRAMEWORK = {
    # Phones send a JWT (its user read with their role, in one query); the pages' own calls ride on
    # the session (with its CSRF check).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.access.authentication.RoleJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasTepaiRole"],
    # DRF's search and ordering, refusing a NUL naming the parameter (api/filters.py).
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "api.filters.SearchFilter",
        "api.filters.OrderingFilter",
    ],
    # DRF's parsers, with JSON refusing a body nested too deep, and all three a NUL (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser", "api.parsers.FormParser", "api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.LanguageContentNegotiation",
    # JSON only: no browsable HTML API (outside the schema, and HTML for a browser's Accept header).
    # The interactive documentation is /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

# A list's count is exact up to this many rows. Past it, on PostgreSQL, the answer gives the
# planner's estimate with `count_is_estimate: true` (api/pagination.py): an exact COUNT(*) of a
# national table (a million village assignments) costs more than the page itself. SQLite always
# counts exactly.
TEPAI_LIST_EXACT_COUNT_MAX = env_int("TEPAI_LIST_EXACT_COUNT_MAX", 10_000)

SPECTACULAR_SETTINGS = {
    "TITLE": "Tepai API",
    "DESCRIPTION": "Science-and-technology specialists (科技特派员): divisions, specialists, teams and assignments.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One named component per choice set that the request and response serializers share.
    "ENUM_NAME_OVERRIDES": {
        "ServiceLogKindEnum": "specialists.fieldwork.models.ServiceLog.Kind",
        "CoordinateSystemEnum": "specialists.fieldwork.models.ServiceLog.CRS",
        "AchievementKindEnum": "specialists.fieldwork.models.Achievement.Kind",
        "EnterpriseKindEnum": "specialists.fieldwork.models.Enterprise.Kind",
        "RelationEnum": "specialists.fieldwork.models.Enterprise.Relation",
        # The name a team's level had before places had levels too: components are never renamed.
        "LevelEnum": "specialists.people.models.Team.Level",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}

SIMPLE_JWT = {
    # Short-lived access tokens; the refresh token outlives weeks without signal in a village.
    # No rotation: a phone whose refresh response is lost would otherwise hold a revoked token
    # and be signed out. Logout revokes the refresh token (token_blacklist).
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=30),
    "ROTATE_REFRESH_TOKENS": False,
    "UPDATE_LAST_LOGIN": True,
}

# Security headers that `check --deploy` asks for; on by default whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
# Behind our own proxy, its X-Forwarded-Proto says whether the request came over TLS, and the
# last X-Forwarded-For entry is the client address that sign-in throttling counts.
TEPAI_BEHIND_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
if TEPAI_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TEPAI_LOG_LEVEL", "INFO")},
    # Django's default config gives "django" a console handler of its own; without this override
    # every line would print twice (there and through root).
    "loggers": {"django": {"handlers": ["console"], "level": env_str("TEPAI_LOG_LEVEL", "INFO"), "propagate": False}},
}

# Coverage: a covered village is "at risk" when all its running assignments end within this many
# days; a specialist serving more villages than the load below is flagged as overloaded.
TEPAI_AT_RISK_DAYS = env_int("TEPAI_AT_RISK_DAYS", 30)
TEPAI_MAX_VILLAGES_PER_SPECIALIST = env_int("TEPAI_MAX_VILLAGES_PER_SPECIALIST", 5)

# Service logs: a log's location counts as in its village when it lies inside the boundary or
# within this many metres of it. Photos larger than these limits are refused before decoding.
TEPAI_LOG_DISTANCE_M = env_int("TEPAI_LOG_DISTANCE_M", 500)
TEPAI_PHOTO_MAX_BYTES = env_int("TEPAI_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
TEPAI_PHOTO_MAX_PIXELS = env_int("TEPAI_PHOTO_MAX_PIXELS", 40_000_000)
# Achievement evidence: a photo (also held to the pixel limit above) or a PDF, at most this many bytes.
TEPAI_EVIDENCE_MAX_BYTES = env_int("TEPAI_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
# A request's data other than files (a JSON or form body, a multipart form's other fields): Django's
# default of 2.5 MB, stated because the API answers 413 past it (api/exceptions.py). An upload whose
# declared length leaves no room for its file under the limits above is refused before it is read (api/parsers.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The dashboard's map draws a place of more administrative villages than this unit by unit (county-level
# units coloured by their rate), and loads a unit's villages as the view zooms in to it.
TEPAI_MAP_VILLAGE_LIMIT = env_int("TEPAI_MAP_VILLAGE_LIMIT", 5000)

# Exports of the API's lists (api/exports.py): an export matching more rows than this is refused
# (422), since it is written in one request; narrower filters make several files.
TEPAI_EXPORT_MAX_ROWS = env_int("TEPAI_EXPORT_MAX_ROWS", 100_000)
if TEPAI_EXPORT_MAX_ROWS < 1:
    raise ImproperlyConfigured("TEPAI_EXPORT_MAX_ROWS must be at least 1")

# The most service logs a phone may send in one batch (POST service-logs/batch/); more are refused (413).
TEPAI_LOG_BATCH_MAX = env_int("TEPAI_LOG_BATCH_MAX", 500)
if TEPAI_LOG_BATCH_MAX < 1:
    raise ImproperlyConfigured("TEPAI_LOG_BATCH_MAX must be at least 1")

# Imports (villages.imports, specialists.imports): an upload over TEPAI_IMPORT_MAX_BYTES, an archive
# (a zipped Shapefile, an .xlsx) holding more than TEPAI_IMPORT_MAX_MEMBERS files or expanding past
# TEPAI_IMPORT_MAX_EXPANDED_BYTES, or a sheet of more than TEPAI_IMPORT_MAX_ROWS rows is refused before
# it is parsed. A division list may be longer: TEPAI_IMPORT_MAX_DIVISION_ROWS (the national list down
# to the village has about 650,000). Every import's preview
# and commit run as Celery jobs (at once when tasks run eagerly).
TEPAI_IMPORT_MAX_BYTES = env_int("TEPAI_IMPORT_MAX_BYTES", 300 * 1024 * 1024)
TEPAI_IMPORT_MAX_EXPANDED_BYTES = env_int("TEPAI_IMPORT_MAX_EXPANDED_BYTES", 1024 * 1024 * 1024)
TEPAI_IMPORT_MAX_MEMBERS = env_int("TEPAI_IMPORT_MAX_MEMBERS", 200)
TEPAI_IMPORT_MAX_ROWS = env_int("TEPAI_IMPORT_MAX_ROWS", 50_000)
TEPAI_IMPORT_MAX_DIVISION_ROWS = env_int("TEPAI_IMPORT_MAX_DIVISION_ROWS", 1_000_000)
if min(TEPAI_IMPORT_MAX_BYTES, TEPAI_IMPORT_MAX_EXPANDED_BYTES, TEPAI_IMPORT_MAX_MEMBERS, TEPAI_IMPORT_MAX_ROWS,
       TEPAI_IMPORT_MAX_DIVISION_ROWS) < 1:
    raise ImproperlyConfigured("The TEPAI_IMPORT_MAX_* limits must be at least 1")

# The pages' web map: a base-map tile URL template ({z}/{x}/{y}) for networks that have a tile
# server, and the attribution it requires. Empty (the default): no tiles, the map draws only the
# county, town and village boundaries, so it needs nothing from outside.
TEPAI_MAP_TILE_URL = env_str("TEPAI_MAP_TILE_URL", "")
TEPAI_MAP_TILE_ATTRIBUTION = env_str("TEPAI_MAP_TILE_ATTRIBUTION", "")

# Sign-in throttling (specialists/access/throttle.py): this many failures per account, or per client
# address (an office behind one NAT shares it), within a window lock further attempts for the lockout.
TEPAI_LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("TEPAI_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
TEPAI_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("TEPAI_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
TEPAI_LOGIN_LOCKOUT_SECONDS = env_int("TEPAI_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# A limit of 0 would refuse every sign-in; a lockout of 0 would never lock.
if min(TEPAI_LOGIN_MAX_FAILURES_PER_ACCOUNT, TEPAI_LOGIN_MAX_FAILURES_PER_ADDRESS, TEPAI_LOGIN_LOCKOUT_SECONDS) < 1:
    raise ImproperlyConfigured("The TEPAI_LOGIN_* limits and TEPAI_LOGIN_LOCKOUT_SECONDS must be at least 1")
