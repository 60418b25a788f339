"""The stream gate: tokens, the embedded file server, MediaMTX's hook, and revocation."""

import time

import pytest
from django.test import Client
from django.utils import timezone

from cameras import gate
from cameras.models import Camera, ViewingSession
from cameras.renditions import master_playlist
from kelurahan.models import RoleAssignment, User
from tests.asgi import post_hook
from tests.personas import enrol_totp

pytestmark = pytest.mark.django_db
KJ_CAMERA, TB_CAMERA = "kebonjeruk-simpang", "tebet-eco-park-utara"
PLAYLIST = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg0.ts\n"


@pytest.fixture
def streams(settings, tmp_path, demo_cameras):
    """A playlist and a segment for two cameras, as run_streams would leave them."""
    settings.STREAMS_ROOT = tmp_path
    settings.STREAM_MODE = "embedded"
    for code in (KJ_CAMERA, TB_CAMERA):
        (tmp_path / code).mkdir()
        (tmp_path / code / "index.m3u8").write_text(PLAYLIST)
        (tmp_path / code / "live.m3u8").write_text(master_playlist(main_kbps=144))
        (tmp_path / code / "seg0.ts").write_bytes(b"\x47" * 188 * 4)
    gate.forget_decisions()
    yield demo_cameras
    gate.forget_decisions()


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _open(client, camera):
    response = client.post(f"/api/v1/cameras/{camera.pk}/stream/", content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def test_stream_answer_has_url_token_and_expiry(streams, demo_users):
    client = _client(demo_users["fkdm.kebonjeruk"])
    answer = _open(client, streams[KJ_CAMERA])
    assert answer["url"] == f"/streams/{KJ_CAMERA}/live.m3u8"  # the master playlist
    assert answer["token"] and answer["expires_at"]
    viewing = ViewingSession.objects.get(pk=answer["viewing"])
    assert viewing.user.username == "fkdm.kebonjeruk"
    assert viewing.camera.code == KJ_CAMERA and viewing.mode == "embedded"
    assert viewing.ip == "127.0.0.1"


def test_refresh_continues_the_same_viewing_session(streams, demo_users):
    client = _client(demo_users["fkdm.kebonjeruk"])
    first = _open(client, streams[KJ_CAMERA])
    again = client.post(
        f"/api/v1/cameras/{streams[KJ_CAMERA].pk}/stream/",
        {"viewing": first["viewing"]},
        content_type="application/json",
    ).json()
    assert again["viewing"] == first["viewing"]
    assert again["token"] != first["token"] or again["expires_at"] == first["expires_at"]
    assert ViewingSession.objects.count() == 1


def test_playlist_and_segment_with_header_or_query_token(streams, demo_users):
    client = _client(demo_users["fkdm.kebonjeruk"])
    token = _open(client, streams[KJ_CAMERA])["token"]
    playlist = client.get(
        f"/streams/{KJ_CAMERA}/index.m3u8", headers={"authorization": f"Bearer {token}"}
    )
    assert playlist.status_code == 200
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    assert playlist["Cache-Control"] == "no-store"
    assert b"".join(playlist.streaming_content).startswith(b"#EXTM3U")
    segment = client.get(f"/streams/{KJ_CAMERA}/seg0.ts?token={token}")
    assert segment.status_code == 200 and segment["Content-Type"] == "video/mp2t"


@pytest.mark.parametrize("filename", ["../x.ts", "index.m3u8.bak", ".ts", "a/b.ts", "x.txt"])
def test_only_stream_files_are_served(streams, demo_users, filename):
    client = _client(demo_users["fkdm.kebonjeruk"])
    token = _open(client, streams[KJ_CAMERA])["token"]
    response = client.get(f"/streams/{KJ_CAMERA}/{filename}?token={token}")
    assert response.status_code == 404


def test_refusals(streams, demo_users):
    """No token, forged, expired, another camera's, another session's: all refused."""
    kj = _client(demo_users["fkdm.kebonjeruk"])
    token = _open(kj, streams[KJ_CAMERA])["token"]
    url = f"/streams/{TB_CAMERA}/index.m3u8"
    assert kj.get(url).status_code == 401
    assert kj.get(f"{url}?token={token}").status_code == 403  # a Kebon Jeruk token
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert kj.get(f"/streams/{KJ_CAMERA}/index.m3u8?token={forged}").status_code == 403
    viewing = ViewingSession.objects.get()
    expired, _ = gate.issue_token(
        viewing, session_key=kj.session.session_key, now=time.time() - 600
    )
    assert kj.get(f"/streams/{KJ_CAMERA}/index.m3u8?token={expired}").status_code == 403
    other_browser = _client(demo_users["fkdm.kebonjeruk"])
    assert other_browser.get(f"/streams/{KJ_CAMERA}/index.m3u8?token={token}").status_code == 403
    assert Client().get(f"/streams/{KJ_CAMERA}/index.m3u8?token={token}").status_code == 403


def test_out_of_scope_camera_cannot_even_get_a_token(streams, demo_users):
    client = _client(demo_users["fkdm.kebonjeruk"])
    response = client.post(f"/api/v1/cameras/{streams[TB_CAMERA].pk}/stream/")
    assert response.status_code == 404
    assert Client().post(f"/api/v1/cameras/{streams[KJ_CAMERA].pk}/stream/").status_code == 403


def test_camera_out_of_service_is_a_clear_409(streams, demo_users):
    client = _client(demo_users["staf.kebonjeruk"])
    Camera.objects.filter(code=KJ_CAMERA).update(status=Camera.Status.MAINTENANCE)
    response = client.post(f"/api/v1/cameras/{streams[KJ_CAMERA].pk}/stream/")
    assert response.status_code == 409
    assert "tidak beroperasi" in response.json()["detail"]


def test_revoked_assignment_stops_video_within_the_recheck_window(streams, demo_users, settings):
    user = demo_users["piket.kebonjeruk"]
    client = _client(user)
    token = _open(client, streams[KJ_CAMERA])["token"]
    url = f"/streams/{KJ_CAMERA}/seg0.ts?token={token}"
    assert client.get(url).status_code == 200
    RoleAssignment.objects.filter(user=user).update(revoked_at=timezone.now())
    assert client.get(url).status_code == 200  # remembered for STREAM_RECHECK_SECONDS
    settings.STREAM_RECHECK_SECONDS = 0
    gate.forget_decisions()  # what the recheck window's end amounts to
    assert client.get(url).status_code == 403


def test_deactivated_user_stops_getting_video(streams, demo_users):
    user = demo_users["fkdm.kebonjeruk"]
    client = _client(user)
    token = _open(client, streams[KJ_CAMERA])["token"]
    user.is_active = False
    user.save()
    gate.forget_decisions(user.pk)
    assert client.get(f"/streams/{KJ_CAMERA}/seg0.ts?token={token}").status_code == 403


def test_public_camera_streams_for_anyone_through_the_same_gate(streams):
    anonymous = Client()
    answer = anonymous.post(f"/api/v1/public/cameras/{streams[TB_CAMERA].pk}/stream/").json()
    assert anonymous.get(f"{answer['url']}?token={answer['token']}").status_code == 200
    assert ViewingSession.objects.get(pk=answer["viewing"]).mode == "public"
    private = streams[KJ_CAMERA]
    assert anonymous.post(f"/api/v1/public/cameras/{private.pk}/stream/").status_code == 404
    # A public token opens only its own camera.
    other = f"/streams/{KJ_CAMERA}/index.m3u8?token={answer['token']}"
    assert anonymous.get(other).status_code == 403
    # A camera that stops being public stops streaming to the public.
    Camera.objects.filter(pk=streams[TB_CAMERA].pk).update(is_public=False)
    gate.forget_decisions()
    assert anonymous.get(f"{answer['url']}?token={answer['token']}").status_code == 403


def test_source_url_only_for_admins(streams, demo_users):
    Camera.objects.filter(code=KJ_CAMERA).update(source_url="rtsp://admin:rahasia@10.0.0.5/1")
    enrol_totp(demo_users["admin.provinsi"])
    for username, sees in [
        ("admin.provinsi", True),
        ("operator.jakbar", False),
        ("staf.kebonjeruk", False),
        ("fkdm.kebonjeruk", False),
    ]:
        client = _client(demo_users[username])
        camera = client.get(f"/api/v1/cameras/{streams[KJ_CAMERA].pk}/").json()
        assert ("source_url" in camera) is sees, username
        listing = client.get("/api/v1/cameras/?page_size=1000").content.decode()
        assert ("rahasia" in listing) is sees, username
        page = client.get(f"/kamera/{streams[KJ_CAMERA].pk}/").content.decode()
        assert "rahasia" not in page, username


# --- MediaMTX's authMethod: http hook, in the request format MediaMTX documents -------------


def _hook(body):
    return post_hook(body)[0]


def _mediamtx_request(**overrides):
    request = {
        "user": "",
        "password": "",
        "token": "",
        "ip": "10.8.0.21",
        "action": "read",
        "path": KJ_CAMERA,
        "protocol": "hls",
        "id": "5b1e6c5a-8f8e-4d8e-9a4c-2f1f6f3d9a10",
        "query": "",
        "userAgent": "Mozilla/5.0",
    }
    request.update(overrides)
    return request


@pytest.fixture
def mediamtx_token(streams, demo_users, settings, transactional_db):
    settings.STREAM_MODE = "mediamtx"
    client = _client(demo_users["fkdm.kebonjeruk"])
    answer = _open(client, streams[KJ_CAMERA])
    assert answer["url"] == f"/hls/{KJ_CAMERA}/index.m3u8"
    return answer


def test_hook_allows_a_bearer_token_and_remembers_the_session(mediamtx_token):
    response = _hook(_mediamtx_request(token=mediamtx_token["token"]))
    assert response == 200
    viewing = ViewingSession.objects.get(pk=mediamtx_token["viewing"])
    assert viewing.media_session_id == "5b1e6c5a-8f8e-4d8e-9a4c-2f1f6f3d9a10"
    assert viewing.mode == "mediamtx"


def test_hook_allows_a_query_token(mediamtx_token):
    query = f"token={mediamtx_token['token']}&foo=1"
    assert _hook(_mediamtx_request(query=query)) == 200


def test_hook_refuses_what_it_should(mediamtx_token):
    token = mediamtx_token["token"]
    assert _hook(_mediamtx_request()) == 401  # no credentials at all
    assert _hook(_mediamtx_request(token=token, path=TB_CAMERA)) == 401
    assert _hook(_mediamtx_request(token=token[:-2] + "xx")) == 401
    assert _hook(_mediamtx_request(token=token, action="publish")) == 401
    assert _hook(_mediamtx_request(action="api", user="jakcctv", password="")) == 401
    assert post_hook(b"{x")[0] == 400
    assert post_hook(b"[1, 2]")[0] == 400
    assert _hook(_mediamtx_request(token=token, action="dance")) == 400


@pytest.mark.parametrize(
    "action, protocol",
    [
        ("read", "rtsp"),
        ("read", "webrtc"),
        ("read", "rtmp"),
        ("read", "srt"),
        ("read", ""),
    ],
)
def test_hook_admits_a_viewer_to_live_hls_only(mediamtx_token, action, protocol):
    """A good viewer's token opens nothing but the live HLS stream the portal plays."""
    token = mediamtx_token["token"]
    status, answer = post_hook(_mediamtx_request(token=token, action=action, protocol=protocol))
    assert status == 401
    assert answer == {"detail": "Hanya tayangan langsung lewat HLS yang diizinkan."}
    assert not ViewingSession.objects.exclude(media_session_id="").exists()
    assert _hook(_mediamtx_request(token=token)) == 200  # the same token, as HLS: welcome


@pytest.mark.parametrize("protocol", ["hls", ""])
def test_hook_refuses_a_live_token_for_playback(mediamtx_token, protocol):
    """Recordings need a playback token (cameras/playback.py); a live token is not one."""
    token = mediamtx_token["token"]
    request = _mediamtx_request(token=token, action="playback", protocol=protocol)
    status, answer = post_hook(request)
    assert status == 401
    assert answer == {"detail": "Token video tidak sah."}
    assert not ViewingSession.objects.exclude(media_session_id="").exists()


def test_hook_lets_the_portal_use_the_control_api(settings, transactional_db):
    settings.MEDIAMTX_API_PASSWORD = "kunci-api"
    portal = _mediamtx_request(action="api", user="jakcctv", password="kunci-api", path="")
    assert _hook(portal) == 200
    assert _hook({**portal, "password": "salah"}) == 401


def test_hook_lets_the_portal_read_hls_to_make_stills(settings, transactional_db):
    """run_streams reads one frame of a camera's path as the portal (production stills)."""
    settings.MEDIAMTX_API_PASSWORD = "kunci-api"
    portal = _mediamtx_request(user="jakcctv", password="kunci-api", path=f"{KJ_CAMERA}_low")
    assert _hook(portal) == 200
    assert _hook({**portal, "password": "salah"}) == 401
    assert _hook({**portal, "protocol": "rtsp"}) == 401  # HLS only, as for viewers
    settings.MEDIAMTX_API_PASSWORD = ""
    assert _hook({**portal, "password": ""}) == 401  # no password set: nobody is the portal


def test_low_rendition_path_opens_with_the_cameras_token_only(mediamtx_token, streams):
    """Production's `<code>_low` path is the same camera: same token, same refusals."""
    Camera.objects.filter(code=KJ_CAMERA).update(transcode_low=True)
    token = mediamtx_token["token"]
    assert _hook(_mediamtx_request(token=token, path=f"{KJ_CAMERA}_low")) == 200
    assert _hook(_mediamtx_request(token=token, path=f"{TB_CAMERA}_low")) == 401
    assert _hook(_mediamtx_request(path=f"{KJ_CAMERA}_low")) == 401
    assert _hook(_mediamtx_request(token=token, path=f"{KJ_CAMERA}_low", protocol="rtsp")) == 401
    client = Client()
    client.force_login(User.objects.get(username="fkdm.kebonjeruk"))
    answer = _open(client, streams[KJ_CAMERA])
    assert answer["low_url"] == f"/hls/{KJ_CAMERA}_low/index.m3u8"
