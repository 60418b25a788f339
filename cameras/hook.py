"""MediaMTX's `authMethod: http` hook, as a small ASGI app in front of Django.

MediaMTX posts {user, password, token, ip, action, path, protocol, id, query, userAgent} once
per session and lets the request through on any 2xx. This is a server-to-server call on the
path of every new viewer, so it skips Django's middleware (sessions, CSRF, language: none apply)
and, while the gate remembers the viewer's right to the camera, touches no database.
"""

import hmac
import json
from datetime import datetime
from urllib.parse import parse_qs

from django.conf import settings
from django.utils.translation import gettext as _

from cameras import gate, playback
from cameras.mediamtx_paths import LOW_SUFFIX
from cameras.models import ViewingSession
from common import jsonbody
from common.db import on_db_threads
from kelurahan.roles import Action

MAX_BODY = 64 * 1024
_FIELDS = ("user", "password", "token", "action", "protocol", "path", "query", "id")


async def mediamtx_auth(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["method"] != "POST":
        return await _answer(send, 405, {"detail": "POST"})
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            return await _answer(send, 413, {"detail": "too large"})
        if not message.get("more_body"):
            break
    # No language is activated here, so messages come out in LANGUAGE_CODE (Indonesian).
    status, payload = await decide(body)
    await _answer(send, status, payload)


async def decide(raw_body):
    """(HTTP status, JSON answer) for one hook request."""
    try:
        body = jsonbody.loads(raw_body or b"{}")
    except jsonbody.NotJSON as refused:
        return 400, {"detail": refused.message}
    if not isinstance(body, dict):
        return 400, {"detail": _("Permintaan bukan objek JSON.")}
    # MediaMTX sends strings (null for an id it has not got); a list or an object is refused
    # here, never compared or hashed.
    fields = {name: body[name] for name in _FIELDS if body.get(name) is not None}
    if not all(isinstance(value, str) for value in fields.values()):
        return 400, {"detail": _("Isian permintaan harus berupa teks.")}
    action = fields.get("action")
    if action in {"api", "metrics", "pprof", "publish"}:
        if _is_portal(fields):
            return 200, {"ok": True}
        return 401, {"detail": _("Hanya portal yang diizinkan.")}
    if action == "read" and fields.get("protocol") == "hls" and _is_portal(fields):
        return 200, {"ok": True}  # the portal itself, making a camera's still (snapshots.py)
    if action not in {"read", "playback"}:
        return 400, {"detail": _("Tindakan tidak dikenal.")}
    query = parse_qs(fields.get("query", ""))
    raw = fields.get("token") or query.get("token", [""])[0]
    if action == "playback":
        return await _decide_playback(fields, query, raw)
    if fields.get("protocol") != "hls":
        # A viewer's token is for what the portal serves: live HLS. RTSP, RTMP, SRT or WebRTC
        # would hand out the stream beside the player.
        return 401, {"detail": _("Hanya tayangan langsung lewat HLS yang diizinkan.")}
    try:
        # No browser cookie reaches this hook, so the token's session binding cannot be checked.
        # The browser session it was minted in must still be alive (gate.still_allowed asks).
        # A camera's low rendition (`<code>_low`) opens with the camera's own token.
        camera_code = fields.get("path", "").removesuffix(LOW_SUFFIX)
        token = gate.verify(raw, camera_code=camera_code, check_session=False)
        decision = (token.user_id, token.camera_id, token.session_tag)
        allowed = gate.remembered(*decision)
        if allowed is None:
            allowed = await on_db_threads(gate.still_allowed)(*decision)
        if not allowed:
            raise gate.not_allowed()
    except gate.Refused as refused:
        return 401, {"detail": refused.message}
    if fields.get("id"):
        # Remembered so the session can be kicked when the viewer's access or session ends.
        await on_db_threads(_remember_media_session)(
            token.viewing_id, fields["id"][:64], token.session_tag
        )
    return 200, {"ok": True}


async def _decide_playback(fields, query, raw):
    """MediaMTX's playback server (/list, /get): a playback token for this camera, whose holder
    may still watch its recordings, and a requested range inside the token's."""
    try:
        token = playback.verify(raw, camera=fields.get("path", ""), check_session=False)
        decision = (token.user_id, token.camera_id, token.session_tag, Action.VIEW_RECORDINGS)
        allowed = gate.remembered(*decision)
        if allowed is None:
            allowed = await on_db_threads(gate.still_allowed)(*decision)
        if not allowed:
            raise gate.not_allowed()
    except gate.Refused as refused:
        return 401, {"detail": refused.message}
    start, duration = query.get("start", [""])[0], query.get("duration", ["0"])[0]
    if start or not fields.get("query"):
        try:
            moment = datetime.fromisoformat(start)
            seconds = float(duration.removesuffix("s"))
        except ValueError:
            return 401, {"detail": _("Rentang rekaman tidak sah.")}
        if moment.tzinfo is None or not token.covers(moment, seconds):
            return 401, {"detail": _("Rentang rekaman di luar token.")}
    return 200, {"ok": True}


def _remember_media_session(viewing_id, media_session_id, session_tag):
    ViewingSession.objects.filter(pk=viewing_id).update(
        media_session_id=media_session_id, session_tag=session_tag
    )


def _is_portal(body):
    password = settings.MEDIAMTX_API_PASSWORD
    return bool(password) and (
        hmac.compare_digest(body.get("user", ""), settings.MEDIAMTX_API_USER)
        and hmac.compare_digest(body.get("password", ""), password)
    )


async def _answer(send, status, payload):
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
