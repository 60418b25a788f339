"""Media nodes: which MediaMTX server serves which camera (production mode).

A large deployment spreads its cameras over several MediaMTX nodes (README, "Sizing"), each
registered as a `MediaNode` with its API, HLS and playback addresses and a capacity. Each camera
is served by one node: chosen when the camera is created (the least loaded node below its
capacity), changeable in the admin. Paths, health, session kicks and the viewer's URLs all go to
the camera's own node. Recordings stay on the node that made them: the portal keeps which node
served a camera when (`CameraNodeSpan`), playback asks the node of the time it plays
(`recording_nodes`), and a node keeps a path for a camera moved away while it still holds
recordings of it (`former_cameras`), since MediaMTX's playback server needs the path's
configuration to find them.

While no node is registered, the one MediaMTX of the MEDIAMTX_* settings serves every camera:
`settings_node()`, an unsaved MediaNode, so a single-node installation needs no registry.
"""

import logging
from dataclasses import dataclass
from datetime import UTC
from fractions import Fraction
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Trunc
from django.utils import timezone

from cameras.models import Camera, CameraNodeSpan, MediaNode, RecordingHour, least_loaded

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


def playback_base(camera, node=None):
    """Where browsers fetch `camera`'s recordings: `node`'s playback server (the one that made
    them, `recording_nodes`), else the camera's current node's."""
    return (node or node_for(camera)).playback_url.rstrip("/")


def _node_history(camera):
    """[(since, node)], oldest first, one entry per change of node (None: the settings node)."""
    history = []
    spans = CameraNodeSpan.objects.filter(camera=camera).select_related("node")
    for span in spans.order_by("started_at", "pk"):
        if history and history[-1][1] == span.node_id:
            continue
        history.append((span.started_at, span.node_id, span.node))
    return [(since, node or settings_node()) for since, _pk, node in history]


def recording_nodes(camera, start, end):
    """[(since, node)] the nodes that recorded `camera` during [start, end), in order: the node
    that served it at `start`, then one entry for each move inside the range. Before the first
    known span the first span's node is assumed (the earliest the portal knows); a camera with
    no history is its current node's."""
    history = _node_history(camera)
    if not history:
        return [(start, node_for(camera))]
    current, later = history[0][1], []
    for since, node in history:
        if since <= start:
            current = node
        elif since < end:
            later.append((since, node))
    return [(start, current), *later]


def former_cameras(node):
    """Active cameras `node` served before they moved away and of which it still holds recorded
    hours (by the index). The node keeps their paths, not pulled, for its playback server."""
    if node.pk is None:
        return Camera.objects.none()
    spans = CameraNodeSpan.objects.filter(
        camera=OuterRef("pk"), node=node, ended_at__isnull=False
    ).annotate(first_hour=Trunc("started_at", "hour", tzinfo=UTC))
    held = RecordingHour.objects.filter(
        camera=OuterRef("camera_id"),
        hour__lt=OuterRef("ended_at"),
        hour__gte=OuterRef("first_hour"),
    )
    return Camera.objects.streamable().exclude(node=node).filter(Exists(spans.filter(Exists(held))))


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
        Camera.objects.filter(pk__in=ids).move_to_node(node_id)
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


# --- Rebalancing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    camera_id: int
    code: str
    source: str  # node names
    target: str


def fair_shares(nodes, total):
    """{node pk: active cameras it should serve} for `total` cameras: nodes taking new cameras
    share them in proportion to their capacity (never above it; the remainder of the rounding
    goes to the largest fractions, ties by name); a node not taking new ones (being emptied)
    gets none. When `total` exceeds the room of the open nodes, each is at capacity."""
    open_nodes = [node for node in nodes if node.accepts_new]
    shares = dict.fromkeys((node.pk for node in nodes), 0)
    room = sum(node.capacity for node in open_nodes)
    if not open_nodes:
        return shares
    if total >= room:
        shares.update((node.pk, node.capacity) for node in open_nodes)
        return shares
    exact = {node.pk: Fraction(total * node.capacity, room) for node in open_nodes}
    shares.update((pk, int(share)) for pk, share in exact.items())
    left = total - sum(shares.values())
    by_fraction = sorted(open_nodes, key=lambda n: (-(exact[n.pk] - shares[n.pk]), n.name))
    for node in by_fraction[:left]:
        shares[node.pk] += 1
    return shares


def rebalance_plan():
    """The moves that bring every registered node to its fair share of the active cameras:
    from the node furthest above its share, its newest camera first, to the node least loaded
    for its capacity (ties by name). Deterministic: the same registry gives the same plan; a
    balanced registry gives none."""
    nodes = sorted(MediaNode.objects.with_load(), key=lambda node: node.name)
    loads = {node.pk: node.load for node in nodes}
    shares = fair_shares(nodes, sum(loads.values()))
    above = [node.pk for node in nodes if loads[node.pk] > shares[node.pk]]
    movable = {}
    cameras = Camera.objects.filter(status=Camera.Status.ACTIVE, node_id__in=above)
    for pk, code, node_id in cameras.order_by("-pk").values_list("pk", "code", "node_id"):
        movable.setdefault(node_id, []).append((pk, code))
    moves = []
    while True:
        givers = [n for n in nodes if loads[n.pk] > shares[n.pk] and movable.get(n.pk)]
        takers = [n for n in nodes if loads[n.pk] < shares[n.pk]]
        if not givers or not takers:
            return moves
        giver = min(givers, key=lambda n: (shares[n.pk] - loads[n.pk], n.name))
        taker = min(takers, key=lambda n: (Fraction(loads[n.pk], n.capacity), n.name))
        camera_id, code = movable[giver.pk].pop(0)
        loads[giver.pk] -= 1
        loads[taker.pk] += 1
        moves.append(Move(camera_id, code, giver.name, taker.name))


@transaction.atomic
def rebalance(*, dry_run=False):
    """Plan (`rebalance_plan`) and, unless `dry_run`, move the cameras; returns the moves. The
    nodes' rows are locked meanwhile, so two runs do not plan from the same loads. A moved
    camera's path follows at the next sync (`run_streams` within 30 s, or `sync_mediamtx`)."""
    list(MediaNode.objects.select_for_update().order_by("pk"))
    moves = rebalance_plan()
    if dry_run:
        return moves
    by_target = {}
    for move in moves:
        by_target.setdefault(move.target, []).append(move.camera_id)
    nodes = dict(MediaNode.objects.filter(name__in=by_target).values_list("name", "pk"))
    for name, ids in by_target.items():
        Camera.objects.filter(pk__in=ids).move_to_node(nodes[name])
    if moves:
        log.info("rebalanced %d cameras over the media nodes", len(moves))
    return moves
