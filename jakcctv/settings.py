"""JakCCTV settings: one file, every knob read from the environment (README, "Configuration")."""

import re
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
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
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

# --- Cameras and streams ----------------------------------------------------------------------

# Where `run_streams` writes each camera's HLS (STREAMS_ROOT/<camera code>/index.m3u8).
STREAMS_ROOT = Path(env_str("STREAMS_ROOT", str(BASE_DIR / "streams")))
# "embedded": Django serves STREAMS_ROOT through the stream gate (first run, demo, tests).
# "mediamtx": MediaMTX serves LL-HLS and asks the portal's auth hook (production).
STREAM_MODE = env_str("STREAM_MODE", "embedded")
if STREAM_MODE not in {"embedded", "mediamtx"}:
    raise ImproperlyConfigured("STREAM_MODE must be 'embedded' or 'mediamtx'")
STREAM_TOKEN_SECONDS = env_int("STREAM_TOKEN_SECONDS", 120)
# How long the gate trusts a "still allowed" decision before asking the database again.
STREAM_RECHECK_SECONDS = env_int("STREAM_RECHECK_SECONDS", 10)
# A camera whose playlist has not advanced for this long is offline.
CAMERA_OFFLINE_AFTER = env_int("CAMERA_OFFLINE_AFTER", 15)
# The test pattern `run_streams` encodes for demo cameras (no source URL). Small on purpose: about
# 22 demo cameras at 320x180 and 10 fps take under a third of one core in total.
STREAM_SIZE = env_str("STREAM_SIZE", "320x180")
if not re.fullmatch(r"\d{2,4}[02468]x\d{1,3}[02468]", STREAM_SIZE):  # H.264 4:2:0: even sizes
    raise ImproperlyConfigured(
        f"STREAM_SIZE must look like 320x180 (even numbers), not {STREAM_SIZE!r}"
    )
STREAM_FPS = env_int("STREAM_FPS", 10)
if not 1 <= STREAM_FPS <= 30:
    raise ImproperlyConfigured("STREAM_FPS must be between 1 and 30")
# Phones' snapshot mode: each camera's still is renewed this often, once for every viewer.
SNAPSHOT_SECONDS = env_int("SNAPSHOT_SECONDS", 10)
if not 2 <= SNAPSHOT_SECONDS <= 300:
    raise ImproperlyConfigured("SNAPSHOT_SECONDS must be between 2 and 300")
# Production: where browsers fetch HLS (through the proxy) and where the portal reaches MediaMTX.
MEDIAMTX_HLS_URL = env_str("MEDIAMTX_HLS_URL", "/hls/")
MEDIAMTX_API_URL = env_str("MEDIAMTX_API_URL", "http://127.0.0.1:9997")
MEDIAMTX_API_USER = env_str("MEDIAMTX_API_USER", "jakcctv")
MEDIAMTX_API_PASSWORD = env_str("MEDIAMTX_API_PASSWORD")
# Pull a camera's RTSP source only while someone watches it (`sync_mediamtx`). Saves uplink, but
# MediaMTX then cannot tell an idle camera from a broken one, so health reports it offline.
MEDIAMTX_ON_DEMAND = env_bool("MEDIAMTX_ON_DEMAND", False)
# Recordings (cameras/recordings.py): cameras marked `record` are kept in hourly folders under
# RECORDINGS_ROOT/<camera id>/<YYYY-MM-DD>/<HH>/ (UTC), for RECORDING_DAYS days unless an area or
# the camera says otherwise; `apply_retention` deletes older hours that are not held as evidence.
RECORDINGS_ROOT = Path(env_str("RECORDINGS_ROOT", str(BASE_DIR / "recordings")))
RECORDING_DAYS = env_int("RECORDING_DAYS", 14, minimum=1)
# The disk guard keeps at least this many megabytes free on RECORDINGS_ROOT's disk, deleting the
# oldest unheld hours first and alerting the provincial admins (0: no guard).
RECORDING_MIN_FREE_MB = env_int("RECORDING_MIN_FREE_MB", 2048, minimum=0)
# A quota on all recordings together, kept the same way (oldest unheld first; 0: none). The demo
# uses it to stay under 1 GB.
RECORDING_MAX_MB = env_int("RECORDING_MAX_MB", 0, minimum=0)
# How long a playback token (one user, one camera, one time range) stays valid.
PLAYBACK_TOKEN_SECONDS = env_int("PLAYBACK_TOKEN_SECONDS", 900, minimum=30)
# Production: MediaMTX's playback server, through the proxy on the portal's origin.
MEDIAMTX_PLAYBACK_URL = env_str("MEDIAMTX_PLAYBACK_URL", "/playback/")
# Where MediaMTX writes recordings (its recordPath root): the same volume as RECORDINGS_ROOT.
MEDIAMTX_RECORDINGS_PATH = env_str("MEDIAMTX_RECORDINGS_PATH", "/recordings")
# The storage forecast's bitrate for a camera with no recorded hours yet (kbit/s).
CAMERA_BITRATE_KBPS = env_int("CAMERA_BITRATE_KBPS", 1500)
# Map tiles (Leaflet). Markers still show when tiles cannot be loaded.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
if MAP_TILE_URL:
    # The tile server is the one outside origin the policy admits, and only for images.
    _tiles = urlsplit(MAP_TILE_URL.replace("{s}", "*"))
    SECURE_CSP["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")
