"""Several MediaMTX nodes: placement, per-node sync, URLs, kicks and health.

Each node is a real HTTP server on its own port (tests/mediamtx_standin.py: there is no MediaMTX
binary on these machines) answering MediaMTX's documented API; stopping one is a node that stops
answering.
"""

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from alerts.models import PROVINCIAL_ONLY, AlertEvent, Kind
from cameras import health
from cameras.health import check_camera_health
from cameras.mediamtx import end_browser_session_streams
from cameras.mediamtx_paths import sync_all_nodes
from cameras.models import (
    AreaRecordingPolicy,
    Camera,
    MediaNode,
    RecordingHour,
    ViewingSession,
)
from cameras.nodes import place_unassigned
from kelurahan.codes import PROVINCE
from tests.mediamtx_standin import mediamtx_standin

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
KJ, KJ_PASAR, TB = "kebonjeruk-simpang", "kebonjeruk-pasar", "tebet-eco-park-utara"


def _node(name, url="http://127.0.0.1:9", capacity=100, **fields):
    return MediaNode.objects.create(
        name=name,
        api_url=url,
        hls_url=f"/hls/{name}/",
        playback_url=f"/playback/{name}/",
        capacity=capacity,
        **fields,
    )


def _ready(name, received):
    return {"name": name, "ready": True, "bytesReceived": received, "readers": []}


@pytest.fixture
def two_nodes(settings, demo_cameras):
    """Nodes n1 and n2, each a live stand-in; KJ on n1, KJ_PASAR and TB on n2, the rest retired."""
    settings.STREAM_MODE = "mediamtx"
    settings.CAMERA_OFFLINE_AFTER = 15
    settings.MEDIAMTX_API_PASSWORD = "kunci-api"
    Camera.objects.exclude(code__in=[KJ, KJ_PASAR, TB]).update(status=Camera.Status.RETIRED)
    health._inbound_bytes.clear()
    servers = {"n1": ExitStack(), "n2": ExitStack()}
    with servers["n1"], servers["n2"]:
        one, url1 = servers["n1"].enter_context(mediamtx_standin())
        two, url2 = servers["n2"].enter_context(mediamtx_standin())
        n1, n2 = _node("n1", url1), _node("n2", url2)
        Camera.objects.filter(code=KJ).update(node=n1)
        Camera.objects.filter(code__in=[KJ_PASAR, TB]).update(node=n2)
        yield {"n1": (n1, one), "n2": (n2, two), "servers": servers}
    health._inbound_bytes.clear()


def _stop(two_nodes, name):
    """Shut a node's server down: its port refuses connections from now on."""
    two_nodes["servers"][name].close()


# --- Placement --------------------------------------------------------------------------------


def _camera(code, **fields):
    return Camera.objects.create(
        code=code, name=code, area_id="31.73.05.1001", lat=-6.19, lon=106.77, **fields
    )


def test_a_new_camera_goes_to_the_least_loaded_node_with_room(demo_areas):
    small, large = _node("kecil", capacity=2), _node("besar", capacity=10)
    # Each goes where the share of capacity used is lowest; a tie goes by name.
    placed = [_camera(f"kamera-{n}").node.name for n in range(12)]
    assert placed == ["besar", "kecil"] + ["besar"] * 5 + ["kecil"] + ["besar"] * 4
    assert _camera("tanpa-tempat").node is None  # every node full: left for an admin
    large.capacity = 11
    large.save()
    assert place_unassigned() == (["tanpa-tempat"], [])
    assert Camera.objects.get(code="tanpa-tempat").node == large
    # A node being emptied takes no new cameras, even with room.
    MediaNode.objects.filter(pk=small.pk).update(accepts_new=False, capacity=100)
    assert _camera("sesudah-kosong").node is None


def test_an_admin_cannot_put_a_camera_on_a_full_node(demo_areas):
    full = _node("penuh", capacity=1)
    _camera("sudah-ada")
    moving = _camera("pindahan", node=_node("lain"))
    moving.node = full
    with pytest.raises(ValidationError) as refused:
        moving.full_clean()
    assert "penuh" in str(refused.value.message_dict["node"])
    moving.status = Camera.Status.MAINTENANCE  # a camera not streaming takes no capacity
    moving.full_clean()


