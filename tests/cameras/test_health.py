"""Camera health: transitions from playlists or MediaMTX's path list, the signal, uptime."""

import base64
import os
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from cameras import health
from cameras.ffmpeg import PLAYLIST
from cameras.health import check_camera_health, record_status, uptime
from cameras.models import Camera, CameraStatusChange
from cameras.signals import camera_status_changed
from tests.mediamtx_standin import mediamtx_standin

pytestmark = pytest.mark.django_db
KJ, TB = "kebonjeruk-simpang", "tebet-eco-park-utara"
T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 WIB


@pytest.fixture
def embedded(settings, tmp_path, demo_cameras):
    settings.STREAM_MODE = "embedded"
    settings.STREAMS_ROOT = tmp_path
    settings.CAMERA_OFFLINE_AFTER = 15
    # Only two cameras in service, to keep each check's answer short.
    Camera.objects.exclude(code__in=[KJ, TB]).update(status=Camera.Status.RETIRED)
    return tmp_path


def write_playlist(root, code, at, *, ended=False):
    """A playlist as ffmpeg leaves it, last rewritten at `at`."""
    folder = root / code
    folder.mkdir(exist_ok=True)
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg1.ts\n"
    (folder / PLAYLIST).write_text(text + ("#EXT-X-ENDLIST\n" if ended else ""))
    os.utime(folder / PLAYLIST, (at.timestamp(), at.timestamp()))


def changes(code):
    return list(
        CameraStatusChange.objects.filter(camera__code=code)
        .order_by("at", "pk")
        .values_list("online", "at")
    )


def test_advancing_playlist_is_online_and_recorded_once(embedded):
    write_playlist(embedded, KJ, T0)
    recorded = check_camera_health(now=T0 + timedelta(seconds=1))
    # KJ is seen; TB has no playlist at all, which is its first known state: offline.
    assert {(c.camera.code, c.online) for c in recorded} == {(KJ, True), (TB, False)}
    camera = Camera.objects.get(code=KJ)
    assert camera.online and camera.online_changed_at == T0 and camera.last_seen_at == T0

    write_playlist(embedded, KJ, T0 + timedelta(seconds=5))
    assert check_camera_health(now=T0 + timedelta(seconds=6)) == []
    assert check_camera_health(now=T0 + timedelta(seconds=6)) == []  # idempotent
    assert changes(KJ) == [(True, T0)]
    assert Camera.objects.get(code=KJ).last_seen_at == T0 + timedelta(seconds=5)


def test_offline_after_the_silence_dated_at_the_last_sign_of_life(embedded):
    write_playlist(embedded, KJ, T0)
    check_camera_health(now=T0)
    assert check_camera_health(now=T0 + timedelta(seconds=15)) == []  # not yet
    [went_offline] = check_camera_health(now=T0 + timedelta(seconds=16))
    assert (went_offline.camera.code, went_offline.online, went_offline.at) == (KJ, False, T0)
    camera = Camera.objects.get(code=KJ)
    assert not camera.online and camera.online_changed_at == T0

    write_playlist(embedded, KJ, T0 + timedelta(minutes=3))
    [back] = check_camera_health(now=T0 + timedelta(minutes=3, seconds=1))
    assert back.online and back.at == T0 + timedelta(minutes=3)
    assert changes(KJ) == [(True, T0), (False, T0), (True, T0 + timedelta(minutes=3))]


def test_a_playlist_that_has_ended_or_gone_is_no_sign_of_life(embedded):
    write_playlist(embedded, KJ, T0, ended=True)
    write_playlist(embedded, TB, T0)
    (embedded / TB / PLAYLIST).unlink()
    recorded = check_camera_health(now=T0 + timedelta(seconds=1))
    assert {(c.camera.code, c.online) for c in recorded} == {(KJ, False), (TB, False)}


