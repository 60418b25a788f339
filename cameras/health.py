"""Camera health: online while its stream keeps advancing, offline after a silence.

The sign of life is, in embedded mode, the camera's playlist (ffmpeg rewrites it with every 1 s
segment: its modification time) and, in production, the path list of the MediaMTX node serving
the camera (a path that is ready and whose received byte count moved; a node that does not
answer gives no sign for its cameras). A camera with no sign for CAMERA_OFFLINE_AFTER seconds is
offline. Only changes are recorded: Camera.online / online_changed_at and one CameraStatusChange
row, dated when they became true (online at the sign that showed it, offline at the last sign of
life), and `cameras.signals.camera_status_changed` is sent inside the transaction that records it.

`run_streams` checks every 5 s; `manage.py check_camera_health` checks once. Uptime figures are
computed from the CameraStatusChange rows.
"""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from cameras.ffmpeg import PLAYLIST
from cameras.mediamtx_paths import MediaMTXError, list_items
from cameras.models import Camera, CameraStatusChange, MediaNode
from cameras.nodes import mark_contact, serving_nodes
from cameras.signals import camera_status_changed, media_node_changed

log = logging.getLogger(__name__)
WIB = ZoneInfo("Asia/Jakarta")


def check_camera_health(*, now=None, watching_since=None, root=None, problems=None):
    """Look at every streamable (or still online) camera once; record and return the changes.

    `now` is the clock (tests pass their own). `watching_since` is when the caller started the
    streams: a camera never seen since then is not called offline before CAMERA_OFFLINE_AFTER
    has passed, so starting `run_streams` does not flag every camera offline for a moment.
    Production: media nodes that did not answer are appended to `problems` as (node, error).
    """
    now = now or timezone.now()
    down, back = [], []  # nodes that did not answer; nodes that answer again
    cameras = list(
        Camera.objects.filter(Q(status=Camera.Status.ACTIVE) | Q(online=True)).only(
            "code", "status", "online", "online_changed_at", "last_seen_at", "node_id"
        )
    )
    if settings.STREAM_MODE == "mediamtx":
        signs = mediamtx_signs(now, {c.code: c.node_id for c in cameras}, down, back)
        if problems is not None:
            problems.extend(down)
    else:
        folder = Path(root or settings.STREAMS_ROOT)
        signs = {camera.code: playlist_sign(folder / camera.code / PLAYLIST) for camera in cameras}

    seen = []
    for camera in cameras:
        sign = signs.get(camera.code) if camera.status == Camera.Status.ACTIVE else None
        if sign and (camera.last_seen_at is None or sign > camera.last_seen_at):
            camera.last_seen_at = min(sign, now)
            seen.append(camera)
    Camera.objects.bulk_update(seen, ["last_seen_at"], batch_size=500)

    # A node's outage (or return) is one piece of news, not one per camera it serves.
    cause = {node.pk: node for node, _error in down if node.pk is not None}
    cause.update((node.pk, node) for node in back if node.pk is not None)
    changes = []
    for camera in cameras:
        online = _verdict(camera, now, watching_since)
        if online is None or (online == camera.online and camera.online_changed_at):
            continue
        at = camera.last_seen_at if online else (camera.last_seen_at or now)
        node = cause.get(camera.node_id) if camera.status == Camera.Status.ACTIVE else None
        if node is not None and (node in back) != online:
            node = None  # went offline while its node answers again, or the reverse: its own
        change = record_status(camera.pk, online=online, at=at, node=node)
        if change:
            changes.append(change)
    _tell_node_changes(cause.values(), changes, back, now)
    return changes


def _tell_node_changes(nodes, changes, back, now):
    for node in nodes:
        online = node in back
        codes = [
            change.camera.code
            for change in changes
            if change.camera.node_id == node.pk and change.online == online
        ]
        if codes:
            with transaction.atomic():
                media_node_changed.send(
                    MediaNode,
                    node=node,
                    online=online,
                    cameras=codes,
                    since=node.last_contact_at,
                    at=now,
                )
            log.warning(
                "media node %s %s: %d cameras %s",
                node,
                "answers again" if online else "does not answer",
                len(codes),
                "online" if online else "offline",
            )


def _verdict(camera, now, watching_since):
    """True (online), False (offline) or None (too early to say)."""
    silence = timedelta(seconds=settings.CAMERA_OFFLINE_AFTER)
    if camera.status != Camera.Status.ACTIVE:
        return False  # stopped on purpose: no stream is expected
    if camera.last_seen_at and now - camera.last_seen_at <= silence:
        return True
    if watching_since and now - watching_since <= silence:
        return None
    return False


