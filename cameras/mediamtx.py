"""MediaMTX's control API, for production mode: ending the sessions of people who lost access.

MediaMTX asks the auth hook once per HLS session, so a viewer whose role is revoked (or whose
browser session ended) would keep watching an open session. The portal therefore kicks such
sessions: at once when an assignment or a user changes or a browser session ends
(cameras/revocation.py), and every 30 s from `run_streams` for what changes by the clock alone
(an assignment reaching its valid_until, a session expiring).
"""

import logging

from django.utils import timezone

from cameras import gate
from cameras.mediamtx_paths import api
from cameras.models import ViewingSession
from cameras.nodes import node_for
from kelurahan.roles import Action

log = logging.getLogger(__name__)


def kick(media_session_id, node=None):
    """End one HLS session on `node` (the settings node by default); True when it is gone."""
    try:
        status, _answer = api("POST", f"/v3/hlssessions/kick/{media_session_id}", node=node)
    except OSError as error:
        log.warning("MediaMTX unreachable, session %s not kicked: %s", media_session_id, error)
        return False
    if status not in (200, 404):  # 404: the session had already ended
        log.warning("MediaMTX refused to kick session %s: HTTP %s", media_session_id, status)
        return False
    return True


def end_sessions_no_longer_allowed(user_id=None):
    """Kick open MediaMTX sessions whose viewer may no longer watch their camera.

    Limited to one user when `user_id` is given; returns how many sessions were ended.
    """
    sessions = (
        ViewingSession.objects.open().exclude(media_session_id="").select_related("camera__node")
    )
    if user_id is not None:
        sessions = sessions.filter(user_id=user_id)
    ended = 0
    for viewing in sessions:
        gate.forget_decisions(viewing.user_id)
        action = Action.VIEW_RECORDINGS if viewing.playback_start else Action.VIEW_STREAMS
        if gate.still_allowed(viewing.user_id, viewing.camera_id, viewing.session_tag, action):
            continue
        ended += _end(viewing)
    return ended


def end_browser_session_streams(user_id, session_tag):
    """Kick the open MediaMTX sessions played in one browser session, which has just ended
    (signed out: the session itself is flushed only after the sign-out signal)."""
    sessions = (
        ViewingSession.objects.open().exclude(media_session_id="").select_related("camera__node")
    )
    return sum(_end(v) for v in sessions.filter(user_id=user_id, session_tag=session_tag))


def _end(viewing):
    # The session lives on the node that serves the camera.
    if not kick(viewing.media_session_id, node_for(viewing.camera)):
        return 0
    ViewingSession.objects.filter(pk=viewing.pk).update(ended_at=timezone.now())
    return 1


def sweep_media_sessions():
    """Run by `run_streams` every 30 s in production mode."""
    return end_sessions_no_longer_allowed()
