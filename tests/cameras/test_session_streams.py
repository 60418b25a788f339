"""A browser session's end ends its streams (issue 11): signing out, a session ended from the
sessions page, and a password change stop every stream of that session within the gate's memo
time, through the embedded gate and through MediaMTX's hook (which also kicks the open MediaMTX
sessions at once), as revoking a role already does."""

import pytest
from django.conf import settings
from django.test import Client

from cameras import gate
from tests.asgi import post_hook
from tests.cameras.test_revocation import _kicks
from tests.cameras.test_stream_gate import KJ_CAMERA, PLAYLIST
from tests.mediamtx_standin import mediamtx_standin
from tests.personas import PASSWORD

NEW_PASSWORD = "Ganti-Sandi-Setelah-Bocor-71!"


@pytest.fixture
def streams(settings, tmp_path, demo_cameras, demo_users):
    settings.STREAMS_ROOT = tmp_path
    settings.STREAM_MODE = "embedded"
    (tmp_path / KJ_CAMERA).mkdir()
    (tmp_path / KJ_CAMERA / "index.m3u8").write_text(PLAYLIST)
    (tmp_path / KJ_CAMERA / "seg0.ts").write_bytes(b"\x47" * 188 * 4)
    gate.forget_decisions()
    yield demo_cameras[KJ_CAMERA]
    gate.forget_decisions()


@pytest.fixture
def mediamtx(settings, demo_cameras, demo_users):
    with mediamtx_standin() as (state, url):
        settings.STREAM_MODE = "mediamtx"
        settings.MEDIAMTX_API_URL = url
        settings.MEDIAMTX_API_PASSWORD = "kunci-api"
        gate.forget_decisions()
        yield state
        gate.forget_decisions()


def _sign_in(username="piket.kebonjeruk", password=PASSWORD):
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": password})
    assert response.status_code == 302 and response.url == "/"
    return client


def _token(client, camera):
    response = client.post(f"/api/v1/cameras/{camera.pk}/stream/")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _segment(client, camera):
    return f"/streams/{camera.code}/seg0.ts?token={_token(client, camera)}"


def _with_cookie(session_key, url):
    """The request a copy of the browser's cookie makes, after the browser has let it go."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client.get(url).status_code


def _change_password(client):
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


# --- The embedded gate --------------------------------------------------------------------------


@pytest.mark.django_db
def test_signing_out_stops_the_sessions_streams(streams):
    browser = _sign_in()
    url = _segment(browser, streams)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert _with_cookie(cookie, url) == 200
    browser.post("/accounts/logout/")
    assert _with_cookie(cookie, url) == 403  # this process: at once
    gate.forget_decisions()  # another process: once its memo (STREAM_RECHECK_SECONDS) runs out
    assert _with_cookie(cookie, url) == 403


@pytest.mark.django_db
def test_a_session_ended_from_the_sessions_page_stops_its_streams(streams):
    phone, desk = _sign_in(), _sign_in()
    url = _segment(phone, streams)
    assert phone.get(url).status_code == 200
    desk.post("/accounts/sessions/")  # "sign out other sessions"
    assert phone.get(url).status_code == 403
    gate.forget_decisions()
    assert phone.get(url).status_code == 403
    desk_url = _segment(desk, streams)  # the session that ended the others plays on
    assert desk.get(desk_url).status_code == 200


@pytest.mark.django_db
def test_a_password_change_stops_the_streams_of_every_session_it_ends(streams):
    phone, desk = _sign_in(), _sign_in()
    url = _segment(phone, streams)
    assert phone.get(url).status_code == 200
    _change_password(desk)
    assert phone.get(url).status_code == 403
    gate.forget_decisions()
    assert phone.get(url).status_code == 403
    # The browser that changed it is still signed in (under a new session key): its player
    # asks for a fresh token and plays on.
    fresh = _segment(desk, streams)
    assert desk.get(fresh).status_code == 200


# --- MediaMTX's hook, and the kicks --------------------------------------------------------------


def _admitted(client, camera, media_session, state):
    """The hook admits a new MediaMTX session with the browser's token; returns its request."""
    hook = {
        "user": "",
        "password": "",
        "token": _token(client, camera),
        "ip": "10.0.0.9",
        "action": "read",
        "path": camera.code,
        "protocol": "hls",
        "id": media_session,
        "query": "",
        "userAgent": "Mozilla/5.0",
    }
    assert post_hook(hook)[0] == 200
    state.sessions.add(media_session)
    return hook


@pytest.mark.django_db(transaction=True)  # the hook reads the database from worker threads
def test_signing_out_kicks_the_sessions_mediamtx_streams(mediamtx, demo_cameras):
    camera = demo_cameras[KJ_CAMERA]
    browser, other = _sign_in(), _sign_in()
    hook = _admitted(browser, camera, "sesi-keluar", mediamtx)
    _admitted(other, camera, "sesi-lain", mediamtx)
    browser.post("/accounts/logout/")
    assert _kicks(mediamtx) == ["/v3/hlssessions/kick/sesi-keluar"]
    assert mediamtx.sessions == {"sesi-lain"}  # the same person's other browser plays on
    gate.forget_decisions()
    assert post_hook({**hook, "id": "sesi-baru"})[0] == 401  # the old token opens nothing new


@pytest.mark.django_db(transaction=True)
def test_a_session_ended_from_the_sessions_page_kicks_its_mediamtx_streams(mediamtx, demo_cameras):
    camera = demo_cameras[KJ_CAMERA]
    phone, desk = _sign_in(), _sign_in()
    hook = _admitted(phone, camera, "sesi-ponsel", mediamtx)
    _admitted(desk, camera, "sesi-meja", mediamtx)
    desk.post("/accounts/sessions/")
    assert _kicks(mediamtx) == ["/v3/hlssessions/kick/sesi-ponsel"]
    assert mediamtx.sessions == {"sesi-meja"}
    gate.forget_decisions()
    assert post_hook({**hook, "id": "sesi-baru"})[0] == 401


@pytest.mark.django_db(transaction=True)
def test_a_password_change_kicks_the_mediamtx_streams_of_the_sessions_it_ends(
    mediamtx, demo_cameras
):
    camera = demo_cameras[KJ_CAMERA]
    phone, desk = _sign_in(), _sign_in()
    hook = _admitted(phone, camera, "sesi-ponsel", mediamtx)
    _change_password(desk)
    assert _kicks(mediamtx) == ["/v3/hlssessions/kick/sesi-ponsel"]
    gate.forget_decisions()
    assert post_hook({**hook, "id": "sesi-baru"})[0] == 401
    # The changing browser signs on with a fresh token.
    _admitted(desk, camera, "sesi-meja-baru", mediamtx)