def test_imported_cameras_are_placed_on_nodes(demo_areas, tmp_path):
    _node("n1", capacity=1), _node("n2", capacity=5)
    csv = tmp_path / "kamera.csv"
    rows = [f"impor-{n},Kamera {n},31.73.05.1001,-6.19,106.77" for n in range(3)]
    csv.write_text("code,name,area_code,lat,lon\n" + "\n".join(rows) + "\n")
    call_command("import_cameras", str(csv))
    nodes = dict(Camera.objects.filter(code__startswith="impor-").values_list("code", "node__name"))
    assert sorted(nodes.values()) == ["n1", "n2", "n2"]


def _rebalance(capsys, *args):
    call_command("rebalance_nodes", *args)
    return capsys.readouterr().out


def _loads():
    return dict(MediaNode.objects.with_load().values_list("name", "load"))


def test_rebalance_spreads_cameras_onto_a_new_node_by_capacity(demo_areas, capsys):
    """Two full-ish nodes, then a new one: the plan moves the newest cameras of the nodes furthest
    above their share to the least loaded node; a dry run moves nothing; the same registry gives
    the same plan; once balanced, nothing moves. A node being emptied is emptied."""
    a, b = _node("a", capacity=10), _node("b", capacity=5)
    cameras = [_camera(f"kamera-{n:02d}", node=a if n < 9 else b) for n in range(13)]
    Camera.objects.filter(code="kamera-08").update(status=Camera.Status.RETIRED)  # not counted
    assert _loads() == {"a": 8, "b": 4}
    c = _node("c", capacity=5)
    # 12 active cameras over capacities 10/5/5: shares 6/3/3.
    plan = _rebalance(capsys, "--dry-run")
    assert _loads() == {"a": 8, "b": 4, "c": 0}
    lines = [line.strip() for line in plan.splitlines()]
    assert lines[0] == "Rencana (belum dijalankan):"
    moves = [line for line in lines if line.startswith("kamera-")]
    # a is 2 above its share, b 1: a gives first (its newest), then a tie (1 each) goes to a
    # by name; c takes all, being the least loaded each time.
    assert moves == ["kamera-07: a -> c", "kamera-06: a -> c", "kamera-12: b -> c"]
    assert "a: 8 -> 6 kamera (bagian 6, kapasitas 10)" in lines
    assert "c: 0 -> 3 kamera (bagian 3, kapasitas 5)" in lines
    assert _rebalance(capsys, "--dry-run") == plan  # deterministic

    done = _rebalance(capsys)
    assert [line.strip() for line in done.splitlines() if line.strip().startswith("kamera-")] == (
        moves
    )
    assert _loads() == {"a": 6, "b": 3, "c": 3}
    assert Camera.objects.get(code="kamera-12").node == c
    assert Camera.objects.get(code="kamera-08").node == a  # retired: stays where it was
    assert "sudah seimbang" in _rebalance(capsys)
    assert _loads() == {"a": 6, "b": 3, "c": 3}

    # b is to be emptied: its cameras go to the others, the least loaded first.
    MediaNode.objects.filter(pk=b.pk).update(accepts_new=False)
    _rebalance(capsys)
    assert _loads() == {"a": 8, "b": 0, "c": 4}
    # Over capacity and nowhere to go: what fits moves, the rest stays.
    MediaNode.objects.filter(pk=c.pk).update(capacity=2)
    MediaNode.objects.filter(pk=a.pk).update(capacity=9)
    _rebalance(capsys)
    assert _loads() == {"a": 9, "b": 0, "c": 3}
    assert len(cameras) == 13


# --- Sync, URLs and kicks go to the camera's node --------------------------------------------


def test_each_node_gets_the_paths_of_its_own_cameras(two_nodes):
    (_n1, one), (n2, two) = two_nodes["n1"], two_nodes["n2"]
    results = sync_all_nodes()
    assert [(r.node.name, r.added, r.error) for r in results] == [
        ("n1", [KJ], ""),
        ("n2", [KJ_PASAR, TB], ""),
    ]
    assert set(one.config_paths) == {KJ} and set(two.config_paths) == {KJ_PASAR, TB}

    # Moved in the admin: the path leaves n1 and appears on n2 at the next sync.
    Camera.objects.filter(code=KJ).update(node=n2)
    sync_all_nodes()
    assert set(one.config_paths) == set() and set(two.config_paths) == {KJ, KJ_PASAR, TB}
    assert ("DELETE", f"/v3/config/paths/delete/{KJ}") in [r[:2] for r in one.requests]


