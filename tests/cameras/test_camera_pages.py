"""Camera pages: list and filters, camera page, video wall, map and its data, public page."""

import re

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework import serializers

from cameras.api import CameraSerializer
from cameras.models import Camera, CameraStatusChange

pytestmark = pytest.mark.django_db

KEBON_JERUK = {
    "kebonjeruk-simpang",
    "kebonjeruk-pasar",
    "kebonjeruk-gang-masjid",
    "kebonjeruk-halte",
    "kebonjeruk-pos-rw001",
    "kebonjeruk-sekolah",
}
SIGNED_IN_PAGES = ["/kamera/", "/dinding/", "/peta/"]


@pytest.fixture
def signed_in(signed_in, demo_cameras):
    """The shared fixture, with the demo cameras loaded."""
    return signed_in


def _camera(code):
    return Camera.objects.get(code=code)


def _listed(response, marker="data-camera"):
    assert response.status_code == 200, response.status_code
    return re.findall(rf'{marker}="([^"]+)"', response.content.decode())


def _api_codes(client, query):
    results = client.get(f"/api/v1/cameras/?page_size=1000&{query}").json()["results"]
    return [camera["code"] for camera in results]


# --- Who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*SIGNED_IN_PAGES, "/kamera/{kj}/"])
def test_anonymous_visitors_are_sent_to_sign_in(demo_cameras, path):
    path = path.format(kj=demo_cameras["kebonjeruk-simpang"].pk)
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_camera_page_in_scope_200_out_of_scope_404(signed_in):
    kebon_jeruk, tebet = _camera("kebonjeruk-simpang"), _camera("tebet-eco-park-utara")
    fkdm = signed_in("fkdm.kebonjeruk")
    assert fkdm.get(f"/kamera/{kebon_jeruk.pk}/").status_code == 200
    refused = fkdm.get(f"/kamera/{tebet.pk}/")
    assert refused.status_code == 404
    assert tebet.code not in refused.content.decode()
    tebet_staff = signed_in("staf.tebetbarat")
    assert tebet_staff.get(f"/kamera/{tebet.pk}/").status_code == 200
    assert tebet_staff.get(f"/kamera/{kebon_jeruk.pk}/").status_code == 404
    assert fkdm.get("/kamera/999999/").status_code == 404


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_answer_and_link_from_the_navigation(signed_in, path):
    page = signed_in("piket.kebonjeruk").get(path)
    assert page.status_code == 200
    body = page.content.decode()
    for link in SIGNED_IN_PAGES:
        assert f'href="{link}"' in body
    assert re.search(rf'href="{path}" aria-current="page"', body)


# --- The list and its filters -----------------------------------------------------------------


@pytest.mark.parametrize(
    "username, expected",
    [
        ("fkdm.kebonjeruk", KEBON_JERUK),
        (
            "operator.jakbar",
            KEBON_JERUK | {"sukabumiutara-arjuna", "sukabumiutara-rw004", "kelapadua-kali"},
        ),
        (
            "staf.tebetbarat",
            {
                "tebet-eco-park-utara",
                "tebet-eco-park-jembatan",
                "tebetbarat-dalam-raya",
                "tebetbarat-pos-rw004",
                "tebetbarat-pasar",
            },
        ),
    ],
)
def test_list_shows_exactly_the_users_cameras(signed_in, username, expected):
    assert set(_listed(signed_in(username).get("/kamera/"))) == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        ("area=31.73.05.1001.002", {"kebonjeruk-pasar"}),
        ("area=31.73.05.1002", {"sukabumiutara-arjuna", "sukabumiutara-rw004"}),
        ("tag=pasar", {"kebonjeruk-pasar"}),
        ("tag=rawan-tawuran", {"kebonjeruk-simpang", "kebonjeruk-sekolah"}),
        ("status=perbaikan", {"kelapadua-kali"}),
        ("status=online", {"kebonjeruk-halte"}),
        ("status=offline", KEBON_JERUK - {"kebonjeruk-halte"} | {"sukabumiutara-arjuna"}),
        ("public=1", {"kebonjeruk-halte"}),
        ("q=pasar", {"kebonjeruk-pasar"}),
        ("q=SUKABUMIUTARA-ARJ", {"sukabumiutara-arjuna"}),
        ("q=halte&public=1&status=online", {"kebonjeruk-halte"}),
    ],
)
def test_filters_work_and_match_the_api(signed_in, query, expected):
    Camera.objects.filter(code="kebonjeruk-halte").update(online=True)
    Camera.objects.filter(code="sukabumiutara-rw004").update(status=Camera.Status.RETIRED)
    client = signed_in("operator.jakbar")
    listed = _listed(client.get(f"/kamera/?{query}"))
    assert set(listed) == expected
    assert listed == _api_codes(client, query)  # page and API filter alike, in the same order


