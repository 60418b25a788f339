"""Snapshot mode: each camera's latest still, made once per SNAPSHOT_SECONDS for every viewer
(cameras/renditions.py) and served through the same scope as its video.

The answer carries `ETag` and `Last-Modified`, so a phone that asks again every few seconds gets
a bodiless 304 while the still has not changed. Watching stills is recorded in the viewing
history like video: one ViewingSession (mode "snapshot") per person and camera, continued while
the stills keep being fetched.
"""

import hashlib
import os

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from cameras.models import ViewingSession
from cameras.renditions import SNAPSHOT
from cameras.services import RESUME_WITHIN, client_ip


def snapshot_path(camera):
    return settings.STREAMS_ROOT / camera.code / SNAPSHOT


def snapshot_response(request, camera, user):
    """The camera's latest still (or 304 when the phone has it), or None when there is none
    yet. Records the viewing first: a 304 is watching too."""
    path = snapshot_path(camera)
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