def test_no_verdict_while_the_streams_are_starting(embedded):
    started = T0
    assert check_camera_health(now=started + timedelta(seconds=5), watching_since=started) == []
    write_playlist(embedded, KJ, started + timedelta(seconds=6))
    recorded = check_camera_health(now=started + timedelta(seconds=7), watching_since=started)
    assert [(c.camera.code, c.online) for c in recorded] == [(KJ, True)]
    # TB never produced anything: offline once the grace is over, not before.
    recorded = check_camera_health(now=started + timedelta(seconds=16), watching_since=started)
    assert [(c.camera.code, c.online) for c in recorded] == [(TB, False)]


def test_camera_taken_out_of_service_goes_offline_at_once(embedded):
    write_playlist(embedded, KJ, T0)
    check_camera_health(now=T0)
    Camera.objects.filter(code=KJ).update(status=Camera.Status.MAINTENANCE)
    write_playlist(embedded, KJ, T0 + timedelta(seconds=1))  # a last write before it stopped
    [change] = check_camera_health(now=T0 + timedelta(seconds=2))
    assert (change.camera.code, change.online) == (KJ, False)
    assert check_camera_health(now=T0 + timedelta(seconds=3)) == []


def test_signal_is_sent_with_the_change_in_its_transaction(embedded):
    heard = []

    def listener(sender, camera, online, at, **kwargs):
        heard.append((camera.code, online, at, connection.in_atomic_block))

    camera_status_changed.connect(listener)
    try:
        write_playlist(embedded, KJ, T0)
        check_camera_health(now=T0)
        assert sorted(heard) == [(KJ, True, T0, True), (TB, False, T0, True)]
    finally:
        camera_status_changed.disconnect(listener)


def test_record_status_records_a_change_once(demo_cameras):
    camera = demo_cameras[KJ]
    assert record_status(camera.pk, online=True, at=T0)
    assert record_status(camera.pk, online=True, at=T0 + timedelta(seconds=5)) is None
    assert record_status(camera.pk, online=False, at=T0 + timedelta(seconds=20))
    # A change dated before the last one is kept in order.
    assert record_status(camera.pk, online=True, at=T0).at == T0 + timedelta(seconds=20)
    assert len(changes(KJ)) == 3


def test_check_camera_health_command(embedded, capsys):
    write_playlist(embedded, KJ, datetime.now(tz=UTC))
    call_command("check_camera_health")
    out = capsys.readouterr().out
    assert f"{KJ}: daring" in out and f"{TB}: luring" in out and "2 perubahan" in out


# --- Uptime -----------------------------------------------------------------------------------


def _history(camera, *events):
    for hours, online in events:
        CameraStatusChange.objects.create(
            camera=camera, online=online, at=T0 + timedelta(hours=hours)
        )


def test_uptime_from_a_known_history(demo_cameras, django_assert_max_num_queries):
    kj, tb, leuser, other = (
        demo_cameras[code] for code in (KJ, TB, "taman-leuser", "taman-langsat")
    )
    # Window: 10:00 to 22:00 WIB (T0 to T0 + 12 h).
    _history(kj, (-30, True), (2, False), (5, True))  # online before; down 12:00-15:00
    _history(tb, (6, True))  # first known at 16:00, up since: the 6 h before do not count
    _history(leuser, (-1, False), (3, True), (3, False), (9, True))  # a blip; up 19:00-22:00
    # `other` has no history at all.
    with django_assert_max_num_queries(2):
        figures = uptime([kj, tb, leuser, other.pk], T0, T0 + timedelta(hours=12))
    assert figures == {kj.pk: 0.75, tb.pk: 1.0, leuser.pk: 0.25, other.pk: 0.0}


def test_today_starts_at_midnight_in_jakarta():
    now = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # 23:30 WIB
    start, end = health.today(now)
    assert start == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # 00:00 WIB on the 23rd
    assert end == now
    assert health.last_7_days(now) == (now - timedelta(days=7), now)


