"""Recording in embedded mode, with real ffmpeg: the live segments kept in hourly folders, the
hourly index, and `segments_between` (what evidence clips and playback read)."""

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from cameras import ffmpeg, supervisor
from cameras.models import RecordingHour
from cameras.recorder import finished_segments
from cameras.recordings import (
    HourIndex,
    hour_folder,
    index_hour_folder,
    recorded_spans,
    segment_name,
    segments_between,
)
from cameras.supervisor import StreamSource, Supervisor
from tests.streams import background
from tests.waiting import wait_for

KJ = "kebonjeruk-simpang"


@pytest.fixture
def recording(monkeypatch, tmp_path, transactional_db, demo_cameras, settings):
    """The supervisor recording the Kebon Jeruk demo camera into tmp_path/recordings."""
    monkeypatch.setattr(supervisor, "FLUSH_EVERY", 1)
    monkeypatch.setattr(supervisor, "RECORD_EVERY", 0.5)
    settings.RECORDINGS_ROOT = tmp_path / "recordings"
    camera = demo_cameras[KJ]
    camera.record = True
    camera.save()
    sources = [StreamSource(KJ, "", camera.pk, True)]
    sup = Supervisor(tmp_path / "streams", sources=lambda: sources, check_health=False)
    with background(sup.run, sup.stop):
        yield camera, sup


def _recorded_seconds(camera):
    return sum(RecordingHour.objects.filter(camera=camera).values_list("seconds", flat=True))


def test_live_segments_are_kept_in_hour_folders_and_indexed(recording, settings):
    camera, sup = recording
    started = timezone.now()
    # More than the live playlist holds (6 s): what ffmpeg deleted is still recorded.
    wait_for(lambda: _recorded_seconds(camera) >= 9, timeout=40, message="9 s recorded")
    now = timezone.now()

    segments = segments_between(camera, started - timedelta(seconds=30), now)
    assert len(segments) >= 9
    starts = [start for _path, start, _duration in segments]
    assert starts == sorted(starts)
    for path, start, duration in segments:
        assert path.is_file()
        assert path.parent == hour_folder(camera.pk, start, settings.RECORDINGS_ROOT)
        assert path.parent.parent.name == f"{start.astimezone(UTC):%Y-%m-%d}"
        assert 0.8 <= duration <= 1.2
        assert abs(start - now) < timedelta(seconds=60)
    # Consecutive segments follow each other: no gap in a steady recording.
    for (_, a, d), (_, b, _) in zip(segments, segments[1:], strict=False):
        assert abs((b - a).total_seconds() - d) < 0.2

    # The recorded file is the live segment itself (a hard link), playable H.264.
    live = sup.root / KJ
    first_path = segments[0][0]
    assert not any(p.samefile(first_path) for p in live.glob("seg*.ts"))  # live dropped it
    probe = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-i", str(first_path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "Video: h264" in probe.stderr, probe.stderr

    # The index: one row per hour, covering what is on disk.
    rows = list(RecordingHour.objects.filter(camera=camera))
    assert 1 <= len(rows) <= 2
    total_bytes = sum(
        path.stat().st_size
        for path, _, _ in segments_between(camera, rows[0].hour, rows[-1].hour + timedelta(hours=1))
    )
    indexed = sum(row.bytes for row in rows)
    assert indexed <= total_bytes and indexed >= total_bytes * 0.5
    spans = recorded_spans(camera, started - timedelta(minutes=1), timezone.now())
    assert len(spans) == 1
    # One span of the 9 s or more recorded: the segments' stated lengths (summed in `seconds`)
    # and their clock times (the span) differ by a fraction of a segment on a loaded machine.
    assert (spans[0][1] - spans[0][0]).total_seconds() >= 8


def test_a_folder_is_reindexed_with_its_gaps(tmp_path, db, demo_cameras):
    camera = demo_cameras[KJ]
    hour = datetime(2026, 12, 7, 3, tzinfo=UTC)
    folder = hour_folder(camera.pk, hour, tmp_path)
    folder.mkdir(parents=True)
    for second in [0, 1, 2, 10, 11]:  # a 7 s gap after the third segment
        (folder / segment_name(hour + timedelta(seconds=second), 1.0)).write_bytes(b"x" * 100)
    (folder / "not-a-segment.tmp").write_bytes(b"")
    index = index_hour_folder(camera.pk, hour, tmp_path)
    row = RecordingHour.objects.get(camera=camera, hour=hour)
    assert (row.seconds, row.bytes) == (5, 500)
    assert row.gaps == [[3, 10]] and row.spans() == [(0, 3), (10, 12)]
    assert index.fields()["covered_to"] == 12
    found = segments_between(
        camera, hour + timedelta(seconds=1.5), hour + timedelta(seconds=10.5), tmp_path
    )
    assert [start.second for _, start, _ in found] == [1, 2, 10]
    # An index row is kept across restarts: HourIndex continues it.
    again = HourIndex.from_row(row)
    assert again.spans == [[0, 3], [10, 12]]


def test_playlist_parser_reads_program_date_time_and_durations():
    text = (
        "#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2026-12-07T10:00:00.500+0700\n#EXTINF:1.000000,\n"
        "seg1796612400.ts\n#EXT-X-PROGRAM-DATE-TIME:2026-12-07T10:00:01.500+0700\n"
        "#EXTINF:0.900000,\nseg1796612401.ts\n"
    )
    found = finished_segments(text)
    assert [(seq, duration) for seq, _, _, duration in found] == [
        (1796612400, 1.0),
        (1796612401, 0.9),
    ]
    assert found[0][2] == datetime(2026, 12, 7, 3, 0, 0, 500000, tzinfo=UTC)


def test_mediamtx_segments_are_indexed_by_the_folder_sweep(tmp_path, db, demo_cameras, settings):
    """Production: MediaMTX writes <MM>-<SS>-<micro>.mp4 (no duration in the name) into the same
    layout; the sweep indexes folders that changed, each segment lasting until the next."""
    from cameras.recorder import FolderSweep

    settings.RECORDINGS_ROOT = tmp_path
    camera = demo_cameras[KJ]
    camera.record = True
    camera.save()
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    folder = hour_folder(camera.pk, hour)
    folder.mkdir(parents=True)
    for minute in (0, 1):
        name = segment_name(hour + timedelta(minutes=minute), ext="mp4")
        (folder / name).write_bytes(b"\0" * 1000)
    sweep = FolderSweep()
    assert sweep.sweep(now) == 1
    row = RecordingHour.objects.get(camera=camera, hour=hour)
    assert row.bytes == 2000 and row.covered_from == 0
    assert sweep.sweep(now) == 0  # nothing changed: the folder is not listed again
    segments = segments_between(camera, hour, hour + timedelta(minutes=1, seconds=30))
    assert [p.suffix for p, _, _ in segments] == [".mp4", ".mp4"]
    assert segments[0][2] == 60