def test_sync_command_syncs_the_nodes_that_answer_and_names_the_one_that_does_not(
    two_nodes, capsys
):
    _stop(two_nodes, "n1")
    with pytest.raises(CommandError, match="n1"):
        call_command("sync_mediamtx")
    assert set(two_nodes["n2"][1].config_paths) == {KJ_PASAR, TB}
    assert "Node n2: 2 ditambah" in capsys.readouterr().out


def test_the_player_is_sent_to_the_cameras_node(two_nodes, signed_in):
    client = signed_in("piket.kebonjeruk")
    for code, node in [(KJ, "n1"), (KJ_PASAR, "n2")]:
        camera = Camera.objects.get(code=code)
        answer = client.post(
            f"/api/v1/cameras/{camera.pk}/stream/", content_type="application/json"
        )
        assert answer.status_code == 200
        assert answer.json()["url"] == f"/hls/{node}/{code}/index.m3u8"


def test_a_revoked_session_is_kicked_on_the_node_that_serves_it(two_nodes, demo_users):
    (_n1, one), (_n2, two) = two_nodes["n1"], two_nodes["n2"]
    two.sessions = {"sesi-tb"}
    ViewingSession.objects.create(
        user=demo_users["piket.tebetbarat"],
        camera=Camera.objects.get(code=TB),
        mode=ViewingSession.Mode.MEDIAMTX,
        media_session_id="sesi-tb",
        session_tag="abc",
    )
    assert end_browser_session_streams(demo_users["piket.tebetbarat"].pk, "abc") == 1
    assert two.sessions == set()
    assert not [r for r in one.requests if "kick" in r[1]]


# --- Health -----------------------------------------------------------------------------------


def test_a_node_that_stops_answering_takes_its_cameras_offline_and_no_others(two_nodes):
    (n1, one), (n2, two) = two_nodes["n1"], two_nodes["n2"]
    one.paths = {KJ: _ready(KJ, 100)}
    # n2 also lists a stale path for KJ (it served KJ before): it is not KJ's sign of life.
    two.paths = {KJ_PASAR: _ready(KJ_PASAR, 100), TB: _ready(TB, 100), KJ: _ready(KJ, 1)}
    assert {(c.camera.code, c.online) for c in check_camera_health(now=T0)} == {
        (KJ, True),
        (KJ_PASAR, True),
        (TB, True),
    }

    _stop(two_nodes, "n1")
    two.paths[KJ_PASAR]["bytesReceived"] = 200
    two.paths[TB]["bytesReceived"] = 200
    two.paths[KJ]["bytesReceived"] = 2
    problems = []
    changes = check_camera_health(now=T0 + timedelta(seconds=20), problems=problems)
    assert [node.name for node, _ in problems] == ["n1"]
    assert [(c.camera.code, c.online, c.at) for c in changes] == [(KJ, False, T0)]
    assert Camera.objects.get(code=KJ_PASAR).online and Camera.objects.get(code=TB).online
    n1.refresh_from_db(), n2.refresh_from_db()
    assert (n1.reachable, n2.reachable) == (False, True)
    assert "refused" in n1.last_error.lower() and n2.last_contact_at is not None


