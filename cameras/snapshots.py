"""Snapshot mode: each camera's latest still, made once per SNAPSHOT_SECONDS for every viewer
and served through the same scope as its video. Embedded mode: the camera's ffmpeg writes it
(cameras/renditions.py). Production (MediaMTX): `run_streams` makes it (StillMaker) from the
camera's node, one frame of its low path (else its main path) read over HLS as the portal, for
the cameras whose stills someone asked for in the last WANTED_FOR seconds.

The answer carries `ETag` and `Last-Modified`, so a phone that asks again every few seconds gets
a bodiless 304 while the still has not changed. Watching stills is recorded in the viewing
history like video: one ViewingSession (mode "snapshot") per person and camera, continued while
the stills keep being fetched.
"""

import base64
import hashlib
import logging
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from cameras.ffmpeg import ffmpeg_exe, hide_credentials
from cameras.mediamtx_paths import LOW_SUFFIX
from cameras.models import Camera, ViewingSession
from cameras.nodes import internal_hls_base
from cameras.renditions import LOW_SIZE, SNAPSHOT
from cameras.services import RESUME_WITHIN, client_ip, has_low_path

log = logging.getLogger(__name__)

WANTED = "snapshot.wanted"  # touched by each request for the still (production)
WANTED_FOR = 120  # seconds a request keeps the camera's stills coming
GRAB_TIMEOUT = 30  # seconds for one still (the playlist, a segment, one frame)
MAKERS = 4  # stills made at once


def snapshot_path(camera):
    return settings.STREAMS_ROOT / camera.code / SNAPSHOT


def snapshot_response(request, camera, user):
    """The camera's latest still (or 304 when the phone has it), or None when there is none
    yet. Records the viewing first: a 304 is watching too."""
    path = snapshot_path(camera)
    if settings.STREAM_MODE == "mediamtx":
        want_stills(camera)
    try:
        handle = path.open("rb")  # held open: the file may be replaced meanwhile
    except FileNotFoundError:
        return None
    stat = os.fstat(handle.fileno())
    digest = hashlib.sha256(f"{stat.st_mtime_ns}-{stat.st_size}".encode()).hexdigest()[:20]
    etag = f'"{digest}"'
    snapshot_seen(camera=camera, user=user, request=request)
    conditional = get_conditional_response(request, etag=etag, last_modified=int(stat.st_mtime))
    if conditional is not None:
        handle.close()
        response = conditional
    else:
        response = FileResponse(handle, content_type="image/jpeg")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stat.st_mtime)
    # Each phone keeps its own copy and asks again before using it (a 304 costs no image).
    response["Cache-Control"] = "private, no-cache"
    return response


@transaction.atomic
def snapshot_seen(*, camera, user, request):
    """Continue this person's recent snapshot viewing of `camera`, or start one."""
    now = timezone.now()
    ip = client_ip(request)
    # Anonymous viewers of the public page are told apart by their address.
    same_viewer = {"user": user} if user is not None else {"user": None, "ip": ip}
    continued = ViewingSession.objects.filter(
        **same_viewer,
        camera=camera,
        mode=ViewingSession.Mode.SNAPSHOT,
        ended_at__isnull=True,
        last_seen_at__gte=now - RESUME_WITHIN,
    ).update(last_seen_at=now)
    if not continued:
        ViewingSession.objects.create(
            user=user,
            camera=camera,
            started_at=now,
            last_seen_at=now,
            ip=ip,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            mode=ViewingSession.Mode.SNAPSHOT,
        )


# --- Production: stills made from the node's HLS ------------------------------------------------


def want_stills(camera):
    """Someone may see this camera's still: keep making them for WANTED_FOR seconds."""
    folder = snapshot_path(camera).parent
    folder.mkdir(parents=True, exist_ok=True)
    (folder / WANTED).touch()


def still_command(camera, target):
    """ffmpeg reading one frame of the camera's low path (its sub-stream or the node's
    transcode), else its main path, at the node as the portal's user, to a 320x180 JPEG written
    atomically."""
    path = camera.code + (LOW_SUFFIX if has_low_path(camera) else "")
    url = f"{internal_hls_base(camera)}/{path}/index.m3u8"
    user = f"{settings.MEDIAMTX_API_USER}:{settings.MEDIAMTX_API_PASSWORD}"
    basic = base64.b64encode(user.encode()).decode()
    width, height = LOW_SIZE.split("x")
    return [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
        "-headers", f"Authorization: Basic {basic}\r\n", "-rw_timeout", "10000000",
        "-live_start_index", "-1", "-i", url,
        "-map", "0:v:0", "-frames:v", "1",
        "-vf", f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1",
        "-c:v", "mjpeg", "-q:v", "6", "-f", "image2", "-update", "1", "-atomic_writing", "1",
        "-y", str(target),
    ]  # fmt: skip


def make_still(camera):
    """Make the camera's still now; True when a new one was written."""
    target = snapshot_path(camera)
    target.parent.mkdir(parents=True, exist_ok=True)
    before = target.stat().st_mtime_ns if target.exists() else None
    try:
        result = subprocess.run(  # noqa: S603 (a list, no shell)
            still_command(camera, target),
            capture_output=True,
            timeout=GRAB_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.warning("still of %s: no frame within %s s", camera.code, GRAB_TIMEOUT)
        return False
    if result.returncode != 0:
        error = hide_credentials(result.stderr.decode(errors="replace")[-300:])
        log.warning("still of %s not made: %s", camera.code, error)
        return False
    return target.exists() and target.stat().st_mtime_ns != before


class StillMaker:
    """run_streams' stills in production: each wanted camera's, once per SNAPSHOT_SECONDS,
    MAKERS at a time (a node that does not answer holds up only its own cameras)."""

    def __init__(self, workers=MAKERS):
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="still")
        self.busy = set()
        self.lock = threading.Lock()

    def due(self, now=None):
        """Codes of the cameras whose still someone wants and which is due to be made again."""
        now = now or time.time()
        codes = []
        for marker in settings.STREAMS_ROOT.glob(f"*/{WANTED}"):
            try:
                if now - marker.stat().st_mtime > WANTED_FOR:
                    continue
                made = (marker.parent / SNAPSHOT).stat().st_mtime
            except FileNotFoundError:
                made = 0
            if now - made >= settings.SNAPSHOT_SECONDS:
                codes.append(marker.parent.name)
        return codes

    def round(self):
        """Start making every due still not being made already; returns the futures."""
        cameras = Camera.objects.streamable().filter(code__in=self.due()).select_related("node")
        started = []
        for camera in cameras:
            with self.lock:
                if camera.code in self.busy:
                    continue
                self.busy.add(camera.code)
            started.append(self.pool.submit(self._make, camera))
        return started

    def _make(self, camera):
        try:
            return make_still(camera)
        finally:
            with self.lock:
                self.busy.discard(camera.code)

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
