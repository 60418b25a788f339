"""JakCCTV settings: one file, every knob read from the environment (README, "Configuration")."""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from jakcctv.env import env_bool, env_int, env_list, env_str, mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
# The site's own templates, static files and translations ship inside this package (apps keep
# their templates in <app>/templates/<app>/), so an installed wheel finds them too.
PACKAGE_DIR = Path(__file__).resolve().parent

# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (50+ random characters) or run with DEBUG=1."
        )
    SECRET_KEY = "django-insecure-jakcctv-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Served over HTTPS (TLS usually ends at the reverse proxy): secure cookies, HSTS, redirect.
HTTPS = env_bool("HTTPS", not DEBUG)

INSTALLED_APPS = [
    "daphne",
    "jakcctv.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "common",
    "kelurahan",
    "cameras",
    "shifts",
    "incidents",
    "evidence",
    "maintenance",
    "alerts",
    "audit",
    "datarequests",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.middleware.LanguageMiddleware",
    "common.middleware.ApiErrorMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.TrailMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "common.middleware.UserSessionsMiddleware",
    "kelurahan.middleware.AccessMiddleware",
]

ROOT_URLCONF = "jakcctv.urls"
ASGI_APPLICATION = "jakcctv.asgi.application"
AUTH_USER_MODEL = "kelurahan.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kelurahan.context_processors.navigation",
                "alerts.context_processors.alerts",
            ],
        },
    },
]

# --- Data stores ------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # psycopg 3 with Django's pool: one pool per process, connections reused across requests.
        _db["CONN_MAX_AGE"] = 0
        _db["OPTIONS"] = {
            "pool": {
                "min_size": env_int("DATABASE_POOL_MIN", 2),
                "max_size": env_int("DATABASE_POOL_MAX", 20),
                "timeout": 10,
            }
        }
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # WAL + IMMEDIATE: daphne's threads and the workers can write without "database locked".
            # synchronous=NORMAL, SQLite's advice with WAL: a commit does not wait for the disk
            # (the log is synced at checkpoints); never corrupt, though a power cut may lose the
            # last moments' writes.
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # A file, not memory, for tests: browser tests send several requests at once to the
            # live server, and only a file database gives them WAL and the busy timeout.
            "TEST": {"NAME": BASE_DIR / ".test-db.sqlite3"},
        }
    }

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: a group message reaches each daphne process once and is handed to
            # its sockets there. The list-based RedisChannelLayer stores one copy per socket and
            # each process reads them back one at a time, too slow for a province-wide alert to
            # 2,000 sockets (bench/alerts.py). Pub/sub keeps nothing: what a process misses while
            # Redis is unreachable reaches its browsers when they resume (the database replays).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # Above redis-py 8's default 5 s read timeout (django/channels_redis#422).
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                # Pub/sub channels ignore Redis's database number: two portals sharing a Redis
                # server on different databases (staging, CI runs) would hear each other.
                "prefix": "jakcctv.db" + (urlsplit(REDIS_URL).path.strip("/") or "0"),
            },
        }
    }
    CACHES = {
        "default": {
            # Django's, with one Redis client per process (common/cache.py).
            "BACKEND": "common.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "jakcctv",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication (django-allauth) ----------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "kelurahan.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_FORMS = {"login": "kelurahan.forms.LoginForm"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Failed sign-ins are limited per address (10 a minute) and per account and address (5 in five
# minutes: kelurahan/adapters.py makes the key), so a stranger cannot lock the owner out.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "JakCCTV"
USERSESSIONS_TRACK_ACTIVITY = True
# Provincial admins must enrol TOTP before they reach any page (off only for `make demo`).
REQUIRE_ADMIN_MFA = env_bool("REQUIRE_ADMIN_MFA", True)

# With Redis, sessions are read from the cache (and written through to the database): a query
# less on every request. Without it each process would cache its own copy and miss a sign-out
# made through another, so sessions stay in the database alone.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if REDIS_URL else "db")
SESSION_COOKIE_AGE = 12 * 60 * 60  # one long shift
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True

# --- Security headers -------------------------------------------------------------------------

SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # hls.js plays through MediaSource (blob: URLs) and may run its transmuxer in a blob worker.
    "media-src": [CSP.SELF, "blob:"],
    "worker-src": [CSP.SELF, "blob:"],
    "manifest-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Email ------------------------------------------------------------------------------------

MAILERS = {"default": mailer_from_url(env_str("EMAIL_URL"))}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "JakCCTV <no-reply@jakcctv.local>")

# --- Language and time ------------------------------------------------------------------------

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Browser libraries come from npm (package.json): jakcctv/finders.py serves the files we load.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "jakcctv.finders.VendorFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# --- API --------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Integrations (JAKI, detectors): `Authorization: Token <key>` (or Bearer), see api_auth.
        "kelurahan.api_auth.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.api.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON through the portal's parser (nesting limited: common/jsonbody.py), forms, uploads.
    "DEFAULT_PARSER_CLASSES": [
        "common.jsonbody.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
}

# The OpenAPI schema (/api/v1/schema/) and its docs page (/api/v1/docs/), for signed-in users
# and API tokens only.
SPECTACULAR_SETTINGS = {
    "TITLE": "JakCCTV API",
    "VERSION": "1",
    "DESCRIPTION": (
        "Area-scoped CCTV monitoring for DKI Jakarta. Every answer is limited to the areas of the "
        "caller's live role assignments. Authentication: the browser session, or an API token "
        "(`Authorization: Token <key>`) issued with `python manage.py create_api_token`. Areas "
        "are named by their Kemendagri code (`31.73.05.1001`); errors come as "
        '`{"field": ["message"]}` or `{"detail": "message"}` in the user\'s language.'
    ),
    "SERVERS": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # A PATCH body is the same as a POST's: the one PATCH (a note's text) requires its field.
    "COMPONENT_SPLIT_PATCH": False,
    # Choice sets whose field names collide across models ("status", "level", "kind").
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.Status",
        "IncidentLevelEnum": "incidents.models.IncidentLevel",
        "AgencyKindEnum": "incidents.models.Agency.Kind",
        "CameraStatusEnum": "cameras.models.Camera.Status",
        "CameraKindEnum": "cameras.models.Camera.Kind",
        "AreaLevelEnum": "kelurahan.roles.Level",
        "DataRequestStatusEnum": "datarequests.models.Status",
        "RefusalReasonEnum": "datarequests.models.RefusalReason",
        "TicketStatusEnum": "maintenance.models.Status",
        "TicketReasonEnum": "maintenance.models.Reason",
        "MaintainerKindEnum": "kelurahan.models.maintainers.Maintainer.Kind",
        "SeverityEnum": "incidents.models.Severity",
    },
}

# How long a user's role assignments stay in the cache (kelurahan.models.areas.live_grants).
# Saving an assignment or the user drops the entry at once; expiry by the clock is checked at
# every read. Shared through Redis when REDIS_URL is set; without it each process keeps its own,
# so changes made by another process (a management command) show within this many seconds.
GRANTS_CACHE_SECONDS = env_int("GRANTS_CACHE_SECONDS", 300 if REDIS_URL else 10)

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# The apps' own knobs: in a file of their own so that this one stays readable.
from jakcctv.app_settings import *  # noqa: E402, F403

if MAP_TILE_URL:  # noqa: F405 (app_settings)
    # The tile server is the one outside origin the policy admits, and only for images.
    _tiles = urlsplit(MAP_TILE_URL.replace("{s}", "*"))  # noqa: F405
    SECURE_CSP["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")