def test_a_node_that_stops_answering_raises_one_alert_for_its_cameras(two_nodes):
    """Its cameras go offline with one alert for the node naming how many (provincial admins),
    not one per camera; a camera that fails on its own still raises its own. The node's return
    is one alert too."""
    (n1, one), (_n2, two) = two_nodes["n1"], two_nodes["n2"]
    Camera.objects.filter(code=KJ_PASAR).update(node=n1)
    one.paths = {KJ: _ready(KJ, 100), KJ_PASAR: _ready(KJ_PASAR, 100)}
    two.paths = {TB: _ready(TB, 100)}
    check_camera_health(now=T0)
    AlertEvent.objects.all().delete()
    n1.refresh_from_db()
    contact = n1.last_contact_at

    _stop(two_nodes, "n1")  # and TB's feed stalls on n2, which answers
    changes = check_camera_health(now=T0 + timedelta(seconds=20))
    assert sorted((c.camera.code, c.online) for c in changes) == [
        (KJ_PASAR, False),
        (KJ, False),
        (TB, False),
    ]
    [node_alert] = AlertEvent.objects.filter(kind=Kind.MEDIA_NODE_DOWN)
    assert node_alert.title == "Node media n1 tidak menjawab: 2 kamera offline"
    assert node_alert.payload["count"] == 2
    assert sorted(node_alert.payload["cameras"]) == sorted([KJ, KJ_PASAR])
    assert (node_alert.area_id, node_alert.min_depth) == (PROVINCE, PROVINCIAL_ONLY)
    assert node_alert.link == f"/django-admin/cameras/medianode/{n1.pk}/change/"
    offline = AlertEvent.objects.filter(kind=Kind.CAMERA_OFFLINE)
    assert [alert.payload["camera"] for alert in offline] == [TB]  # its own failure
    assert not Camera.objects.filter(code__in=[KJ, KJ_PASAR], online=True).exists()

    # Still down at the next look: nothing new.
    assert check_camera_health(now=T0 + timedelta(seconds=40)) == []
    assert AlertEvent.objects.count() == 2

    # Back (here: at a new address): its cameras return under one alert.
    with mediamtx_standin() as (again, url):
        MediaNode.objects.filter(pk=n1.pk).update(api_url=url)
        again.paths = {KJ: _ready(KJ, 500), KJ_PASAR: _ready(KJ_PASAR, 500)}
        changes = check_camera_health(now=T0 + timedelta(seconds=60))
    assert sorted((c.camera.code, c.online) for c in changes) == [(KJ_PASAR, True), (KJ, True)]
    [back] = AlertEvent.objects.filter(kind=Kind.MEDIA_NODE_BACK)
    assert back.title == "Node media n1 menjawab lagi: 2 kamera kembali online"
    assert not AlertEvent.objects.filter(kind=Kind.CAMERA_ONLINE).exists()
    n1.refresh_from_db()
    assert n1.reachable and n1.last_contact_at > contact


# --- Storage forecast -------------------------------------------------------------------------


def _forecast(capsys, *args):
    call_command("storage_forecast", *args)
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:-1]}
    return rows, lines[-1]


def test_storage_forecast_per_node(two_nodes, settings, capsys):
    settings.RECORDING_DAYS, settings.CAMERA_BITRATE_KBPS = 14, 1000
    Camera.objects.update(record=True)
    MediaNode.objects.filter(name="n1").update(storage_gb=200)
    MediaNode.objects.filter(name="n2").update(storage_gb=100)
    rows, total = _forecast(capsys)
    # 1 Mbit/s is 10.8 GB a day; 14 days: 151.2 GB per camera. n2 has two cameras: 302.4 GB.
    assert rows["n1"] == ["1", "1.0", "10.8", "GB", "151.2", "GB", "200.0", "GB"]
    assert rows["n2"] == ["2", "2.0", "21.6", "GB", "302.4", "GB", "100.0", "GB", "KURANG"]
    assert total == "Total 453.6 GB."

    # A camera's own retention, and the bitrate its recorded hours measured (2 Mbit/s).
    Camera.objects.filter(code=TB).update(recording_days=7)
    RecordingHour.objects.create(
        camera=Camera.objects.get(code=KJ),
        hour=timezone.now() - timedelta(hours=2),
        seconds=3600,
        bytes=900_000_000,
    )
    rows, total = _forecast(capsys)
    assert rows["n1"][:6] == ["1", "2.0", "21.6", "GB", "302.4", "GB"]
    assert rows["n2"][:6] == ["2", "2.0", "21.6", "GB", "226.8", "GB"]  # 151.2 + 75.6
    # An area's policy, as recording retention applies it: KJ_PASAR's RW keeps 3 days.
    AreaRecordingPolicy.objects.create(area_id="31.73.05.1001.002", days=3)
    rows, total = _forecast(capsys)
    assert rows["n2"][4:6] == ["108.0", "GB"]  # 32.4 + 75.6
    # What if: every camera 7 days at 500 kbit/s. Cameras not recorded are left out.
    Camera.objects.filter(code=KJ_PASAR).update(record=False)
    rows, total = _forecast(capsys, "--days", "7", "--kbps", "500")
    assert (rows["n1"][:2], rows["n2"][:2], total) == (["1", "0.5"], ["1", "0.5"], "Total 75.6 GB.")