@pytest.mark.parametrize("username", ["admin.provinsi", "operator.jakbar", "fkdm.kebonjeruk"])
def test_api_rows_are_what_the_declared_fields_say(signed_in, demo_users, username):
    """The camera list writes its fields out by hand (for speed): each row must be DRF's own
    output of the declared fields, tags in name order, the RTSP source for admins only."""
    camera = _camera("kebonjeruk-simpang")
    camera.last_seen_at = timezone.now()
    camera.installed_on = timezone.localdate()
    camera.source_url = "rtsp://kamera:rahasia@10.0.0.7/stream1"
    camera.save()
    request = RequestFactory().get("/")
    request.user = demo_users[username]
    serializer = CameraSerializer(context={"request": request})
    rows = signed_in(username).get("/api/v1/cameras/?page_size=1000").json()["results"]
    visible = Camera.objects.visible_to(request.user).prefetch_related("tags")
    assert len(rows) == visible.count() > 0
    for row, camera in zip(rows, visible.order_by("area_id", "name"), strict=True):
        assert ("source_url" in row) is (username == "admin.provinsi")
        assert row.pop("source_url", camera.source_url) == camera.source_url
        assert row == serializers.ModelSerializer.to_representation(serializer, camera)
        assert row["page_url"] == f"http://testserver/kamera/{camera.pk}/"
        assert row["tags"] == [tag.slug for tag in camera.tags.order_by("name")]