def test_uptime_today_and_last_7_days(demo_cameras):
    kj = demo_cameras[KJ]
    now = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 12:00 WIB
    _history(kj, (-24 * 3, True), (-5, False), (-2, True))  # down 05:00-08:00 WIB today
    assert health.uptime_today([kj], now=now) == {kj.pk: pytest.approx(9 / 12)}
    # Known for the last 74 hours (since its first record), 3 of them down.
    assert health.uptime_last_7_days([kj.pk], now=now) == {kj.pk: pytest.approx(71 / 74)}


# --- Production: MediaMTX's path list -------------------------------------------------------


@pytest.fixture
def mediamtx(settings, demo_cameras):
    """MediaMTX's API played by the stand-in server of tests/mediamtx_standin.py (an external
    service that cannot run here), with KJ and TB as its paths."""
    settings.STREAM_MODE = "mediamtx"
    settings.CAMERA_OFFLINE_AFTER = 15
    settings.MEDIAMTX_API_USER = "jakcctv"
    settings.MEDIAMTX_API_PASSWORD = "kunci-api"
    Camera.objects.exclude(code__in=[KJ, TB]).update(status=Camera.Status.RETIRED)
    health._inbound_bytes.clear()
    with mediamtx_standin() as (state, url):
        settings.MEDIAMTX_API_URL = url
        yield state
    health._inbound_bytes.clear()


def _path(name, ready, received):
    # As MediaMTX lists a path pulled from a camera (`GET /v3/paths/list`).
    return {
        "name": name,
        "confName": name,
        "source": {"type": "rtspSource", "id": ""},
        "ready": ready,
        "readyTime": "2026-11-23T03:00:00Z" if ready else None,
        "tracks": ["H264"] if ready else [],
        "bytesReceived": received,
        "bytesSent": 0,
        "readers": [],
    }


def test_mediamtx_ready_and_receiving_paths_are_online(mediamtx):
    mediamtx.paths = {KJ: _path(KJ, True, 5_000), TB: _path(TB, False, 0)}
    recorded = check_camera_health(now=T0)
    assert {(c.camera.code, c.online) for c in recorded} == {(KJ, True), (TB, False)}
    method, path, _, authorization = mediamtx.requests[-1]
    assert method == "GET" and path.startswith("/v3/paths/list")
    assert authorization == "Basic " + base64.b64encode(b"jakcctv:kunci-api").decode()

    # Ready but no new bytes: no new sign; silent for longer than the limit: offline.
    assert check_camera_health(now=T0 + timedelta(seconds=5)) == []
    [stalled] = check_camera_health(now=T0 + timedelta(seconds=16))
    assert (stalled.camera.code, stalled.online, stalled.at) == (KJ, False, T0)
    mediamtx.paths[KJ]["bytesReceived"] = 90_000
    [back] = check_camera_health(now=T0 + timedelta(seconds=20))
    assert (back.camera.code, back.online) == (KJ, True)


def test_mediamtx_newer_field_names_are_understood(mediamtx):
    mediamtx.paths = {KJ: {"name": KJ, "online": True, "inboundBytes": 10, "readers": []}}
    recorded = check_camera_health(now=T0)
    assert (KJ, True) in {(c.camera.code, c.online) for c in recorded}


def test_mediamtx_unreachable_is_reported_and_its_cameras_go_offline(mediamtx, settings):
    mediamtx.paths = {KJ: _path(KJ, True, 1)}
    check_camera_health(now=T0)
    settings.MEDIAMTX_API_URL = "http://127.0.0.1:9"  # nothing listens there
    problems = []
    # Within the silence allowed nothing changes; past it, nobody can watch: offline.
    assert check_camera_health(now=T0 + timedelta(seconds=10), problems=problems) == []
    assert [node.name for node, _error in problems] == ["utama"]
    [offline] = check_camera_health(now=T0 + timedelta(minutes=5))
    assert (offline.camera.code, offline.online, offline.at) == (KJ, False, T0)
