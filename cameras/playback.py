"""Playing recordings back: tokens bound to one user, one camera and one time range, the VOD
playlist of that range (embedded), and the timeline of what is recorded and what happened.

A playback token is signed like a live one (cameras/gate.py) but with its own salt, so neither
passes for the other; it names the viewing session, user, camera, browser session, the range
and its expiry. Embedded, Django serves the playlist and every segment after checking it
(cameras/streams.py); in production MediaMTX's playback server asks the auth hook
(`action: playback`, cameras/hook.py), which checks the same token and the requested range.
The playback server asked is that of the node that recorded the range (`recording_node`): the
hook need not know nodes, since a token names a camera and a range, not where they are kept.
"""

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cameras import gate
from cameras.models import ViewingSession
from cameras.nodes import playback_base, recording_nodes
from cameras.recordings import JOIN_WITHIN, recorded_spans, segments_between
from cameras.signals import timeline_marks_wanted
from kelurahan.roles import Action

SALT = "jakcctv.playback-token"
MAX_RANGE = timedelta(hours=1)  # one playlist; the player asks for the next hour as it plays
MAX_TIMELINE = timedelta(days=2)
SLACK = timedelta(seconds=2)  # a segment starting just before the range still plays it


@dataclass(frozen=True)
class PlaybackToken:
    viewing_id: int
    user_id: int
    camera_id: int
    camera_code: str
    session_tag: str
    start: float  # unix seconds
    end: float
    expires: int

    def covers(self, moment, duration=0.0):
        """Whether [moment, moment + duration) lies inside the token's range (with slack)."""
        begin = moment.timestamp()
        slack = SLACK.total_seconds()
        return self.start - slack <= begin and begin + duration <= self.end + slack


def issue_token(viewing, *, session_key=None, now=None):
    expires = int((now or time.time()) + settings.PLAYBACK_TOKEN_SECONDS)
    payload = [
        viewing.pk,
        viewing.user_id,
        viewing.camera_id,
        viewing.camera.code,
        gate.session_tag(session_key),
        viewing.playback_start.timestamp(),
        viewing.playback_end.timestamp(),
        expires,
    ]
    return signing.dumps(payload, salt=SALT), expires


def verify(raw, *, camera, session_key=None, check_session=True, now=None):
    """The token if genuine, unexpired and for `camera` (id or code); raises gate.Refused."""
    if not raw:
        raise gate.Refused(401, _("Token video tidak ada."))
    try:
        token = PlaybackToken(*signing.loads(raw, salt=SALT))
    except (signing.BadSignature, TypeError, ValueError):
        raise gate.Refused(403, _("Token video tidak sah.")) from None
    if token.expires <= (now or time.time()):
        raise gate.Refused(403, _("Token video sudah kedaluwarsa."))
    if str(camera) not in {str(token.camera_id), token.camera_code}:
        raise gate.Refused(403, _("Token ini untuk kamera lain."))
    if check_session and token.session_tag and token.session_tag != gate.session_tag(session_key):
        raise gate.Refused(403, _("Token ini milik sesi lain."))
    return token


def authorize(raw, *, camera, session_key=None, check_session=True):
    """The token, if its holder may still watch this camera's recordings; raises gate.Refused."""
    token = verify(raw, camera=camera, session_key=session_key, check_session=check_session)
    allowed = gate.still_allowed(
        token.user_id, token.camera_id, token.session_tag, Action.VIEW_RECORDINGS
    )
    if not allowed:
        raise gate.not_allowed()
    return token


class BadRange(ValueError):
    """A time range the portal cannot play; the message is for the user."""


def check_range(start, end, longest=MAX_RANGE):
    if end <= start:
        raise BadRange(_("Waktu selesai harus setelah waktu mulai."))
    if end - start > longest:
        hours = longest.total_seconds() / 3600
        raise BadRange(_("Rentang paling panjang %(hours)g jam.") % {"hours": hours})
    if start > timezone.now():
        raise BadRange(_("Rentang itu belum terjadi."))


def recording_node(camera, start, end):
    """The media node that recorded `camera` during [start, end) (production). A range across a
    move to another node is refused (BadRange): MediaMTX's /get answers one file from one node's
    disk, so the player asks for the range before the move and then the one after it."""
    nodes = recording_nodes(camera, start, end)
    if len(nodes) > 1:
        moved = timezone.localtime(nodes[1][0])
        raise BadRange(
            _(
                "Kamera ini dipindah ke node media lain pada %(time)s WIB, jadi rekaman sebelum "
                "dan sesudahnya tersimpan di node yang berbeda. Pilih rentang yang berakhir "
                "sebelum waktu itu atau yang mulai sejak waktu itu."
            )
            % {"time": moved.strftime("%d-%m-%Y %H.%M.%S")}
        )
    return nodes[0][1]


