"""Under a flapping camera (a real stream that stops and restarts, judged by the real health
check), the automatic ticket opens once and closes once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cameras.health import check_camera_health
from cameras.models import Camera
from maintenance.models import Status, Ticket
from maintenance.sweep import sweep
from tests.maintenance.helpers import KJ, maintainers
from tests.streams import running_streams

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_camera(settings, tmp_path, demo_cameras):
    settings.STREAM_MODE = "embedded"
    settings.STREAMS_ROOT = tmp_path
    settings.CAMERA_OFFLINE_AFTER = 15
    settings.MAINTENANCE_AFTER = 30
    settings.MAINTENANCE_CONFIRM = 15
    maintainers(demo_cameras)
    Camera.objects.exclude(code=KJ).update(status=Camera.Status.RETIRED)
    return Camera.objects.get(code=KJ)


def health(*, later=0):
    """The real health check, `later` seconds from now (instead of waiting for the silence)."""
    check_camera_health(now=timezone.now() + timedelta(seconds=later))
    return Camera.objects.get(code=KJ)


def stream_once(root):
    """Play the camera's real stream until it has segments, check health, then stop it."""
    with running_streams([KJ], root):
        camera = health()
    assert camera.online
    return camera.online_changed_at


def stopped():
    camera = health(later=20)  # past CAMERA_OFFLINE_AFTER without a new segment
    assert not camera.online
    return camera.online_changed_at


def test_ticket_opens_once_and_closes_once_under_a_flapping_camera(one_camera, tmp_path):
    stream_once(tmp_path)
    down = stopped()
    assert sweep(now=down + timedelta(minutes=29))["opened"] == 0
    assert sweep(now=down + timedelta(minutes=31))["opened"] == 1

    # Back for a moment, down again, back again: each shorter than the confirmation time.
    for _flap in range(2):
        back = stream_once(tmp_path)
        assert sweep(now=back + timedelta(minutes=5)) == {"opened": 0, "settled": 0, "overdue": 0}
        down = stopped()
        assert sweep(now=down + timedelta(minutes=31))["opened"] == 0  # never a second ticket

    back = stream_once(tmp_path)
    assert sweep(now=back + timedelta(minutes=14))["settled"] == 0
    assert sweep(now=back + timedelta(minutes=15))["settled"] == 1
    assert sweep(now=back + timedelta(minutes=20)) == {"opened": 0, "settled": 0, "overdue": 0}
    [ticket] = Ticket.objects.filter(camera__code=KJ)
    assert ticket.status == Status.CLOSED and ticket.reopen_count == 0