# Trusted reverse proxies in front of daphne: the viewer's IP is read from X-Forwarded-For.
PROXY_COUNT = env_int("PROXY_COUNT", 0)

# --- Incidents --------------------------------------------------------------------------------

# Seconds to acknowledge an incident, per severity (restarted at each escalation level); past it,
# `sla_sweep` escalates the incident one level up. INCIDENT_ACK_SECONDS="darurat=300,tinggi=900".
INCIDENT_ACK_SECONDS = {"darurat": 5 * 60, "tinggi": 15 * 60, "sedang": 60 * 60, "rendah": 4 * 3600}
for _pair in env_list("INCIDENT_ACK_SECONDS", []):
    _severity, _, _seconds = _pair.partition("=")
    if _severity not in INCIDENT_ACK_SECONDS or not _seconds.isdigit():
        raise ImproperlyConfigured(f"INCIDENT_ACK_SECONDS: bad entry {_pair!r}")
    INCIDENT_ACK_SECONDS[_severity] = int(_seconds)
# Every incident (and citizen report) is followed up within this many days, or counts as overdue.
INCIDENT_FOLLOW_UP_DAYS = env_int("INCIDENT_FOLLOW_UP_DAYS", 6)
# Attachments: images only, at most this many bytes each.
INCIDENT_ATTACHMENT_MAX_BYTES = env_int("INCIDENT_ATTACHMENT_MAX_BYTES", 8 * 1024 * 1024)

# --- Evidence ---------------------------------------------------------------------------------

# Days a clip and the recorded hours it came from stay on hold after its incident is finished
# (while the incident is open they are always held); then `apply_retention` deletes the clip's
# file (its row, hash and custody log stay). 0: held for ever.
EVIDENCE_HOLD_DAYS = env_int("EVIDENCE_HOLD_DAYS", 90, minimum=0)
# Longest clip, and how long a download link given to an agency stays valid.
EVIDENCE_MAX_CLIP_MINUTES = env_int("EVIDENCE_MAX_CLIP_MINUTES", 30, minimum=1)
EVIDENCE_LINK_HOURS = env_int("EVIDENCE_LINK_HOURS", 72, minimum=1)

# --- Camera maintenance -----------------------------------------------------------------------

# A camera offline this many minutes gets a maintenance ticket (maintenance_sweep) ...
MAINTENANCE_AFTER = env_int("MAINTENANCE_AFTER", 30, minimum=1)
# ... and its ticket closes once it has been back online this many minutes.
MAINTENANCE_CONFIRM = env_int("MAINTENANCE_CONFIRM", 15, minimum=1)
# A camera online less than this percentage of the last 24 hours also gets one (0: never) ...
MAINTENANCE_UPTIME_MIN = env_int("MAINTENANCE_UPTIME_MIN", 80, minimum=0)
# ... looked at this often (minutes): the 24-hour uptime moves slowly, the offline rule is live.
MAINTENANCE_UPTIME_EVERY = env_int("MAINTENANCE_UPTIME_EVERY", 60, minimum=1)

# --- Live alerts ------------------------------------------------------------------------------

