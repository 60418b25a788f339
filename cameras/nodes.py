"""Media nodes: which MediaMTX server serves which camera (production mode).

A large deployment spreads its cameras over several MediaMTX nodes (README, "Sizing"), each
registered as a `MediaNode` with its API, HLS and playback addresses and a capacity. Each camera
is served by one node: chosen when the camera is created (the least loaded node below its
capacity), changeable in the admin. Paths, health, session kicks and the viewer's URLs all go to
the camera's own node.

While no node is registered, the one MediaMTX of the MEDIAMTX_* settings serves every camera:
`settings_node()`, an unsaved MediaNode, so a single-node installation needs no registry.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cameras.models import Camera, MediaNode, least_loaded

log = logging.getLogger(__name__)


def settings_node():
    """The MediaMTX of the MEDIAMTX_* settings, as an unsaved node (pk None)."""
    return MediaNode(
        name="utama",
        api_url=settings.MEDIAMTX_API_URL,
        hls_url=settings.MEDIAMTX_HLS_URL,
        playback_url=settings.MEDIAMTX_PLAYBACK_URL,
        capacity=10**6,
    )


def serving_nodes():
    """Every node that serves cameras: the registry, or the settings node while it is empty."""
    nodes = list(MediaNode.objects.all())
    return nodes or [settings_node()]


def node_for(camera):
    """The node that serves `camera`. A camera not (yet) placed on a registered node is left to
    the settings node, where it finds no path: it shows offline until it is placed."""
    return camera.node if camera.node_id else settings_node()


def cameras_of(node):
    """The cameras `node` is responsible for."""
    if node.pk is None:
        # The settings node: every camera while the registry is empty, none once it is not.
        if MediaNode.objects.exists():
            return Camera.objects.none()
        return Camera.objects.all()
    return Camera.objects.filter(node=node)


def hls_base(camera):
    return node_for(camera).hls_url.rstrip("/")


def internal_hls_base(camera):
    """The camera's node's HLS server as the portal reaches it: its API host, MEDIAMTX_HLS_PORT
    (browsers go through the proxy, `hls_url`; the portal is inside the network)."""
    parts = urlsplit(node_for(camera).api_url)
    return f"{parts.scheme}://{parts.hostname}:{settings.MEDIAMTX_HLS_PORT}"


def playback_base(camera):
    return node_for(camera).playback_url.rstrip("/")


@transaction.atomic
def place_unassigned():
    """Give every active camera without a node the least loaded node with room; returns
    (placed, left) lists of camera codes. `import_cameras` creates cameras in bulk, past
    Camera.save, and calls this; `sync_mediamtx` and `run_streams` call it before each sync."""
    nodes = list(MediaNode.objects.with_load())
    if not nodes:
        return [], []
    loads = {node.pk: node.load for node in nodes}
    placed, left, by_node = [], [], {}
    waiting = Camera.objects.streamable().filter(node__isnull=True).select_for_update()
    for pk, code in waiting.order_by("pk").values_list("pk", "code"):
        node = least_loaded(nodes, loads)
        if node is None:
            left.append(code)
            continue
        loads[node.pk] += 1
        by_node.setdefault(node.pk, []).append(pk)
        placed.append(code)
    for node_id, ids in by_node.items():
        Camera.objects.filter(pk__in=ids).update(node_id=node_id)
    if left:
        log.warning("no media node has room for %d cameras: %s", len(left), ", ".join(left[:10]))
    return placed, left


def mark_contact(node, error=None):
    """Remember whether a registered node's API answered (shown in the admin)."""
    if node.pk is None:
        return
    fields = {"reachable": error is None, "last_error": str(error or "")[:300]}
    if error is None:
        fields["last_contact_at"] = timezone.now()
    MediaNode.objects.filter(pk=node.pk).update(**fields)