def node_moves(camera, start, end):
    """The moments in [start, end) at which `camera` moved to another node (production; none
    embedded, where every recording is the portal's own)."""
    if settings.STREAM_MODE != "mediamtx":
        return []
    return [since for since, _node in recording_nodes(camera, start, end)[1:]]


def playback_url(camera, token, start, end, node=None):
    if settings.STREAM_MODE == "mediamtx":
        # The playback server of the node that recorded the range, on the portal's origin: one
        # fMP4.
        query = {
            "path": camera.code,
            "start": start.astimezone(UTC).isoformat(),
            "duration": f"{(end - start).total_seconds():g}s",
            "format": "mp4",
            "token": token,
        }
        return f"{playback_base(camera, node)}/get?{urlencode(query)}"
    # Embedded: the player sends the token as a Bearer header, like live video.
    return reverse("recording-playlist", args=[camera.pk])


@transaction.atomic
def playback_open(*, camera, user, request, start, end):
    """Record the playback in the viewing history (with the range) and hand out its token.

    The caller has checked VIEW_RECORDINGS on the camera; raises BadRange for a bad range.
    """
    from cameras.services import client_ip

    check_range(start, end)
    node = recording_node(camera, start, end) if settings.STREAM_MODE == "mediamtx" else None
    now = timezone.now()
    viewing = ViewingSession.objects.create(
        user=user,
        camera=camera,
        started_at=now,
        last_seen_at=now,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        mode=(
            ViewingSession.Mode.MEDIAMTX
            if settings.STREAM_MODE == "mediamtx"
            else ViewingSession.Mode.EMBEDDED
        ),
        playback_start=start,
        playback_end=end,
    )
    token, expires = issue_token(viewing, session_key=request.session.session_key)
    return {
        "url": playback_url(camera, token, start, end, node),
        "token": token,
        "expires_at": datetime.fromtimestamp(expires, tz=UTC),
        "viewing": viewing.pk,
        "start": start,
        "end": end,
    }


def vod_playlist(token, raw_token=None):
    """The HLS VOD playlist of the token's range: every segment with its PROGRAM-DATE-TIME (in
    WIB, like the live playlist), a DISCONTINUITY across each gap, ENDLIST at the end. With
    `raw_token` (a player that cannot send headers asked with ?token=), segment URLs carry it."""
    start = datetime.fromtimestamp(token.start, tz=UTC)
    end = datetime.fromtimestamp(token.end, tz=UTC)
    segments = segments_between(token.camera_id, start, end)
    longest = max((duration for _p, _s, duration in segments), default=1)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        f"#EXT-X-TARGETDURATION:{max(1, math.ceil(longest))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    wib = timezone.get_fixed_timezone(7 * 60)
    previous_end = None
    suffix = "?" + urlencode({"token": raw_token}) if raw_token else ""
    root = settings.RECORDINGS_ROOT
    for path, seg_start, duration in segments:
        if previous_end is not None and (seg_start - previous_end).total_seconds() > JOIN_WITHIN:
            lines.append("#EXT-X-DISCONTINUITY")
        stamp = seg_start.astimezone(wib).isoformat(timespec="milliseconds")
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{stamp}")
        lines.append(f"#EXTINF:{duration:.3f},")
        relative = path.relative_to(root / str(token.camera_id)).as_posix()
        lines.append(reverse("recording-file", args=[token.camera_id, relative]) + suffix)
        previous_end = seg_start + timedelta(seconds=duration)
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def timeline(camera, user, start, end):
    """What is recorded of `camera` in [start, end) and what the layers above mark in it
    (incidents, shift notes: listeners of `timeline_marks_wanted`), for `user`."""
    check_range(start, end, longest=MAX_TIMELINE)
    marks = {}
    for _receiver, answer in timeline_marks_wanted.send(
        sender=type(camera), camera=camera, user=user, start=start, end=end
    ):
        for kind, items in (answer or {}).items():
            marks.setdefault(kind, []).extend(items)
    return {
        "spans": [{"start": a, "end": b} for a, b in recorded_spans(camera, start, end)],
        "incidents": marks.get("incidents", []),
        "notes": marks.get("notes", []),
        # Moments the camera moved to another media node: a playback range ends at one.
        "moves": node_moves(camera, start, end),
    }
