"""MediaMTX's paths, kept in step with the camera registry (production mode, STREAM_MODE=mediamtx).

MediaMTX pulls every camera's RTSP source itself; the portal tells each node which paths exist
through its control API (one path per active camera it serves, named by the camera code, which
the auth hook expects; cameras/nodes.py says which node serves which camera). Paths added
through the API live only in MediaMTX's memory, so `run_streams` repeats the sync every 30 s
(after a MediaMTX restart the paths are back within that time) and `manage.py sync_mediamtx`
does it once. Each run only writes what differs.
"""

import base64
import json
import re
import shlex
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings

from cameras.ffmpeg import demo_pattern_args, hide_credentials
from cameras.nodes import (
    cameras_of,
    former_cameras,
    place_unassigned,
    serving_nodes,
    settings_node,
)
from cameras.renditions import LOW_FPS, LOW_KBPS, LOW_SIZE

# Paths named like a camera code (and their low renditions) are the portal's to add and delete.
_CAMERA_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9](_low)?$")
# The low rendition's path: a camera code never holds "_", so it cannot be another camera's.
LOW_SUFFIX = "_low"


class MediaMTXError(Exception):
    """MediaMTX answered, but not as its API documents (or refused the request)."""


def api(method, path, payload=None, timeout=10, *, node=None):
    """One call to a node's control API as the portal's user: (HTTP status, parsed JSON or None).

    `node` defaults to the settings node. Every node knows the portal by the same credentials
    (its hook checks them). Raises OSError when the node cannot be reached.
    """
    base_url = (node or settings_node()).api_url
    credentials = f"{settings.MEDIAMTX_API_USER}:{settings.MEDIAMTX_API_PASSWORD}".encode()
    request = urllib.request.Request(  # noqa: S310 (the operator-configured API URL)
        base_url.rstrip("/") + path,
        data=None if payload is None else json.dumps(payload).encode(),
        method=method,
        headers={
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


def list_items(endpoint, *, node=None):
    """Every item of a paginated list endpoint (`/v3/paths/list`, `/v3/config/paths/list`)."""
    items, page = [], 0
    while True:
        status, body = api("GET", f"{endpoint}?itemsPerPage=1000&page={page}", node=node)
        if status != 200 or not isinstance(body, dict):
            raise MediaMTXError(f"GET {endpoint}: HTTP {status}")
        items += body.get("items") or []
        page += 1
        if page >= (body.get("pageCount") or 1):
            return items


def demo_publish_command(camera):
    """The ffmpeg MediaMTX runs for a demo camera: a test pattern published to the camera's own
    path over RTSP, as the portal's user (the auth hook lets only the portal publish)."""
    user = quote(settings.MEDIAMTX_API_USER, safe="")
    password = quote(settings.MEDIAMTX_API_PASSWORD, safe="")  # also turns '$' into %24
    # $RTSP_PORT and $MTX_PATH are filled in by MediaMTX. No burnt-in text: MediaMTX's image
    # may carry no font (embedded mode's run_streams does burn in code and clock).
    target = f"rtsp://{user}:{password}@localhost:$RTSP_PORT/$MTX_PATH"
    pattern = demo_pattern_args(
        camera.code, size=settings.STREAM_SIZE, fps=settings.STREAM_FPS, font=None
    )
    return shlex.join(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", *pattern]
        + ["-f", "rtsp", "-rtsp_transport", "tcp", target]
    )


def path_conf(camera):
    """The MediaMTX path configuration of one active camera (the keys the portal decides; the
    rest comes from mediamtx.yml's pathDefaults). Both runOn* keys are always sent, so a camera
    switched between demo and real loses the other one."""
    conf = _source_conf(camera)
    conf["record"] = camera.record
    conf["recordPath"] = record_path(camera)
    return conf


def record_path(camera):
    # Recording (issue: recordings): MediaMTX writes fMP4 segments into the portal's layout
    # (cameras/recordings.py), <root>/<camera id>/<YYYY-MM-DD>/<HH>/<MM>-<SS>-<micro>.mp4 in UTC.
    root = settings.MEDIAMTX_RECORDINGS_PATH.rstrip("/")
    return f"{root}/{camera.pk}/%Y-%m-%d/%H/%M-%S-%f"


def playback_path_conf(camera):
    """The path a node keeps for a camera moved to another node while it still holds recordings
    of it: nothing pulled or run, nothing recorded, only the recordPath by which MediaMTX's
    playback server finds the recordings (it answers 404 for a path it has no configuration of).
    Nobody can publish to it: the hook admits only the portal."""
    return {
        "source": "publisher",
        "sourceOnDemand": False,
        "runOnInit": "",
        "runOnInitRestart": False,
        "runOnDemand": "",
        "runOnDemandRestart": False,
        "record": False,
        "recordPath": record_path(camera),
    }


def _source_conf(camera):
    if camera.source_url:
        return {
            "source": camera.source_url,
            "sourceOnDemand": settings.MEDIAMTX_ON_DEMAND,
            "rtspTransport": "tcp",
            "runOnInit": "",
            "runOnInitRestart": False,
            "runOnDemand": "",
            "runOnDemandRestart": False,
        }
    run, unused = (
        ("runOnDemand", "runOnInit")
        if settings.MEDIAMTX_ON_DEMAND
        else ("runOnInit", "runOnDemand")
    )
    return {
        "source": "publisher",
        "sourceOnDemand": False,  # MediaMTX refuses it on a publisher path
        run: demo_publish_command(camera),
        f"{run}Restart": True,
        unused: "",
        f"{unused}Restart": False,
    }


def low_path_conf(camera):
    """The low rendition's path for phones, or None: the camera's sub-stream pulled as is, else
    (for cameras marked `transcode_low`) 320x180 transcoded by this node from the main path."""
    if camera.substream_url:
        return {
            "source": camera.substream_url,
            "sourceOnDemand": settings.MEDIAMTX_ON_DEMAND,
            "rtspTransport": "tcp",
            "runOnInit": "",
            "runOnInitRestart": False,
        }
    if not camera.transcode_low:
        return None
    user = quote(settings.MEDIAMTX_API_USER, safe="")
    password = quote(settings.MEDIAMTX_API_PASSWORD, safe="")
    main = f"rtsp://{user}:{password}@localhost:$RTSP_PORT/{camera.code}"
    width, height = LOW_SIZE.split("x")
    command = [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
        "-rtsp_transport", "tcp", "-i", main, "-map", "0:v:0",
        "-vf", f"fps={LOW_FPS},scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
        "-g", str(LOW_FPS), "-b:v", f"{LOW_KBPS}k", "-maxrate", f"{LOW_KBPS}k",
        "-bufsize", f"{2 * LOW_KBPS}k",
        "-f", "rtsp", "-rtsp_transport", "tcp",
        f"rtsp://{user}:{password}@localhost:$RTSP_PORT/$MTX_PATH",
    ]  # fmt: skip
    return {
        "source": "publisher",
        "sourceOnDemand": False,
        "runOnInit": shlex.join(command),
        "runOnInitRestart": True,
    }


def wanted_paths(cameras):
    """Path name -> configuration for every active camera and its low rendition."""
    wanted = {}
    for camera in cameras:
        wanted[camera.code] = path_conf(camera)
        low = low_path_conf(camera)
        if low is not None:
            wanted[camera.code + LOW_SUFFIX] = low
    return wanted


@dataclass
class SyncResult:
    node: object = None
    error: str = ""
    added: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


def sync_paths(node=None):
    """Make one node's paths match its active cameras: add, patch or delete what differs.

    `node` defaults to the settings node. A camera moved to another node loses its path here,
    but for one left for playback while the node holds recordings of it (`former_cameras`).
    Configured paths whose name could not be a camera code (`all_others`, regular expressions)
    are left alone. Raises OSError or MediaMTXError when the node is unreachable or refuses.
    """
    if not settings.MEDIAMTX_API_PASSWORD:
        raise MediaMTXError(
            "MEDIAMTX_API_PASSWORD is not set: the portal cannot use MediaMTX's API"
        )
    node = node or settings_node()
    cameras = cameras_of(node).streamable()
    wanted = wanted_paths(cameras)
    for camera in former_cameras(node):
        wanted.setdefault(camera.code, playback_path_conf(camera))
    existing = {item.get("name"): item for item in list_items("/v3/config/paths/list", node=node)}
    result = SyncResult(node=node)
    for name, conf in sorted(wanted.items()):
        current = existing.get(name)
        if current is None:
            _write(node, "POST", f"/v3/config/paths/add/{name}", conf)
            result.added.append(name)
        elif any(current.get(key) != value for key, value in conf.items()):
            _write(node, "PATCH", f"/v3/config/paths/patch/{name}", conf)
            result.changed.append(name)
        else:
            result.unchanged.append(name)
    for name in sorted(n for n in existing if n not in wanted and _CAMERA_CODE.match(n or "")):
        _write(node, "DELETE", f"/v3/config/paths/delete/{name}")
        result.removed.append(name)
    return result


def sync_all_nodes():
    """Place new cameras on nodes, then sync every node; one node failing does not stop the
    others. Returns one SyncResult per node (`error` set for a node that failed)."""
    place_unassigned()
    results = []
    for node in serving_nodes():
        try:
            results.append(sync_paths(node))
        except (OSError, MediaMTXError) as error:
            results.append(SyncResult(node=node, error=hide_credentials(str(error))))
    return results


def _write(node, method, path, payload=None):
    status, body = api(method, path, payload, node=node)
    if not 200 <= status < 300:
        detail = body.get("error") if isinstance(body, dict) else ""
        # The payload (an RTSP URL with its password) is never put in the message.
        raise MediaMTXError(hide_credentials(f"{method} {path}: HTTP {status} {detail}".strip()))
