from datetime import timedelta

import pytest
from django.utils import timezone

from cameras.models import Camera
from evidence import services
from incidents.models import Agency, Incident
from tests.evidence.recorded import encode_segments, lay_out
from tests.incident_helpers import demo_agencies, raise_incident

KJ = "kebonjeruk-simpang"
TB = "tebet-eco-park-utara"
RECORDED_SECONDS = 420  # 7 minutes: the default clip (5 minutes) and some room around it


@pytest.fixture(scope="session")
def segments(tmp_path_factory):
    """Seven minutes of real 1 s H.264 segments, encoded once for the whole run."""
    return encode_segments(tmp_path_factory.mktemp("segmen"), RECORDED_SECONDS)


@pytest.fixture
def recorded(settings, tmp_path, demo_users, demo_cameras, segments):
    """The Kebon Jeruk camera recorded for the last 7 minutes, and an incident on it 4 minutes
    ago raised by the Kebon Jeruk piket officer (so the default clip, -2 to +3 minutes, is all
    recorded)."""
    settings.RECORDINGS_ROOT = tmp_path / "rekaman"
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now().replace(microsecond=0)
    camera = demo_cameras[KJ]
    Camera.objects.filter(pk=camera.pk).update(record=True)
    started = now - timezone.timedelta(seconds=RECORDED_SECONDS + 2)
    lay_out(camera.pk, started, segments, settings.RECORDINGS_ROOT)
    incident = raise_incident(by=demo_users["piket.kebonjeruk"], camera=camera)
    Incident.objects.filter(pk=incident.pk).update(created_at=now - timezone.timedelta(minutes=4))
    incident.refresh_from_db()
    return {"camera": camera, "incident": incident, "started": started, "now": now}


def save_clip(recorded, by, minutes=1):
    """The last `minutes` of the recording saved to the incident by `by` (through the service)."""
    return services.clip_create(
        incident=recorded["incident"],
        camera=recorded["camera"],
        start=recorded["now"] - timedelta(minutes=minutes),
        end=recorded["now"],
        by=by,
    )


@pytest.fixture
def clip(recorded, demo_users):
    """The last minute of the recording saved to the incident by the Kebon Jeruk staff member."""
    return save_clip(recorded, demo_users["staf.kebonjeruk"])


@pytest.fixture
def agency(recorded):
    """A demo agency serving the incident's area (the incident not forwarded to it yet)."""
    demo_agencies()
    return Agency.objects.serving(recorded["incident"].area_id).first()