# Alerts page: how many days back it lists (and the unread badge counts).
ALERTS_PAGE_DAYS = env_int("ALERTS_PAGE_DAYS", 7)
# Open sockets re-read their user's assignments this often (what ends by the clock, or by a bulk
# update that sends no signal); saved assignments and deactivations re-scope them at once.
ALERTS_RECHECK_SECONDS = env_int("ALERTS_RECHECK_SECONDS", 60)
# Without Redis each process has its own in-memory channel layer, so alerts raised by another
# process (run_streams, sla_sweep) reach open sockets by polling the database this often.
ALERTS_POLL_SECONDS = env_int("ALERTS_POLL_SECONDS", 0 if REDIS_URL else 5)
# Web Push (alerts/push/): the portal's VAPID key pair (`python manage.py generate_vapid_keys`)
# and the contact the push services may write to. Without the keys Web Push is off.
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:no-reply@jakcctv.local")
# The push services the portal posts to (a browser's subscription names one): host names,
# matched with their subdomains over HTTPS. Nothing else is accepted, so that nobody can make the
# portal post to an address inside its own network.
PUSH_SERVICE_HOSTS = env_list(
    "PUSH_SERVICE_HOSTS",
    ["fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com", "notify.windows.com"],
)
# "Piket belum masuk": a running shift nobody has checked in to this long after its start.
SHIFT_CHECKIN_GRACE_MINUTES = env_int("SHIFT_CHECKIN_GRACE_MINUTES", 15)

# --- Accountability trail and retention -------------------------------------------------------

# `python manage.py apply_retention` deletes what is older than this many days (0: keep for ever).
# Viewing sessions, and the "menonton" rows of the trail, by their last moment of watching.
RETENTION_VIEWING_DAYS = env_int("RETENTION_VIEWING_DAYS", 90, minimum=0)
# Every other trail row (logins, roles, incidents, exports, admin actions, retention runs).
RETENTION_TRAIL_DAYS = env_int("RETENTION_TRAIL_DAYS", 730, minimum=0)
# Incident attachment files, counted from the day the incident was finished or closed (the
# attachment row and the incident's timeline stay; open incidents keep their files).
RETENTION_ATTACHMENT_DAYS = env_int("RETENTION_ATTACHMENT_DAYS", 365, minimum=0)
# Photos on maintenance tickets closed this long ago (the notes and the ticket stay).
RETENTION_TICKET_PHOTO_DAYS = env_int("RETENTION_TICKET_PHOTO_DAYS", 365, minimum=0)
# Alert events (and who read them).
RETENTION_ALERT_DAYS = env_int("RETENTION_ALERT_DAYS", 90, minimum=0)
# Citizens' footage and data requests, with their identity document photos, counted from the day
# they were answered (granted or refused); unanswered requests are kept however old.
DATAREQUEST_DAYS = env_int("DATAREQUEST_DAYS", 365, minimum=0)

# --- Footage and data requests (UU PDP) -------------------------------------------------------

# A request is answered within this many hours of being filed (UU 27/2022 Art. 32: 3x24 hours).
DATAREQUEST_ANSWER_HOURS = env_int("DATAREQUEST_ANSWER_HOURS", 72, minimum=1)
# Staff in the area are alerted this many hours before the deadline lapses (and again when it has).
DATAREQUEST_ALERT_HOURS = env_int("DATAREQUEST_ALERT_HOURS", 12, minimum=0)
# A granted request's footage can be downloaded for this many hours.
DATAREQUEST_DOWNLOAD_HOURS = env_int("DATAREQUEST_DOWNLOAD_HOURS", 72, minimum=1)
# New requests accepted per visitor (IP address), on the page and the API, e.g. "5/hour".
DATAREQUEST_RATE = env_str("DATAREQUEST_RATE", "5/hour")

# Idempotency keys of notes and reports sent from phones (a resend comes within days at most).
RETENTION_IDEMPOTENCY_DAYS = env_int("RETENTION_IDEMPOTENCY_DAYS", 30, minimum=0)
# --- Reports and public statistics ------------------------------------------------------------

# The public statistics page and its JSON (/statistik/, /api/v1/public/stats/) are computed at
# most this often (seconds) and served from the cache in between.
PUBLIC_STATS_CACHE_SECONDS = env_int("PUBLIC_STATS_CACHE_SECONDS", 300)
