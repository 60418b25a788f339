"""run_streams in embedded mode, with real ffmpeg: HLS on disk, restarts, reconciling, shutdown."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cameras import ffmpeg, supervisor
from cameras.ffmpeg import PLAYLIST, PLAYLIST_SEGMENTS
from cameras.models import Camera
from cameras.supervisor import CameraStream, StreamSource, Supervisor, streamable_sources
from tests.streams import (
    background,
    live_streams_fixture,  # noqa: F401 (the live_streams fixture)
    playlist_segments,
    running_streams,
)
from tests.waiting import wait_for

KJ, TB, LEUSER = "kebonjeruk-simpang", "tebet-eco-park-utara", "taman-leuser"


def _alive(pid):
    """True while `pid` runs (a zombie awaiting its reaper counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _children(pid):
    """Pids of the direct children of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _media_sequence(folder):
    match = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", (folder / PLAYLIST).read_text())
    return int(match.group(1))


# --- The HLS on disk ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_stream(tmp_path_factory):
    root = tmp_path_factory.mktemp("streams")
    with running_streams([KJ], root, segments=1):
        yield root / KJ, _media_sequence(root / KJ)


def test_playlist_has_program_date_time_and_one_second_h264_segments(one_stream):
    folder, _ = one_stream
    wait_for(lambda: len(playlist_segments(folder)) >= 3, message="three segments")
    playlist = (folder / PLAYLIST).read_text()
    assert "#EXT-X-TARGETDURATION:1" in playlist
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", playlist)]
    assert durations and all(0.9 <= d <= 1.1 for d in durations[:-1])
    stamps = re.findall(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)", playlist)
    assert len(stamps) == len(durations)
    newest = datetime.fromisoformat(stamps[-1])
    assert abs(timezone.now() - newest) < timedelta(seconds=10)
    assert newest.utcoffset() == timedelta(hours=7)  # written in WIB

    # A segment is H.264 in 4:2:0 at the configured size: what browsers play through hls.js.
    segment = folder / playlist_segments(folder)[0]
    probe = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-i", str(segment), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert re.search(rf"Video: h264 .*yuv420p.*{settings.STREAM_SIZE}", probe.stderr), probe.stderr


def test_segment_files_stay_bounded(one_stream):
    folder, first = one_stream
    # Long enough for the first segments to have been deleted.
    wait_for(
        lambda: _media_sequence(folder) >= first + PLAYLIST_SEGMENTS + 2,
        timeout=30,
        message="the playlist to roll over",
    )
    segments = [p for p in folder.iterdir() if p.name.startswith("seg")]
    # The playlist's entries, one kept for players still fetching it, one being written.
    assert len(segments) <= PLAYLIST_SEGMENTS + 2, sorted(p.name for p in segments)
    assert len(playlist_segments(folder)) == PLAYLIST_SEGMENTS


def test_live_streams_fixture_plays_through_the_stream_gate(live_streams, demo_users, demo_cameras):
    """What the browser tests rely on: real segments, served by the gate to whoever may watch."""
    live_streams(KJ)
    client = Client()
    client.force_login(demo_users["fkdm.kebonjeruk"])
    answer = client.post(f"/api/v1/cameras/{demo_cameras[KJ].pk}/stream/").json()
    bearer = {"authorization": f"Bearer {answer['token']}"}
    master = b"".join(client.get(answer["url"], headers=bearer).streaming_content).decode()
    main = re.findall(r"^(\w+\.m3u8)$", master, flags=re.MULTILINE)[0]
    playlist = client.get(f"/streams/{KJ}/{main}", headers=bearer)
    playlist = b"".join(playlist.streaming_content).decode()
    segment = re.findall(r"^seg\d+\.ts$", playlist, flags=re.MULTILINE)[-1]
    response = client.get(f"/streams/{KJ}/{segment}", headers=bearer)
    assert response.status_code == 200 and response["Content-Type"] == "video/mp2t"
    assert b"".join(response.streaming_content)[:1] == b"\x47"  # an MPEG-TS packet


# --- Command lines --------------------------------------------------------------------------


def test_demo_command_burns_in_code_and_clock_and_keys_every_second(tmp_path):
    font = ffmpeg.find_font()
    command = ffmpeg.stream_command(KJ, "", tmp_path, size="320x180", fps=10, font=font)
    assert command[0] == ffmpeg.ffmpeg_exe()
    assert "testsrc2=size=320x180:rate=10" in command
    assert command[command.index("-g") + 1] == "10"  # a keyframe every second at 10 fps
    assert "delete_segments+program_date_time" in command[command.index("-hls_flags") + 1]
    graph = command[command.index("-filter_complex") + 1]
    if font:
        assert f"text={KJ}" in graph and "localtime" in graph
    without_font = ffmpeg.stream_command(KJ, "", tmp_path, size="320x180", fps=10, font=None)
    graph = without_font[without_font.index("-filter_complex") + 1]
    assert "drawtext" not in graph and "libx264" in without_font


def test_real_camera_is_copied_over_tcp(tmp_path):
    url = "rtsp://admin:rahasia@10.0.0.5:554/live"
    command = ffmpeg.stream_command("kamera-x", url, tmp_path, size="320x180", fps=10, font=None)
    assert command[command.index("-rtsp_transport") + 1] == "tcp"
    assert command[command.index("-i") + 1] == url
    assert command[command.index("-c") + 1] == "copy"  # the main rendition: not re-encoded
    # Decoded once, for the low rendition and the still only.
    assert command.count("libx264") == 1 and command.count("-i") == 1
    assert str(tmp_path / "low.m3u8") in command and str(tmp_path / "snapshot.jpg") in command


def test_back_off_doubles_up_to_a_cap_and_resets_after_a_stable_run(tmp_path):
    stream = CameraStream(StreamSource("kamera-x"), tmp_path, {})
    delays = []
    for _ in range(9):
        stream.started_at = 100.0
        stream._schedule_restart(101.0, "exited")
        delays.append(stream.retry_at - 101.0)
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    stream.started_at = 100.0
    stream._schedule_restart(100.0 + supervisor.STABLE_AFTER, "exited after a long run")
    assert stream.failures == 1 and stream.retry_at == 101.0 + supervisor.STABLE_AFTER


# --- Restarts, reconciling and health, with the database --------------------------------------


@pytest.fixture
def fast_supervisor(monkeypatch, settings, tmp_path, transactional_db, demo_cameras):
    """A supervisor thread for some demo cameras (`start(*codes)`), looking at the database and
    health twice a second; stopped (and checked to leave no ffmpeg) at the end."""
    monkeypatch.setattr(supervisor, "RECONCILE_EVERY", 0.5)
    monkeypatch.setattr(supervisor, "HEALTH_EVERY", 0.5)
    settings.CAMERA_OFFLINE_AFTER = 2
    settings.STREAMS_ROOT = tmp_path
    with ExitStack() as stack:

        def start(*codes):
            def sources():
                return [s for s in streamable_sources() if s.code in codes]

            sup = Supervisor(tmp_path, sources=sources)
            stack.callback(_assert_gone, sup)  # runs after the supervisor has stopped
            stack.enter_context(background(sup.run, sup.stop))
            return sup

        yield start


def _assert_gone(sup):
    assert not sup.streams  # every stream stopped and forgotten
    assert not _ffmpeg_children(os.getpid(), sup.root)


def _camera(code):
    return Camera.objects.get(code=code)


def _history(code):
    return list(_camera(code).status_changes.values_list("online", flat=True))


def test_killed_ffmpeg_is_restarted_and_the_camera_goes_offline_then_online(
    fast_supervisor, monkeypatch
):
    # A gap well beyond the silence that marks a camera offline (a loaded CI machine notices
    # the silence late: seen 4 s late once).
    monkeypatch.setattr(supervisor, "RESTART_MIN_DELAY", 8)
    sup = fast_supervisor(KJ)
    wait_for(lambda: _camera(KJ).online, message="the camera to come online")
    stream = sup.streams[KJ]
    old_pid = stream.process.pid

    os.kill(old_pid, signal.SIGKILL)
    wait_for(lambda: not _camera(KJ).online, timeout=10, message="the camera to go offline")
    assert stream.failures == 1
    assert stream.process is None  # waiting out its back-off, not restarted at once
    wait_for(lambda: _camera(KJ).online, timeout=20, message="the camera to come back online")
    assert stream.process.pid != old_pid
    assert _history(KJ) == [True, False, True]
    offline = _camera(KJ).status_changes.get(online=False)
    online_again = _camera(KJ).status_changes.filter(online=True).last()
    assert online_again.at - offline.at >= timedelta(seconds=4)  # the back-off, seen as silence


def test_unreachable_source_backs_off_and_its_password_stays_out_of_logs(fast_supervisor, caplog):
    closed_port = _closed_port()
    Camera.objects.filter(code=KJ).update(
        source_url=f"rtsp://admin:rahasia@127.0.0.1:{closed_port}/live"
    )
    sup = fast_supervisor(KJ)
    wait_for(lambda: KJ in sup.streams and sup.streams[KJ].failures >= 2, timeout=10)
    stream = sup.streams[KJ]
    assert stream.retry_at - stream.started_at >= 2  # the second wait is twice the first
    wait_for(lambda: _history(KJ) == [False], timeout=10, message="the camera marked offline")
    assert any("Connection refused" in line for line in stream.errors)
    assert "rahasia" not in " ".join(stream.errors) + caplog.text
    assert "***@127.0.0.1" in caplog.text


def test_camera_put_in_maintenance_is_stopped_and_back_in_service_restarted(fast_supervisor):
    sup = fast_supervisor(KJ, TB)
    wait_for(lambda: _camera(KJ).online and _camera(TB).online, message="both online")
    tb_pid = sup.streams[TB].process.pid

    Camera.objects.filter(code=TB).update(status=Camera.Status.MAINTENANCE)
    wait_for(lambda: TB not in sup.streams, timeout=10, message="the stream to stop")
    assert not _alive(tb_pid)
    assert not (Path(settings.STREAMS_ROOT) / TB).exists()
    wait_for(lambda: not _camera(TB).online, timeout=5, message="the camera marked offline")
    assert _camera(KJ).online and sup.streams[KJ].process.poll() is None

    Camera.objects.filter(code=TB).update(status=Camera.Status.ACTIVE)
    wait_for(lambda: _camera(TB).online, timeout=15, message="the camera back online")
    assert sup.streams[TB].process.pid != tb_pid


# --- Shutdown: no ffmpeg left, ever -----------------------------------------------------------


def test_run_streams_stops_every_ffmpeg_on_sigterm(
    settings, tmp_path, transactional_db, demo_cameras
):
    settings.STREAMS_ROOT = tmp_path
    Camera.objects.exclude(code__in=[KJ, LEUSER]).update(status=Camera.Status.MAINTENANCE)
    pids = []

    def terminate_when_streaming():
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if all(playlist_segments(tmp_path / code) for code in (KJ, LEUSER)):
                    pids.extend(_ffmpeg_children(os.getpid(), tmp_path))
                    break
                time.sleep(0.1)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # what systemd or `kill` sends

    # Should the command fail before installing its own handler, a stray SIGTERM is harmless.
    previous = signal.signal(signal.SIGTERM, lambda *args: None)
    try:
        killer = threading.Thread(target=terminate_when_streaming, daemon=True)
        killer.start()
        call_command("run_streams")  # returns once SIGTERM has stopped it
        killer.join(timeout=5)
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # ours, put back
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert len(pids) == 2
    assert not [pid for pid in pids if _alive(pid)]
    assert not list(tmp_path.iterdir())  # each camera's files went with its stream


def test_a_killed_supervisor_takes_its_ffmpeg_along(tmp_path):
    """Even SIGKILL, which no handler can catch, leaves no ffmpeg behind (parent-death signal)."""
    script = (
        "import django, sys; django.setup()\n"
        "from cameras.supervisor import StreamSource, Supervisor\n"
        "sources = [StreamSource('kebonjeruk-simpang'), StreamSource('taman-leuser')]\n"
        "Supervisor(sys.argv[1], sources=lambda: sources, check_health=False).run()\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jakcctv.settings", "DEBUG": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], cwd=settings.BASE_DIR, env=env
    )
    try:
        wait_for(lambda: all(playlist_segments(tmp_path / c) for c in (KJ, LEUSER)), timeout=30)
        pids = _ffmpeg_children(process.pid, tmp_path)
        assert len(pids) == 2
    finally:
        process.kill()
        process.wait()
    wait_for(lambda: not [pid for pid in pids if _alive(pid)], timeout=5, message="ffmpeg gone")


def _ffmpeg_children(pid, folder):
    """The ffmpeg processes `pid` started that write under `folder`."""
    found = []
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_text()
        except FileNotFoundError:
            continue
        if "ffmpeg" in command and str(folder) in command:
            found.append(child)
    return found


def _closed_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
