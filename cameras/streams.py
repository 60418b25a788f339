"""Serving video: the embedded gate in front of STREAMS_ROOT, and MediaMTX's auth hook."""

import hmac
import json
import re
from urllib.parse import parse_qs

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cameras import gate
from cameras.models import ViewingSession

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
}
_STREAM_FILE = re.compile(r"^[A-Za-z0-9_-]+(\.m3u8|\.ts|\.m4s|\.mp4)$")


def token_from(request):
    """The token from `Authorization: Bearer ...`, else from `?token=` (the fallback)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    return request.GET.get("token", "")


@require_GET
def stream_file(request, code, filename):
    """A playlist or segment, after the gate has checked the token on this very request."""
    if settings.STREAM_MODE != "embedded":
        raise Http404
    match = _STREAM_FILE.match(filename)
    if not match:
        raise Http404
    try:
        gate.authorize(
            token_from(request),
            camera_code=code,
            session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME),
        )
    except gate.Refused as refused:
        return JsonResponse({"detail": refused.message}, status=refused.status)
    path = settings.STREAMS_ROOT / code / filename
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[match.group(1)])
    if filename.endswith(".m3u8"):
        response["Cache-Control"] = "no-store"
    else:
        response["Cache-Control"] = "private, max-age=60"
    return response


@csrf_exempt
@require_POST
def mediamtx_auth(request):
    """MediaMTX's `authMethod: http` hook: any 2xx lets the request through.

    MediaMTX posts {user, password, token, ip, action, path, protocol, id, query, userAgent}
    once per session. Viewers present our stream token (Bearer -> `token`, or `?token=` ->
    `query`); the portal itself uses MEDIAMTX_API_USER for the control API.
    """
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return JsonResponse({"detail": _("Permintaan bukan JSON yang sah.")}, status=400)
    action = body.get("action")
    if action in {"api", "metrics", "pprof", "publish"}:
        if _is_portal(body):
            return JsonResponse({"ok": True})
        return JsonResponse({"detail": _("Hanya portal yang boleh.")}, status=401)
    if action not in {"read", "playback"}:
        return JsonResponse({"detail": _("Tindakan tidak dikenal.")}, status=400)
    raw = body.get("token") or parse_qs(body.get("query") or "").get("token", [""])[0]
    try:
        # No browser cookie reaches this hook, so the token's session binding cannot be checked.
        token = gate.authorize(raw, camera_code=body.get("path", ""), check_session=False)
    except gate.Refused as refused:
        return JsonResponse({"detail": refused.message}, status=401)
    if body.get("id"):
        # Remembered so the session can be kicked when the viewer's access ends.
        ViewingSession.objects.filter(pk=token.viewing_id).update(
            media_session_id=str(body["id"])[:64]
        )
    return JsonResponse({"ok": True})


def _is_portal(body):
    password = settings.MEDIAMTX_API_PASSWORD
    return bool(password) and (
        hmac.compare_digest(str(body.get("user", "")), settings.MEDIAMTX_API_USER)
        and hmac.compare_digest(str(body.get("password", "")), password)
    )
