"""Recordings of a camera moved to another media node (production mode): each node keeps what it
recorded, and playback asks the node that recorded the time it plays.

Each node is a stand-in (tests/mediamtx_standin.py: there is no MediaMTX binary on these
machines) on its own port with its own recordings disk, playing MediaMTX's API and playback
server; the playback server asks the portal's hook, as MediaMTX does.
"""

import urllib.error
import urllib.request
from contextlib import ExitStack
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest
from django.utils import timezone

from cameras import gate
from cameras.mediamtx_paths import sync_all_nodes
from cameras.models import Camera, CameraNodeSpan, MediaNode, RecordingHour, ViewingSession
from cameras.nodes import rebalance
from cameras.recordings import floor_hour, hour_folder, index_hour_folder, segment_name
from tests.asgi import post_hook
from tests.mediamtx_standin import mediamtx_standin

KJ = "kebonjeruk-simpang"
MINUTE = timedelta(minutes=1)


def _record(camera, start, minutes, *roots, label):
    """`minutes` one-minute fMP4 segments of `camera` from `start`, written on each of `roots`
    (a node's own disk; the portal's RECORDINGS_ROOT, where its sweep indexes them)."""
    for n in range(minutes):
        moment = start + n * MINUTE
        for root in roots:
            folder = hour_folder(camera.pk, moment, root)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / segment_name(moment, 60.0, "mp4")).write_bytes(f"{label}{n};".encode())


def _moved_at(camera, moment):
    """Date the camera's last move back to `moment`: recording takes real time, so the test
    writes the history of a move made half an hour ago (the spans the move itself wrote)."""
    first, second = CameraNodeSpan.objects.filter(camera=camera).order_by("started_at")
    CameraNodeSpan.objects.filter(pk=first.pk).update(
        started_at=moment - timedelta(hours=3), ended_at=moment
    )
    CameraNodeSpan.objects.filter(pk=second.pk).update(started_at=moment)


@pytest.fixture
def moved(settings, demo_cameras, tmp_path):
    """KJ recorded five minutes on n1, moved to n2 (half an hour ago), recorded five more there.
    Other demo cameras retired. Yields (camera, move moment, {name: (node, stand-in)})."""
    settings.STREAM_MODE = "mediamtx"
    settings.MEDIAMTX_API_PASSWORD = "kunci-api"
    settings.RECORDINGS_ROOT = tmp_path / "portal"
    Camera.objects.exclude(code=KJ).update(status=Camera.Status.RETIRED)
    camera = Camera.objects.get(code=KJ)
    with ExitStack() as stack:
        nodes = {}
        for name in ("n1", "n2"):
            state, url = stack.enter_context(mediamtx_standin())
            state.recordings_root = tmp_path / name
            state.playback_auth = lambda body: post_hook(body)[0]
            # The playback server straight at the stand-in (production: /playback/<node>/ on
            # the portal's origin, through the proxy).
            node = MediaNode.objects.create(
                name=name, api_url=url, hls_url=f"/hls/{name}/", playback_url=url + "/",
                capacity=10,
            )  # fmt: skip
            nodes[name] = (node, state)
        camera.node, camera.record = nodes["n1"][0], True
        camera.save()  # placed in its form
        camera.node = nodes["n2"][0]
        camera.save()  # moved in its form
        move = (timezone.now() - timedelta(minutes=30)).replace(second=0, microsecond=0)
        _moved_at(camera, move)
        _record(camera, move - 5 * MINUTE, 5, tmp_path / "n1", settings.RECORDINGS_ROOT, label="A")
        _record(camera, move, 5, tmp_path / "n2", settings.RECORDINGS_ROOT, label="B")
        for hour in {floor_hour(move - 5 * MINUTE), floor_hour(move + 4 * MINUTE)}:
            index_hour_folder(camera.pk, hour)
        yield camera, move, nodes
    gate.forget_decisions()


def _open(client, camera, start, end):
    return client.post(
        f"/api/v1/cameras/{camera.pk}/playback/",
        {"start": start.isoformat(), "end": end.isoformat()},
        content_type="application/json",
    )


def _when(text):
    return datetime.fromisoformat(text)


def _fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (a stand-in)
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, b""


