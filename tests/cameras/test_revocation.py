"""Production mode: people who lose access have their open MediaMTX sessions ended."""

import pytest
from django.test import Client
from django.utils import timezone

from cameras import gate
from cameras.mediamtx import sweep_media_sessions
from cameras.models import ViewingSession
from kelurahan.models import RoleAssignment
from tests.asgi import post_hook
from tests.mediamtx_standin import mediamtx_standin

pytestmark = pytest.mark.django_db(transaction=True)
KJ_CAMERA = "kebonjeruk-simpang"


@pytest.fixture
def mediamtx(settings, demo_cameras):
    with mediamtx_standin() as (state, url):
        settings.STREAM_MODE = "mediamtx"
        settings.MEDIAMTX_API_URL = url
        settings.MEDIAMTX_API_PASSWORD = "kunci-api"
        gate.forget_decisions()
        yield state
        gate.forget_decisions()


def _watch(user, camera, session_id, state):
    """Open the stream as the browser would, then let MediaMTX's hook admit the session."""
    client = Client()
    client.force_login(user)
    answer = client.post(f"/api/v1/cameras/{camera.pk}/stream/").json()
    hook = {
        "user": "",
        "password": "",
        "token": answer["token"],
        "ip": "10.0.0.9",
        "action": "read",
        "path": camera.code,
        "protocol": "hls",
        "id": session_id,
        "query": "",
        "userAgent": "Mozilla/5.0",
    }
    assert post_hook(hook)[0] == 200
    state.sessions.add(session_id)
    return answer["viewing"]


def _kicks(state):
    return [path for method, path, _, _ in state.requests if "/kick/" in path]


def test_revoking_an_assignment_kicks_the_session_at_once(mediamtx, demo_users, demo_cameras):
    piket, fkdm = demo_users["piket.kebonjeruk"], demo_users["fkdm.kebonjeruk"]
    viewing = _watch(piket, demo_cameras[KJ_CAMERA], "sesi-piket", mediamtx)
    _watch(fkdm, demo_cameras[KJ_CAMERA], "sesi-fkdm", mediamtx)
    assignment = RoleAssignment.objects.get(user=piket)
    assignment.revoked_at = timezone.now()
    assignment.save()
    assert _kicks(mediamtx) == ["/v3/hlssessions/kick/sesi-piket"]
    assert mediamtx.requests[-1][3].startswith("Basic ")  # as the portal's API user
    assert ViewingSession.objects.get(pk=viewing).ended_at is not None
    assert mediamtx.sessions == {"sesi-fkdm"}  # the volunteer keeps watching


def test_deactivating_a_user_kicks_their_sessions(mediamtx, demo_users, demo_cameras):
    fkdm = demo_users["fkdm.kebonjeruk"]
    _watch(fkdm, demo_cameras[KJ_CAMERA], "sesi-1", mediamtx)
    _watch(fkdm, demo_cameras["kebonjeruk-pasar"], "sesi-2", mediamtx)
    fkdm.is_active = False
    fkdm.save()
    assert sorted(_kicks(mediamtx)) == [
        "/v3/hlssessions/kick/sesi-1",
        "/v3/hlssessions/kick/sesi-2",
    ]


def test_the_sweep_catches_an_assignment_that_simply_expired(mediamtx, demo_users, demo_cameras):
    staf = demo_users["staf.kebonjeruk"]
    _watch(staf, demo_cameras[KJ_CAMERA], "sesi-staf", mediamtx)
    assert sweep_media_sessions() == 0  # still allowed: nothing happens
    # The clock passes valid_until: no save, no signal; only the sweep notices.
    RoleAssignment.objects.filter(user=staf).update(valid_until=timezone.now())
    assert sweep_media_sessions() == 1
    assert _kicks(mediamtx) == ["/v3/hlssessions/kick/sesi-staf"]
    assert sweep_media_sessions() == 0  # ended sessions are not kicked twice


def test_an_unreachable_mediamtx_leaves_the_session_open_for_the_next_sweep(
    settings, demo_users, demo_cameras
):
    with mediamtx_standin() as (state, url):
        settings.STREAM_MODE = "mediamtx"
        settings.MEDIAMTX_API_URL = url
        gate.forget_decisions()
        staf = demo_users["staf.kebonjeruk"]
        viewing = _watch(staf, demo_cameras[KJ_CAMERA], "sesi-x", state)
    settings.MEDIAMTX_API_URL = "http://127.0.0.1:9"  # nothing listens there
    RoleAssignment.objects.filter(user=staf).update(valid_until=timezone.now())
    assert sweep_media_sessions() == 0
    assert ViewingSession.objects.get(pk=viewing).ended_at is None
