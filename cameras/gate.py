"""The stream gate: short-lived tokens for one viewer and one camera, checked on every request.

A token names the viewing session, the user (none for the public page), the camera and an
expiry, and may be bound to the browser session that asked for it; it is signed with the
project's SECRET_KEY. Whoever serves video (Django in embedded mode, MediaMTX's auth hook in
production) calls `authorize`, which also asks the scoping door whether the user may still watch
the camera, and whether that browser session still exists and still signs the user in. That
answer is kept for STREAM_RECHECK_SECONDS so that segment requests stay cheap; a revoked user, a
signed-out session, one ended from the sessions page or left behind by a password change stops
getting video within that time plus a segment.
"""

import hashlib
import threading
import time
from dataclasses import dataclass
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core import signing
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from cameras.models import Camera
from kelurahan.models import User
from kelurahan.roles import Action

SALT = "jakcctv.stream-token"


class Refused(Exception):
    """The request may not have this video. `status` is the HTTP status to answer with."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class StreamToken:
    viewing_id: int
    user_id: int | None
    camera_id: int
    camera_code: str
    session_tag: str
    expires: int


def session_tag(session_key):
    """A short digest of the browser's session key ("" when there is none)."""
    if not session_key:
        return ""
    return hashlib.sha256(session_key.encode()).hexdigest()[:16]


def issue_token(viewing, *, session_key=None, now=None):
    """A signed token for `viewing` (a ViewingSession) and its expiry as a unix time."""
    expires = int((now or time.time()) + settings.STREAM_TOKEN_SECONDS)
    payload = [
        viewing.pk,
        viewing.user_id,
        viewing.camera_id,
        viewing.camera.code,
        session_tag(session_key),
        expires,
    ]
    return signing.dumps(payload, salt=SALT), expires


def read_token(raw, *, now=None):
    if not raw:
        raise Refused(401, _("Token video tidak ada."))
    try:
        token = StreamToken(*signing.loads(raw, salt=SALT))
    except (signing.BadSignature, TypeError, ValueError):
        raise Refused(403, _("Token video tidak sah.")) from None
    if token.expires <= (now or time.time()):
        raise Refused(403, _("Token video sudah kedaluwarsa."))
    return token


def verify(raw, *, camera_code, session_key=None, check_session=True, now=None):
    """The token, if it is genuine, unexpired and for `camera_code`; raises Refused otherwise.

    Touches no database: `still_allowed` is the second half of the check.
    """
    token = read_token(raw, now=now)
    if token.camera_code != camera_code:
        raise Refused(403, _("Token ini untuk kamera lain."))
    if check_session and token.session_tag and token.session_tag != session_tag(session_key):
        raise Refused(403, _("Token ini milik sesi lain."))
    return token


def authorize(raw, *, camera_code, session_key=None, check_session=True, now=None):
    """The token, if it lets its holder watch `camera_code` now; raises Refused otherwise."""
    token = verify(
        raw, camera_code=camera_code, session_key=session_key, check_session=check_session, now=now
    )
    if not still_allowed(token.user_id, token.camera_id, token.session_tag):
        raise not_allowed()
    return token


def not_allowed():
    return Refused(403, _("Anda tidak lagi berhak melihat kamera ini."))


# --- "May this user, in this session, still watch this camera?", remembered briefly ----------

_decisions = {}
_decisions_lock = threading.Lock()


def remembered(user_id, camera_id, session_tag="", action=Action.VIEW_STREAMS):
    """The remembered answer for (user, camera, session, action), or None when it must be asked
    again. `action` is VIEW_STREAMS for live video, VIEW_RECORDINGS for playback."""
    cached = _decisions.get((user_id, camera_id, session_tag, action))
    if cached and cached[1] > time.monotonic():
        return cached[0]
    return None


def still_allowed(user_id, camera_id, session_tag="", action=Action.VIEW_STREAMS):
    answer = remembered(user_id, camera_id, session_tag, action)
    if answer is not None:
        return answer
    key = (user_id, camera_id, session_tag, action)
    now = time.monotonic()
    allowed = _may_watch(user_id, camera_id, session_tag, action)
    with _decisions_lock:
        if len(_decisions) > 50_000:  # keep memory bounded: drop what has expired
            for stale in [k for k, (_, until) in _decisions.items() if until <= now]:
                del _decisions[stale]
        _decisions[key] = (allowed, now + settings.STREAM_RECHECK_SECONDS)
    return allowed


def forget_decisions(user_id=None):
    """Drop remembered answers (for one user, or all) so the next request asks again."""
    with _decisions_lock:
        for key in [k for k in _decisions if user_id is None or k[0] == user_id]:
            _decisions.pop(key, None)


def _may_watch(user_id, camera_id, session_tag, action=Action.VIEW_STREAMS):
    if action == Action.VIEW_RECORDINGS:
        # Recordings stay watchable while a camera is out of service; never for the public.
        cameras = Camera.objects.filter(pk=camera_id)
        if user_id is None:
            return False
    else:
        cameras = Camera.objects.streamable().filter(pk=camera_id)
        if user_id is None:
            return cameras.public().exists()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or (session_tag and not _session_signs_in(user, session_tag)):
        return False
    return cameras.visible_to(user, action).exists()


def _session_signs_in(user, tag):
    """Whether the browser session a token was minted in (known by its tag) still exists and
    still signs `user` in, as Django's own check on the next page would find: not signed out,
    not ended from the sessions page, its password hash not outdated by a password change.

    The session is found among the user's sessions that allauth lists on the sessions page
    (every signed-in request records its own). Reads only: a stale session is left for
    Django to clear on its next request.
    """
    keys = UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True)
    key = next((key for key in keys if session_tag(key) == tag), None)
    if key is None:
        return False
    data = import_module(settings.SESSION_ENGINE).SessionStore(key).load()  # {} once gone
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    stored = data.get(HASH_SESSION_KEY) or ""
    current = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored, expected) for expected in current)
