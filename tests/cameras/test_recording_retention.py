"""Recording retention and the disk guard: old unheld hours go, held hours stay, per-camera and
per-area days apply, and a full disk frees space oldest-first and tells the provincial admins."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alerts.models import AlertEvent, Kind
from cameras.models import AreaRecordingPolicy, RecordingHour
from cameras.recording_retention import disk_guard, expired_hours
from cameras.recordings import floor_hour, hour_folder, index_hour_folder, segment_name
from tests.personas import KEBON_JERUK, KECAMATAN_TEBET

KJ, TB = "kebonjeruk-simpang", "tebet-eco-park-utara"


@pytest.fixture
def recordings_root(settings, tmp_path):
    settings.RECORDINGS_ROOT = tmp_path / "recordings"
    settings.RECORDING_DAYS = 14
    return settings.RECORDINGS_ROOT


def _record_hour(camera, hour, size=1000):
    """Three segments of `size` bytes in `hour`'s folder, indexed."""
    folder = hour_folder(camera.pk, hour)
    folder.mkdir(parents=True, exist_ok=True)
    for second in range(3):
        (folder / segment_name(hour + timedelta(seconds=second), 1.0)).write_bytes(b"\0" * size)
    index_hour_folder(camera.pk, hour)
    return folder


def test_retention_deletes_old_unheld_hours_and_keeps_held_ones(
    db, demo_cameras, recordings_root, django_capture_on_commit_callbacks
):
    now = timezone.now()
    camera = demo_cameras[KJ]
    old = floor_hour(now - timedelta(days=15))
    held = old - timedelta(hours=1)
    recent = floor_hour(now - timedelta(days=13))
    folders = {hour: _record_hour(camera, hour) for hour in (old, held, recent)}
    RecordingHour.objects.filter(camera=camera, hour=held).update(
        held_until=now + timedelta(days=30)
    )

    with django_capture_on_commit_callbacks(execute=True):  # the files go once it commits
        call_command("apply_retention", stdout=StringIO())

    left = set(RecordingHour.objects.filter(camera=camera).values_list("hour", flat=True))
    assert left == {held, recent}
    assert not folders[old].exists()
    assert folders[held].exists() and folders[recent].exists()
    # A hold that has lapsed protects nothing any more.
    RecordingHour.objects.filter(hour=held).update(held_until=now - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", stdout=StringIO())
    assert not folders[held].exists()


def test_days_per_camera_and_per_area(db, demo_cameras, demo_areas, recordings_root):
    now = timezone.now()
    kebon_jeruk, tebet = demo_cameras[KJ], demo_cameras[TB]
    four_days_ago = floor_hour(now - timedelta(days=4))
    for camera in (kebon_jeruk, tebet):
        _record_hour(camera, four_days_ago)
    assert not expired_hours(now).exists()
    AreaRecordingPolicy.objects.create(area_id=KECAMATAN_TEBET, days=3)  # Tebet Barat is under it
    assert list(expired_hours(now).values_list("camera__code", flat=True)) == [TB]
    AreaRecordingPolicy.objects.create(area_id=KEBON_JERUK, days=30)
    kebon_jeruk.recording_days = 2  # the camera's own setting comes before its area's
    kebon_jeruk.save()
    assert sorted(expired_hours(now).values_list("camera__code", flat=True)) == sorted([KJ, TB])


def test_disk_guard_deletes_oldest_unheld_first_and_alerts_provincial_admins(
    db, demo_cameras, demo_users, recordings_root, settings
):
    now = timezone.now()
    camera = demo_cameras[KJ]
    hours = [floor_hour(now - timedelta(hours=h)) for h in (5, 4, 3, 2, 1)]
    for hour in hours:
        _record_hour(camera, hour, size=100_000)  # 300 kB an hour
    RecordingHour.objects.filter(hour=hours[0]).update(held_until=now + timedelta(days=1))

    # A 2 MB disk holding only these recordings; the floor asks for 1.2 MB free.
    def free_bytes():
        used = sum(p.stat().st_size for p in recordings_root.rglob("*") if p.is_file())
        return 2_000_000 - used

    settings.RECORDING_MIN_FREE_MB = 1
    assert free_bytes() < 1024 * 1024 + 200_000  # 1.5 MB used
    deleted = disk_guard(free_bytes=lambda: free_bytes() - 200_000, now=now)

    left = list(RecordingHour.objects.order_by("hour").values_list("hour", flat=True))
    # The held oldest hour stays; the next oldest went first, the newest stay.
    assert left[0] == hours[0]
    assert deleted >= 1 and left[1:] == hours[1 + deleted :]
    assert free_bytes() - 200_000 >= 1024 * 1024
    alert = AlertEvent.objects.get(kind=Kind.RECORDING_DISK_LOW)
    assert alert.payload["deleted_hours"] == deleted
    assert AlertEvent.objects.visible_to(demo_users["admin.provinsi"]).filter(pk=alert.pk)
    for username in ("operator.jakbar", "staf.kebonjeruk", "piket.kebonjeruk"):
        assert not AlertEvent.objects.visible_to(demo_users[username]).filter(pk=alert.pk)
    # With enough room, nothing is deleted and nobody is alerted again.
    assert disk_guard(free_bytes=lambda: 10**12, now=now) == 0
    assert AlertEvent.objects.filter(kind=Kind.RECORDING_DISK_LOW).count() == 1


def test_quota_keeps_recordings_under_recording_max_mb(db, demo_cameras, recordings_root, settings):
    """The demo's quota (RECORDING_MAX_MB): oldest unheld hours go until all fit; no alert."""
    now = timezone.now()
    camera = demo_cameras[KJ]
    hours = [floor_hour(now - timedelta(hours=h)) for h in (4, 3, 2, 1)]
    for hour in hours:
        _record_hour(camera, hour, size=200_000)  # 600 kB an hour, 2.4 MB in all
    settings.RECORDING_MAX_MB = 1
    settings.RECORDING_MIN_FREE_MB = 0
    assert disk_guard(now=now) == 3
    assert list(RecordingHour.objects.values_list("hour", flat=True)) == hours[-1:]
    assert not hour_folder(camera.pk, hours[0]).exists()
    assert not AlertEvent.objects.filter(kind=Kind.RECORDING_DISK_LOW).exists()
