"""The apps' own settings (streams, recordings, incidents, evidence, maintenance, alerts,
retention, data requests, reports), every knob read from the environment like the rest of
jakcctv/settings.py, which takes them all in (README, "Configuration")."""

import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from jakcctv.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

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
# The port of each node's HLS server as the portal reaches it (at its API address's host): the
# snapshot maker reads one frame there, as the portal's user.
MEDIAMTX_HLS_PORT = env_int("MEDIAMTX_HLS_PORT", 8888, minimum=1)
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
ALERTS_POLL_SECONDS = env_int("ALERTS_POLL_SECONDS", 0 if env_str("REDIS_URL", "") else 5)
# Web Push (alerts/push/): the portal's VAPID key pair (`python manage.py generate_vapid_keys`)
# and the contact the push services may write to. Without the keys Web Push is off.
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY")
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:no-reply@jakcctv.local")
# Sender processes of the send_push worker (the encryption takes a core's time: one process per
# core it may use). They share the queue, none sends what another took.
PUSH_WORKERS = env_int("PUSH_WORKERS", 2)
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