@pytest.mark.parametrize(
    "query", ["area=31.74.01.1002", "area=bukan-kode", "status=rusak", "tag=tidak-ada"]
)
def test_bad_or_out_of_scope_filters_get_a_clear_400(signed_in, query):
    response = signed_in("fkdm.kebonjeruk").get(f"/kamera/?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="errorlist' in body
    assert "tebet" not in body.lower()


def test_area_filter_offers_only_visible_areas(signed_in):
    body = signed_in("fkdm.kebonjeruk").get("/kamera/").content.decode()
    offered = re.findall(r'<option value="(31[0-9.]*)"', body)
    assert offered == ["31.73.05.1001"]
    body = signed_in("operator.jakbar").get("/kamera/").content.decode()
    offered = re.findall(r'<option value="(31[0-9.]*)"', body)
    assert offered[0] == "31.73" and all(code.startswith("31.73") for code in offered)
    assert "31.73.05.1002" in offered


def test_list_pages_keep_the_filters(signed_in, settings, monkeypatch):
    monkeypatch.setattr("cameras.views.LIST_PAGE_SIZE", 4)
    client = signed_in("operator.jakbar")
    first = client.get("/kamera/?q=kebonjeruk")
    assert len(_listed(first)) == 4
    assert 'href="?q=kebonjeruk&amp;page=2"' in first.content.decode()
    second = client.get("/kamera/?q=kebonjeruk&page=2")
    assert set(_listed(first) + _listed(second)) == KEBON_JERUK


# --- One camera -------------------------------------------------------------------------------


def test_camera_page_shows_the_facts_and_a_player(signed_in):
    Camera.objects.filter(code="tebet-eco-park-jembatan").update(
        funding=Camera.Funding.CSR, installed_on="2025-03-14"
    )
    camera = _camera("tebet-eco-park-jembatan")
    body = signed_in("fkdm.tebetbarat").get(f"/kamera/{camera.pk}/").content.decode()
    for fact in [
        "Kota Administrasi Jakarta Selatan",
        "Tebet Barat",
        "Taman 24 jam",
        "PTZ",
        "CSR · Sponsor CSR (contoh demo)",
        "14 Maret 2025",
        "Ya, tampil di halaman publik",
    ]:
        assert fact in body, fact
    assert f'data-stream="/api/v1/cameras/{camera.pk}/stream/"' in body
    assert 'id="player-config" type="application/json"' in body
    assert "vendor/hls.js/hls.light.min.js" in body  # loaded by player.js when it plays


def test_camera_page_says_since_when_a_camera_is_offline(signed_in):
    camera = _camera("kebonjeruk-simpang")
    went_offline = timezone.make_aware(timezone.datetime(2026, 11, 20, 7, 5))  # Jakarta time
    Camera.objects.filter(pk=camera.pk).update(online=False, online_changed_at=went_offline)
    body = signed_in("fkdm.kebonjeruk").get(f"/kamera/{camera.pk}/").content.decode()
    assert "Offline sejak 20 Nov 07.05 WIB" in body
    assert 'data-online="0"' in body
    assert 'data-offline-since="2026-11-20T07:05:00+07:00"' in body


def test_camera_page_shows_uptime_today_and_this_week(signed_in):
    camera = _camera("kebonjeruk-simpang")
    now = timezone.now()
    CameraStatusChange.objects.create(
        camera=camera, online=True, at=now - timezone.timedelta(days=10)
    )
    body = signed_in("fkdm.kebonjeruk").get(f"/kamera/{camera.pk}/").content.decode()
    assert re.findall(r"<dd data-uptime>(.*?)</dd>", body) == ["100,0%", "100,0%"]


def test_camera_out_of_service_has_no_player(signed_in):
    camera = _camera("kelapadua-kali")
    body = signed_in("operator.jakbar").get(f"/kamera/{camera.pk}/").content.decode()
    assert "Dalam perbaikan" in body and "sedang tidak beroperasi" in body
    assert "data-player" not in body and "hls.min.js" not in body


# --- The video wall ---------------------------------------------------------------------------


def test_wall_defaults_to_four_of_the_users_streamable_cameras(signed_in):
    Camera.objects.filter(code="kebonjeruk-pasar").update(online=True)
    tiles = _listed(signed_in("fkdm.kebonjeruk").get("/dinding/"), "data-tile")
    assert len(tiles) == 4 and set(tiles) <= KEBON_JERUK
    assert tiles[0] == "kebonjeruk-pasar"  # online cameras first


def test_wall_keeps_the_chosen_cameras_in_the_url_and_drops_the_rest(signed_in):
    ids = {code: _camera(code).pk for code in ["kebonjeruk-sekolah", "kebonjeruk-simpang"]}
    foreign = _camera("tebet-eco-park-utara").pk
    query = f"n=9&k={ids['kebonjeruk-sekolah']},{foreign},x&k={ids['kebonjeruk-simpang']}"
    response = signed_in("fkdm.kebonjeruk").get(f"/dinding/?{query}")
    body = response.content.decode()
    assert _listed(response, "data-tile") == ["kebonjeruk-sekolah", "kebonjeruk-simpang"]
    assert body.count('class="tile tile-empty"') == 7
    assert "tebet" not in body
    # Each tile has its own player, asking for its own token.
    assert f'data-stream="/api/v1/cameras/{ids["kebonjeruk-simpang"]}/stream/"' in body
    # Layout links keep the choice; a tile's remove link keeps the others.
    assert f'href="?n=16&amp;k={ids["kebonjeruk-sekolah"]}%2C{ids["kebonjeruk-simpang"]}"' in body
    assert f'href="?n=9&amp;k={ids["kebonjeruk-simpang"]}"' in body


def test_wall_of_only_foreign_cameras_shows_the_users_own_instead(signed_in):
    foreign = _camera("tebet-eco-park-utara").pk  # say, a link from a colleague elsewhere
    response = signed_in("fkdm.kebonjeruk").get(f"/dinding/?n=4&k={foreign}")
    tiles = _listed(response, "data-tile")
    assert len(tiles) == 4 and set(tiles) <= KEBON_JERUK


@pytest.mark.parametrize("n, tiles", [("1", 1), ("16", 16), ("5", 4), ("abc", 4)])
def test_wall_sizes(signed_in, n, tiles):
    body = signed_in("operator.jakbar").get(f"/dinding/?n={n}").content.decode()
    assert len(re.findall(r'class="tile( tile-empty)?"', body)) == tiles
    assert f'class="wall wall-{tiles}"' in body


def test_wall_never_shows_a_camera_out_of_service(signed_in):
    retired = _camera("kelapadua-kali").pk
    body = signed_in("operator.jakbar").get(f"/dinding/?n=1&k={retired}").content.decode()
    assert "kelapadua-kali" not in body


# --- The map and its data ---------------------------------------------------------------------


def test_map_page_carries_its_config_in_data_attributes(signed_in, settings):
    body = signed_in("fkdm.kebonjeruk").get("/peta/").content.decode()
    assert 'data-cameras="/api/v1/map/cameras/"' in body
    assert 'data-areas="/api/v1/map/areas/"' in body
    assert f'data-tile-url="{settings.MAP_TILE_URL}"' in body
    assert 'data-tile-attribution="© OpenStreetMap contributors"' in body
    assert "vendor/leaflet/leaflet.js" in body and "vendor/leaflet/leaflet.css" in body


def test_map_cameras_are_the_users_cameras_coloured_by_state(signed_in):
    Camera.objects.filter(code="kebonjeruk-halte").update(online=True)
    cameras = signed_in("operator.jakbar").get("/api/v1/map/cameras/").json()["cameras"]
    states = {camera["code"]: camera["state"] for camera in cameras}
    assert set(states) == set(_listed(signed_in("operator.jakbar").get("/kamera/")))
    assert states["kebonjeruk-halte"] == "online"
    assert states["kebonjeruk-simpang"] == "offline"
    assert states["kelapadua-kali"] == "perbaikan"
    halte = next(c for c in cameras if c["code"] == "kebonjeruk-halte")
    assert halte["url"] == f"/kamera/{halte['id']}/"
    assert {"lat", "lon", "name"} <= set(halte)
    fkdm = signed_in("fkdm.tebetbarat").get("/api/v1/map/cameras/?status=offline").json()
    assert all(c["code"].startswith("tebet") for c in fkdm["cameras"]) and fkdm["cameras"]


def test_map_outlines_only_the_users_kelurahan(signed_in, official_areas):
    outlines = signed_in("staf.kebonjeruk").get("/api/v1/map/areas/").json()
    assert [f["properties"]["code"] for f in outlines["features"]] == ["31.73.05.1001"]
    assert outlines["features"][0]["geometry"]["type"] == "MultiPolygon"
    operator = signed_in("operator.jakbar").get("/api/v1/map/areas/").json()
    codes = [f["properties"]["code"] for f in operator["features"]]
    assert len(codes) > 1 and all(code.startswith("31.73.") for code in codes)


def test_map_data_refuses_anonymous_visitors(demo_cameras):
    for path in ["/api/v1/map/cameras/", "/api/v1/map/areas/"]:
        assert Client().get(path).status_code == 403


# --- The public page --------------------------------------------------------------------------


def test_public_page_lists_only_public_active_cameras_for_anyone(demo_cameras):
    Camera.objects.filter(code="taman-suropati").update(status=Camera.Status.MAINTENANCE)
    response = Client().get("/publik/")
    assert response.status_code == 200
    assert set(_listed(response, "data-tile")) == {
        "kebonjeruk-halte",
        "tebet-eco-park-utara",
        "tebet-eco-park-jembatan",
        "taman-leuser",
        "taman-langsat",
    }
    body = response.content.decode()
    halte = demo_cameras["kebonjeruk-halte"].pk
    assert f'data-stream="/api/v1/public/cameras/{halte}/stream/"' in body
    assert "/api/v1/cameras/" not in body  # anonymous tokens only, through the public endpoint


# --- What no page may carry -------------------------------------------------------------------


def test_no_page_carries_a_source_url_or_inline_code(signed_in, demo_cameras):
    Camera.objects.update(source_url="rtsp://admin:rahasia@10.0.0.5/stream1")
    admin = signed_in("admin.provinsi")
    pages = ["/kamera/", "/dinding/?n=16", "/peta/", "/api/v1/map/cameras/", "/publik/"]
    pages += [f"/kamera/{camera.pk}/" for camera in demo_cameras.values()]
    for path in pages:
        for client in (admin, signed_in("fkdm.kebonjeruk"), Client()):
            response = client.get(path)
            body = response.content.decode()
            assert "rahasia" not in body and "rtsp://" not in body, path
            if response.status_code == 200 and not path.startswith("/api/"):
                # The CSP forbids inline scripts and styles: config travels as data.
                for script in re.findall(r"<script[^>]*>", body):
                    assert "src=" in script or 'type="application/json"' in script, script
                assert " style=" not in body and "<style" not in body, path
