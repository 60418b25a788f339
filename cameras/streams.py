"""Serving video in embedded mode: the gate in front of STREAMS_ROOT (production: hook.py, and
here only the master playlist naming the node's two paths)."""

import re
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cameras import gate, playback, renditions
from cameras.models import Camera
from cameras.renditions import MASTER_PLAYLIST
from cameras.services import has_low_path, low_playlist_url, main_path_url

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


def with_query_token(playlist, token):
    """A playlist whose URIs carry `?token=`: a player that cannot send headers (native HLS in
    Safari) follows them from the master playlist to the renditions and their segments."""
    suffix = "?" + urlencode({"token": token})
    lines = [
        line + suffix if line and not line.startswith("#") else line
        for line in playlist.splitlines()
    ]
    return "\n".join(lines) + "\n"


@require_GET
def stream_file(request, code, filename):
    """A playlist or segment, after the gate has checked the token on this very request.
    Production: only the master playlist, naming the node's main and low paths."""
    production = settings.STREAM_MODE == "mediamtx"
    match = _STREAM_FILE.match(filename)
    if not match or (production and filename != MASTER_PLAYLIST):
        raise Http404
    try:
        gate.authorize(
            token_from(request),
            camera_code=code,
            session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME),
        )
    except gate.Refused as refused:
        return JsonResponse({"detail": refused.message}, status=refused.status)
    if production:
        return _production_master(request, code)
    path = settings.STREAMS_ROOT / code / filename
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    if (
        filename.endswith(".m3u8")
        and "token" in request.GET
        and "Authorization" not in request.headers
    ):
        with handle:
            text = handle.read().decode()
        response = HttpResponse(
            with_query_token(text, request.GET["token"]), content_type=CONTENT_TYPES[".m3u8"]
        )
    else:
        response = FileResponse(handle, content_type=CONTENT_TYPES[match.group(1)])
    if filename.endswith(".m3u8"):
        response["Cache-Control"] = "no-store"
    else:
        response["Cache-Control"] = "private, max-age=60"
    return response


def _production_master(request, code):
    camera = Camera.objects.select_related("node").filter(code=code).first()
    if camera is None or not has_low_path(camera):
        raise Http404
    low = low_playlist_url(camera)
    text = renditions.production_master_playlist(camera, main_path_url(camera), low)
    if "token" in request.GET and "Authorization" not in request.headers:
        text = with_query_token(text, request.GET["token"])
    response = HttpResponse(text, content_type=CONTENT_TYPES[".m3u8"])
    response["Cache-Control"] = "no-store"
    return response


# --- Recordings (embedded): the VOD playlist of a playback token's range, and its segments ----

_RECORDED_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{2})/(\d{2})-(\d{2})-(\d{6})(?:_(\d+))?\.ts$")


def _playback_token(request, camera_id):
    return playback.authorize(
        token_from(request),
        camera=camera_id,
        session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME),
    )


@require_GET
def recording_playlist(request, camera_id):
    """The range's VOD playlist (segment URLs carry the token when it came as ?token=)."""
    if settings.STREAM_MODE != "embedded":
        raise Http404
    try:
        token = _playback_token(request, camera_id)
    except gate.Refused as refused:
        return JsonResponse({"detail": refused.message}, status=refused.status)
    in_query = not request.headers.get("Authorization", "").startswith("Bearer ")
    text = playback.vod_playlist(token, token_from(request) if in_query else None)
    response = HttpResponse(text, content_type=CONTENT_TYPES[".m3u8"])
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def recording_file(request, camera_id, relative):
    """One recorded segment, if it lies inside the token's range."""
    if settings.STREAM_MODE != "embedded":
        raise Http404
    match = _RECORDED_FILE.match(relative)
    if not match:
        raise Http404
    try:
        token = _playback_token(request, camera_id)
    except gate.Refused as refused:
        return JsonResponse({"detail": refused.message}, status=refused.status)
    day, hour, minute, second, micro, millis = match.groups()
    try:
        start = datetime.strptime(f"{day} {hour}:{minute}:{second}Z", "%Y-%m-%d %H:%M:%S%z")
    except ValueError:
        raise Http404 from None
    start = start.replace(microsecond=int(micro))
    if not token.covers(start, int(millis or 0) / 1000):
        return JsonResponse({"detail": _("Potongan ini di luar rentang token.")}, status=403)
    path = settings.RECORDINGS_ROOT / str(camera_id) / relative
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[".ts"])
    response["Cache-Control"] = "private, max-age=3600"
    return response