def record_status(camera_id, *, online, at, node=None):
    """Record that a camera went online or offline at `at`, unless that is already known.

    Returns the new CameraStatusChange, or None when nothing changed (so two checkers running
    at once record a change once). `camera_status_changed` is sent inside its transaction, with
    `node` when the camera's media node going down (or coming back) is the cause.
    """
    with transaction.atomic():
        camera = Camera.objects.select_for_update().filter(pk=camera_id).first()
        if camera is None or (camera.online == online and camera.online_changed_at):
            return None
        if camera.online_changed_at and at < camera.online_changed_at:
            at = camera.online_changed_at  # keep the history in order
        camera.online = online
        camera.online_changed_at = at
        if online and (camera.last_seen_at is None or camera.last_seen_at < at):
            camera.last_seen_at = at
        camera.save(update_fields=["online", "online_changed_at", "last_seen_at"])
        change = CameraStatusChange.objects.create(camera=camera, online=online, at=at)
        # Inside the transaction: the alerts store their event with the change it reports.
        camera_status_changed.send(Camera, camera=camera, online=online, at=at, node=node)
    log.info("camera %s is %s since %s", camera.code, "online" if online else "offline", at)
    return change


# --- Signs of life --------------------------------------------------------------------------


def playlist_sign(path):
    """When ffmpeg last rewrote this playlist, or None (no playlist, or the stream has ended)."""
    try:
        modified = path.stat().st_mtime
        if b"#EXT-X-ENDLIST" in path.read_bytes():
            return None
    except OSError:
        return None
    return datetime.fromtimestamp(modified, tz=UTC)


# Received byte count of each (node, path) at the previous look, in this process.
_inbound_bytes = {}


def mediamtx_signs(now, node_of, problems=None, back=None):
    """{camera code: now} for cameras whose own node lists their path ready and still receiving.

    `node_of` maps camera codes to the pk of the node serving them (None: the settings node).
    A node that does not answer gives no signs, so its cameras go offline after
    CAMERA_OFFLINE_AFTER while the other nodes' cameras are judged as usual; it is appended to
    `problems` as (node, error) and marked unreachable in the registry. A registered node that
    answers again after it did not is appended to `back`.
    """
    signs = {}
    for node in serving_nodes():
        try:
            items = list_items("/v3/paths/list", node=node)
        except (OSError, MediaMTXError) as error:
            log.warning("MediaMTX node %s does not answer: %s", node, error)
            mark_contact(node, error)
            if problems is not None:
                problems.append((node, error))
            continue
        if node.pk is not None and not node.reachable and back is not None:
            back.append(node)
        mark_contact(node)
        for item in items:
            name = item.get("name")
            if name not in node_of or node_of[name] != node.pk:
                continue  # not a camera, or a stale path of a camera served elsewhere now
            # `ready`/`bytesReceived` (MediaMTX 1.x); newer releases: online/inboundBytes.
            ready = item.get("ready", item.get("online", False))
            received = item.get("bytesReceived", item.get("inboundBytes"))
            before = _inbound_bytes.get((node.pk, name))
            _inbound_bytes[(node.pk, name)] = received
            if ready and (before is None or received != before):
                signs[name] = now
    return signs


# --- Uptime -----------------------------------------------------------------------------------


def uptime(cameras_or_ids, start, end):
    """{camera id: fraction of [start, end) it was online, 0..1}, in two queries for any number.

    Time before a camera's first recorded status is not counted (a camera installed at 10:00 and
    up since is at 100% today); a camera with no recorded status at all scores 0.
    """
    ids = [getattr(item, "pk", item) for item in cameras_or_ids]
    result = dict.fromkeys(ids, 0.0)
    if not ids or end <= start:
        return result
    state_at_start = dict(
        Camera.objects.filter(pk__in=ids)
        .annotate(
            state=Subquery(
                CameraStatusChange.objects.filter(camera=OuterRef("pk"), at__lte=start)
                .order_by("-at", "-pk")
                .values("online")[:1]
            )
        )
        .values_list("pk", "state")
    )
    changes = {}
    for camera_id, online, at in (
        CameraStatusChange.objects.filter(camera_id__in=ids, at__gt=start, at__lt=end)
        .order_by("at", "pk")
        .values_list("camera_id", "online", "at")
    ):
        changes.setdefault(camera_id, []).append((at, online))
    for camera_id in ids:
        state, since = state_at_start.get(camera_id), start
        up = known = timedelta(0)
        for at, online in [*changes.get(camera_id, []), (end, None)]:
            if state is not None:
                known += at - since
                up += at - since if state else timedelta(0)
            state, since = online, at
        result[camera_id] = up / known if known else 0.0
    return result


def today(now=None):
    """(WIB midnight, now): the window of "today" for a Jakarta officer."""
    now = now or timezone.now()
    midnight = timezone.localtime(now, WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight, now


def last_7_days(now=None):
    now = now or timezone.now()
    return now - timedelta(days=7), now


def uptime_today(cameras_or_ids, now=None):
    return uptime(cameras_or_ids, *today(now))


def uptime_last_7_days(cameras_or_ids, now=None):
    return uptime(cameras_or_ids, *last_7_days(now))
