"""The leak matrix: every persona × every endpoint × objects inside and outside their scope.

The expectation is written independently of the code under test: a persona may see an object
exactly when the object's area code equals, or starts with "<code>.", one of the area codes of
the persona's live assignments. Add every new page, API endpoint, WebSocket route and stream
path to ENDPOINTS (and its objects to the probes) as it lands.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from cameras import gate
from cameras.models import Camera, ViewingSession
from kelurahan.demo import DEMO_USERS
from tests.asgi import post_hook
from tests.figures import MATRIX_CASES
from tests.personas import enrol_totp


@dataclass(frozen=True)
class Probe:
    key: str  # what goes into the URL (an area code, a camera id)
    area: str  # the area code the object lives in
    label: str  # how the object shows up in a page or an answer
    active: bool = True  # for cameras: streaming (not under maintenance or retired)


# Areas at every level, inside and outside each persona's area.
AREA_PROBES = [
    Probe(code, code, code)
    for code in [
        "31",
        "31.73",  # Jakarta Barat
        "31.73.05",  # Kecamatan Kebon Jeruk
        "31.73.05.1001",  # Kelurahan Kebon Jeruk
        "31.73.05.1001.002",  # an RW in Kebon Jeruk
        "31.73.05.1001.002.003",  # an RT in Kebon Jeruk
        "31.73.05.1002",  # Sukabumi Utara, Kebon Jeruk's neighbour
        "31.74",  # Jakarta Selatan
        "31.74.01.1001",  # Tebet Timur
        "31.74.01.1002",  # Tebet Barat
        "31.74.01.1002.001.001",  # an RT in Tebet Barat
    ]
]

# Demo cameras at kelurahan, RW and RT level, in and out of each persona's area.
CAMERA_CODES = [
    "kebonjeruk-simpang",  # Kelurahan Kebon Jeruk
    "kebonjeruk-gang-masjid",  # an RT in Kebon Jeruk
    "sukabumiutara-arjuna",  # Kebon Jeruk's neighbour, same kecamatan
    "kelapadua-kali",  # same kecamatan, under maintenance
    "tebet-eco-park-utara",  # Tebet Barat, public
    "tebetbarat-pos-rw004",  # an RW in Tebet Barat
    "tebettimur-dalam-raya",  # Tebet Timur
    "taman-suropati",  # Menteng (Jakarta Pusat), public
]


@dataclass(frozen=True)
class Endpoint:
    name: str
    probes: str  # "area" or "camera"
    url: Callable[[Probe], str]
    # "detail": the answer when visible is 200 (409 for a camera out of service, see
    # `inactive_status`), else a refusal; "list": the object's marker appears only when visible.
    kind: str
    marker: Callable[[Probe], str] = lambda probe: probe.label
    method: str = "get"
    admin_only: bool = False
    inactive_status: int = 200


ENDPOINTS = [
    Endpoint("page wilayah detail", "area", lambda p: f"/wilayah/{p.key}/", "detail"),
    Endpoint(
        "page wilayah search",
        "area",
        lambda p: f"/wilayah/?q={p.key}",
        "list",
        marker=lambda p: f'href="/wilayah/{p.key}/"',
    ),
    Endpoint("api areas detail", "area", lambda p: f"/api/v1/areas/{p.key}/", "detail"),
    Endpoint(
        "api areas list",
        "area",
        lambda p: "/api/v1/areas/?page_size=1000",
        "list",
        marker=lambda p: f'"code":"{p.key}"',
    ),
    Endpoint(
        "api areas under",
        "area",
        lambda p: f"/api/v1/areas/?under={p.key}&page_size=1000",
        "list",
        marker=lambda p: f'"code":"{p.key}"',
    ),
    Endpoint(
        "admin area change",
        "area",
        lambda p: f"/django-admin/kelurahan/area/{p.key}/change/",
        "detail",
        admin_only=True,
    ),
    Endpoint("page camera", "camera", lambda p: f"/kamera/{p.key}/", "detail"),
    Endpoint("api camera detail", "camera", lambda p: f"/api/v1/cameras/{p.key}/", "detail"),
    Endpoint(
        "api camera list",
        "camera",
        lambda p: "/api/v1/cameras/?page_size=1000",
        "list",
        marker=lambda p: f'"code":"{p.label}"',
    ),
    Endpoint(
        "api camera list by area",
        "camera",
        lambda p: f"/api/v1/cameras/?area={p.area}&page_size=1000",
        "list",
        marker=lambda p: f'"code":"{p.label}"',
    ),
    Endpoint(
        "api camera stream token",
        "camera",
        lambda p: f"/api/v1/cameras/{p.key}/stream/",
        "detail",
        method="post",
        inactive_status=409,
    ),
    Endpoint(
        "api camera snapshot",
        "camera",
        lambda p: f"/api/v1/cameras/{p.key}/snapshot/",
        "detail",
        inactive_status=409,
    ),
]

# Every file of a camera's folder the gate serves: the master playlist, both renditions'
# playlists and a segment of each (cameras/renditions.py).
STREAM_FILES = ["live.m3u8", "index.m3u8", "seg0.ts", "low.m3u8", "low0.ts"]

REFUSED = {302, 401, 403, 404}


@dataclass(frozen=True)
class Persona:
    name: str
    client: Client
    scope: tuple  # the area codes of live assignments (empty: no access at all)
    is_admin: bool = False


def _visible(persona, area_code):
    return any(area_code == s or area_code.startswith(s + ".") for s in persona.scope)


@pytest.fixture
def personas(demo_users, lapsed_users, demo_cameras):
    people = []
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        is_admin = demo.username == "admin.provinsi"
        if is_admin:
            enrol_totp(user)  # admins cannot reach anything before enrolling
        client = Client()
        client.force_login(user)
        people.append(Persona(demo.username, client, (demo.area_code,), is_admin))
    for username, user in lapsed_users.items():
        client = Client()
        client.force_login(user)
        people.append(Persona(username, client, ()))
    people.append(Persona("anonymous", Client(), ()))
    return people


@pytest.fixture
def camera_probes(demo_cameras, settings, tmp_path):
    """The probe cameras, each with a playlist on disk as `run_streams` would leave it."""
    settings.STREAMS_ROOT = tmp_path
    settings.STREAM_MODE = "embedded"
    gate.forget_decisions()
    probes = []
    for camera in Camera.objects.filter(code__in=CAMERA_CODES):
        (tmp_path / camera.code).mkdir()
        for name in STREAM_FILES:
            (tmp_path / camera.code / name).write_text("#EXTM3U\n")
        (tmp_path / camera.code / "snapshot.jpg").write_bytes(b"\xff\xd8" + camera.code.encode())
        active = camera.status == Camera.Status.ACTIVE
        probes.append(Probe(str(camera.pk), camera.area_id, camera.code, active))
    assert len(probes) == len(CAMERA_CODES)
    yield probes
    gate.forget_decisions()


def _check(persona, endpoint, probe):
    response = getattr(persona.client, endpoint.method)(endpoint.url(probe))
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode(errors="replace")  # a snapshot is a JPEG
    visible = _visible(persona, probe.area) and (persona.is_admin or not endpoint.admin_only)
    where = f"{persona.name} → {endpoint.name} → {probe.label}: {response.status_code}"
    if endpoint.kind == "detail":
        if visible:
            expected = 200 if probe.active else endpoint.inactive_status
            assert response.status_code == expected, where
        else:
            assert response.status_code in REFUSED, where
            assert f"{probe.label}<" not in body and f'"{probe.label}"' not in body, where
    else:
        if visible:
            assert response.status_code == 200, where
            assert endpoint.marker(probe) in body, where
        else:
            # Someone with a live role gets the list, without it; anyone else no list at all.
            lists = persona.scope and (persona.is_admin or not endpoint.admin_only)
            assert response.status_code == 200 if lists else response.status_code in REFUSED, where
            assert endpoint.marker(probe) not in body, where


@pytest.mark.django_db
def test_leak_matrix_pages_and_api(personas, camera_probes):
    probes = {"area": AREA_PROBES, "camera": camera_probes}
    cases = 0
    for persona in personas:
        for endpoint in ENDPOINTS:
            for probe in probes[endpoint.probes]:
                _check(persona, endpoint, probe)
                cases += 1
    MATRIX_CASES["pages and API (areas, cameras)"] = cases


def _token(persona, probe):
    response = persona.client.post(f"/api/v1/cameras/{probe.key}/stream/")
    return response.json()["token"] if response.status_code == 200 else None


def _hook(token, path, protocol="hls"):
    body = {
        "user": "",
        "password": "",
        "token": token or "",
        "ip": "10.0.0.1",
        "action": "read",
        "path": path,
        "protocol": protocol,
        "id": "matrix",
        "query": "",
        "userAgent": "matrix",
    }
    return post_hook(body)[0]


@pytest.mark.django_db(transaction=True)  # the hook reads the database from worker threads
def test_leak_matrix_stream_gate_and_hook(personas, camera_probes, settings):
    """Playlist URL and MediaMTX hook, for every camera, with every token a persona can get."""
    cases = 0
    for persona in personas:
        tokens = {probe.label: _token(persona, probe) for probe in camera_probes}
        for probe in camera_probes:
            watchable = _visible(persona, probe.area) and probe.active
            assert (tokens[probe.label] is not None) == watchable, (persona.name, probe.label)
            for name in STREAM_FILES:
                url = f"/streams/{probe.label}/{name}"
                assert persona.client.get(url).status_code == 401, (persona.name, url)
            assert _hook(None, probe.label) == 401
            assert _hook(None, f"{probe.label}_low") == 401
            cases += len(STREAM_FILES) + 2
            for token_camera, token in tokens.items():
                if token is None:
                    continue
                allowed = token_camera == probe.label
                for name in STREAM_FILES:
                    url = f"/streams/{probe.label}/{name}"
                    status = persona.client.get(f"{url}?token={token}").status_code
                    assert status == (200 if allowed else 403), (persona.name, token_camera, url)
                cases += len(STREAM_FILES) - 1
                hook = _hook(token, probe.label)
                assert hook == (200 if allowed else 401), (persona.name, token_camera, url)
                # Production's low rendition path of the camera: the same decision.
                low = _hook(token, f"{probe.label}_low")
                assert low == (200 if allowed else 401), (persona.name, token_camera, "low")
                cases += 1
                # The same token never opens the stream beside the player (RTSP, WebRTC).
                for protocol in ("rtsp", "webrtc"):
                    assert _hook(token, probe.label, protocol) == 401, (persona.name, protocol)
                cases += 4
    # Production: the portal's master playlist naming the node's two paths, behind the gate too.
    settings.STREAM_MODE = "mediamtx"
    Camera.objects.update(transcode_low=True)
    for persona in personas:
        tokens = {probe.label: _token(persona, probe) for probe in camera_probes}
        for probe in camera_probes:
            url = f"/streams/{probe.label}/live.m3u8"
            assert persona.client.get(url).status_code == 401, (persona.name, url)
            for token_camera, token in tokens.items():
                if token is not None:
                    status = persona.client.get(f"{url}?token={token}").status_code
                    allowed = token_camera == probe.label
                    assert status == (200 if allowed else 403), (persona.name, token_camera, url)
                    cases += 1
            cases += 1
    MATRIX_CASES["stream gate and MediaMTX hook"] = cases


@pytest.mark.django_db
def test_leak_matrix_lists_wall_map_and_viewing_history(personas, demo_users):
    """Every camera × every way to list one: the camera list (whole and by area), the video wall
    asked for every camera by id, the map data, and the viewing history and its audit pages."""
    cameras = list(Camera.objects.all())
    watcher = demo_users["admin.provinsi"]  # someone whose viewings are in every area
    for camera in cameras:
        ViewingSession.objects.create(user=watcher, camera=camera, mode="embedded", ip="10.9.9.9")
    cases = 0
    for persona in personas:
        client = persona.client
        listing = client.get("/kamera/").content.decode()
        walls = [
            client.get("/dinding/?n=16&k=" + ",".join(str(c.pk) for c in part)).content.decode()
            for part in (cameras[:16], cameras[16:])
        ]
        points = client.get("/api/v1/map/cameras/").content.decode()
        audit = client.get("/riwayat/menonton/wilayah/")
        audit_csv = client.get("/riwayat/menonton/wilayah/csv/")
        audit_csv_text = b"".join(audit_csv).decode() if audit_csv.status_code == 200 else ""
        own = client.get("/riwayat/menonton/").content.decode()
        audits = persona.name in {"admin.provinsi", "operator.jakbar", "operator.tebet"}
        assert audit.status_code == (200 if audits else 403 if persona.scope else 302), persona
        for camera in cameras:
            visible = _visible(persona, camera.area_id)
            on_wall = visible and camera.status == Camera.Status.ACTIVE
            where = f"{persona.name} → {camera.code}"
            assert (f'data-camera="{camera.code}"' in listing) is visible, where
            assert (f'"code":"{camera.code}"' in points) is visible, where
            assert any(f'data-tile="{camera.code}"' in wall for wall in walls) is on_wall, where
            in_audit = f"<code>{camera.code}</code>" in audit.content.decode()
            assert in_audit is (visible and audits), where
            assert (f",{camera.code}," in audit_csv_text) is (visible and audits), where
            assert (f"<code>{camera.code}</code>" in own) is (persona.name == "admin.provinsi")
            cases += 6
            if camera.code not in CAMERA_CODES:
                continue
            by_area = client.get(f"/kamera/?area={camera.area_id}")
            assert (by_area.status_code == 200) is visible, where
            assert (f'data-camera="{camera.code}"' in by_area.content.decode()) is visible, where
            in_area = client.get(f"/api/v1/map/cameras/?area={camera.area_id}")
            assert (f'"code":"{camera.code}"' in in_area.content.decode()) is visible, where
            cases += 2
    MATRIX_CASES["camera list, wall, map and viewing history"] = cases


@pytest.mark.django_db
def test_me_lists_only_own_roles(personas):
    cases = 0
    for persona in personas:
        response = persona.client.get("/api/v1/me/")
        if persona.scope:
            assert response.status_code == 200, persona.name
            assert response.json()["areas"] == list(persona.scope), persona.name
        else:
            assert response.status_code == 403, persona.name
        cases += 1
    MATRIX_CASES["api me"] = cases


@pytest.mark.django_db
def test_home_shows_only_own_areas(personas):
    cases = 0
    for persona in personas:
        response = persona.client.get("/")
        body = response.content.decode()
        if not persona.scope:
            assert response.status_code == 302, persona.name
        else:
            assert response.status_code == 200, persona.name
            shown = {p.key for p in AREA_PROBES if f'data-area="{p.key}"' in body}
            assert shown == set(persona.scope) & {p.key for p in AREA_PROBES}, persona.name
        cases += 1
    MATRIX_CASES["home page"] = cases