@pytest.mark.django_db(transaction=True)  # the stand-ins ask the hook, on their own threads
def test_playback_asks_the_node_that_recorded_the_time(moved, signed_in):
    camera, move, nodes = moved
    (n1, one), (n2, two) = nodes["n1"], nodes["n2"]
    sync_all_nodes()
    # n2 pulls and records the camera; n1 keeps its path only so that its playback server
    # finds what it recorded (nothing pulled, nothing recorded).
    assert two.config_paths[KJ]["record"] is True
    kept = one.config_paths[KJ]
    assert (kept["record"], kept["source"], kept["runOnInit"]) == (False, "publisher", "")
    assert kept["recordPath"] == two.config_paths[KJ]["recordPath"]

    client = signed_in("piket.kebonjeruk")
    before = _open(client, camera, move - 4 * MINUTE, move - MINUTE)
    assert before.status_code == 200, before.content
    assert before.json()["url"].startswith(n1.playback_url + "get?")
    assert _fetch(before.json()["url"]) == (200, b"A1;A2;A3;")
    after = _open(client, camera, move + MINUTE, move + 3 * MINUTE)
    assert after.json()["url"].startswith(n2.playback_url + "get?")
    assert _fetch(after.json()["url"]) == (200, b"B1;B2;")
    # Up to the move and from it: what the player asks for around a move.
    assert _fetch(_open(client, camera, move - 2 * MINUTE, move).json()["url"]) == (200, b"A3;A4;")
    assert _fetch(_open(client, camera, move, move + MINUTE).json()["url"]) == (200, b"B0;")
    # The node still asks the portal: the token's range, not another, is played.
    base, query = before.json()["url"].split("?")
    query = dict(parse_qsl(query))
    query["start"] = (move - 30 * MINUTE).isoformat()
    assert _fetch(f"{base}?{urlencode(query)}")[0] == 401

    # The timeline lists both stretches (one, the move left no gap) and the move.
    timeline = client.get(
        f"/api/v1/cameras/{camera.pk}/recordings/",
        {"start": (move - 10 * MINUTE).isoformat(), "end": (move + 10 * MINUTE).isoformat()},
    ).json()
    spans = [(_when(span["start"]), _when(span["end"])) for span in timeline["spans"]]
    assert spans == [(move - 5 * MINUTE, move + 5 * MINUTE)]
    assert [_when(at) for at in timeline["moves"]] == [move]


@pytest.mark.django_db(transaction=True)
def test_a_range_across_the_move_is_refused_with_a_message(moved, signed_in, settings):
    camera, move, _nodes = moved
    client = signed_in("piket.kebonjeruk")
    viewings = ViewingSession.objects.count()
    across = _open(client, camera, move - 2 * MINUTE, move + 2 * MINUTE)
    assert across.status_code == 400
    wib = timezone.localtime(move)
    detail = across.json()["detail"]
    assert "dipindah ke node media lain" in detail and f"{wib:%H.%M.%S} WIB" in detail
    assert ViewingSession.objects.count() == viewings  # nothing opened, nothing logged

    # Embedded mode has no nodes to ask: the same range plays from the portal's own files.
    settings.STREAM_MODE = "embedded"
    embedded = _open(client, camera, move - 2 * MINUTE, move + 2 * MINUTE)
    assert embedded.status_code == 200 and embedded.json()["url"].endswith("/index.m3u8")
    timeline = client.get(
        f"/api/v1/cameras/{camera.pk}/recordings/",
        {"start": (move - 10 * MINUTE).isoformat(), "end": (move + 10 * MINUTE).isoformat()},
    ).json()
    assert timeline["moves"] == []


@pytest.mark.django_db(transaction=True)
def test_the_old_node_lets_the_path_go_once_its_recordings_are_gone(moved):
    _camera, _move, nodes = moved
    one = nodes["n1"][1]
    sync_all_nodes()
    assert KJ in one.config_paths
    RecordingHour.objects.all().delete()  # retention (or the disk guard) took them
    sync_all_nodes()
    assert KJ not in one.config_paths
    assert KJ in nodes["n2"][1].config_paths


@pytest.mark.django_db
def test_every_change_of_node_is_kept(settings, demo_areas):
    """Placement at creation, a move in the form, a rebalance, placement of unplaced cameras:
    each closes the camera's open span and opens one on the new node; saving without a change
    (or without the node read) writes nothing."""
    MediaNode.objects.create(name="a", api_url="http://a", hls_url="/hls/a/", capacity=10)
    camera = Camera.objects.create(
        code="kamera-pindah", name="Pindah", area_id="31.73.05.1001", lat=-6.19, lon=106.77
    )

    def history():
        spans = CameraNodeSpan.objects.filter(camera=camera).order_by("started_at", "pk")
        return [(span.node.name, span.ended_at is None) for span in spans]

    assert history() == [("a", True)]
    camera.name = "Pindah lagi"
    camera.save()
    Camera.objects.only("pk", "name").get(pk=camera.pk).save()
    assert history() == [("a", True)]
    b = MediaNode.objects.create(name="b", api_url="http://b", hls_url="/hls/b/", capacity=10)
    camera.node = b
    camera.save()
    assert history() == [("a", False), ("b", True)]
    spans = list(CameraNodeSpan.objects.filter(camera=camera).order_by("started_at", "pk"))
    assert spans[0].ended_at == spans[1].started_at
    MediaNode.objects.filter(pk=b.pk).update(accepts_new=False)  # b is to be emptied
    assert [move.code for move in rebalance()] == ["kamera-pindah"]
    assert history() == [("a", False), ("b", False), ("a", True)]
