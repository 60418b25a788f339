"""Opening a stream: the viewing record and the token, in one place for every way in."""

from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cameras import gate
from cameras.mediamtx_paths import LOW_SUFFIX
from cameras.models import ViewingSession
from cameras.nodes import hls_base
from cameras.renditions import LOW_PLAYLIST, MASTER_PLAYLIST

# A refresh within this time continues the same viewing session instead of starting a new one.
RESUME_WITHIN = timezone.timedelta(minutes=5)


def client_ip(request):
    """The viewer's address; behind PROXY_COUNT trusted proxies, taken from X-Forwarded-For."""
    hops = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if len(addresses) >= hops:
            return addresses[-hops]
    return request.META.get("REMOTE_ADDR") or None


def playlist_url(camera):
    """The master playlist (main and low rendition, cameras/renditions.py), served by the
    portal; production without a low rendition: the main path at the camera's own node."""
    if settings.STREAM_MODE == "mediamtx" and not has_low_path(camera):
        return main_path_url(camera)
    return reverse("stream-file", args=[camera.code, MASTER_PLAYLIST])


def has_low_path(camera):
    return bool(camera.substream_url or camera.transcode_low)


def main_path_url(camera):
    return f"{hls_base(camera)}/{camera.code}/index.m3u8"


def low_playlist_url(camera):
    """The low rendition's own playlist, which the master names too: a phone in Hemat data
    starts there at once (one round trip less than through the master). Production: the
    camera's low MediaMTX path, None when it has none."""
    if settings.STREAM_MODE != "mediamtx":
        return reverse("stream-file", args=[camera.code, LOW_PLAYLIST])
    if not has_low_path(camera):
        return None
    return f"{hls_base(camera)}/{camera.code}{LOW_SUFFIX}/index.m3u8"


@transaction.atomic
def stream_open(*, camera, user, request, resume=None):
    """Record (or continue) a viewing session and hand out a token for it.

    `user` is None for the public page. Returns the answer of POST .../stream/.
    """
    now = timezone.now()
    viewing = None
    if resume:
        viewing = (
            ViewingSession.objects.select_for_update()
            .filter(
                pk=resume,
                camera=camera,
                user=user,
                ended_at__isnull=True,
                last_seen_at__gte=now - RESUME_WITHIN,
            )
            .first()
        )
    if viewing:
        viewing.last_seen_at = now
        viewing.save(update_fields=["last_seen_at"])
    else:
        if user is None:
            mode = ViewingSession.Mode.PUBLIC
        elif settings.STREAM_MODE == "mediamtx":
            mode = ViewingSession.Mode.MEDIAMTX
        else:
            mode = ViewingSession.Mode.EMBEDDED
        viewing = ViewingSession.objects.create(
            user=user,
            camera=camera,
            started_at=now,
            last_seen_at=now,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            mode=mode,
        )
    session_key = request.session.session_key if user is not None else None
    token, expires = gate.issue_token(viewing, session_key=session_key)
    return {
        "url": playlist_url(camera),
        "low_url": low_playlist_url(camera),
        "token": token,
        "expires_at": datetime.fromtimestamp(expires, tz=UTC),
        "viewing": viewing.pk,
    }
