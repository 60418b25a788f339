"""No input gets a 500: the examples of the attack pass (issue "no input gets a 500"), each a
clear 4xx in JSON on the API and a form error on pages. The fuzz stage (tests/site/test_fuzz.py)
looks for the rest."""

import json
import urllib.request
from urllib.error import HTTPError

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from alerts.consumers import AlertConsumer
from cameras.models import Camera
from common.jsonbody import MAX_DEPTH
from incidents.demo import create_agencies
from incidents.services import incident_create
from kelurahan.models import ApiToken, RoleAssignment
from tests.asgi import post_hook
from tests.live_daphne import LiveDaphne
from tests.personas import KEBON_JERUK

JSON = "application/json"
ASSIGNMENTS = "/api/v1/assignments/"
TOO_DEEP = "[" * 5000 + "]" * 5000
YEARS = "Tanggal harus antara tahun 2000 dan 2099."


def _incident(demo_users):
    return incident_create(
        by=demo_users["staf.kebonjeruk"],
        category="banjir",
        severity="sedang",
        title="Genangan di gang 5",
        area_code=KEBON_JERUK,
    )


def _is_json_refusal(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    return response.json()


# --- The MediaMTX hook ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"action": ["read"]},
        {"action": {"read": True}},
        {"action": "read", "token": ["x"]},
        {"action": "read", "query": {"token": "x"}},
        {"action": "api", "user": ["jakcctv"], "password": "x"},
        ["read"],
    ],
)
def test_the_hook_refuses_lists_and_objects_where_it_expects_text(body):
    status, answer = post_hook(body)
    assert status == 400 and answer["detail"]


def test_the_hook_refuses_deep_nesting_and_takes_a_null_id():
    status, answer = post_hook(TOO_DEEP.encode())
    assert (status, answer) == (
        400,
        {"detail": f"JSON bersarang terlalu dalam (paling banyak {MAX_DEPTH} tingkat)."},
    )
    # MediaMTX sends `"id": null` for requests that have no session: that is not refused.
    status, answer = post_hook({"action": "read", "id": None, "token": "bukan-token"})
    assert status == 401


# --- JSON nested too deep ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/notes/",
        "/api/v1/incidents/",
        "/api/v1/assignments/",
        "/api/v1/people/",
        "/api/v1/cameras/{camera}/stream/",
        "/api/v1/incidents/{incident}/comment/",
        "/api/v1/ingest/reports/",
    ],
)
def test_json_nested_too_deep_is_a_400_on_every_json_endpoint(demo_users, demo_cameras, path):
    camera = demo_cameras["kebonjeruk-simpang"]
    incident = _incident(demo_users)
    _token, key = ApiToken.issue(user=demo_users["admin.provinsi"], name="uji")
    client = Client(headers={"Authorization": f"Token {key}"})
    url = path.format(camera=camera.pk, incident=incident.pk)
    answer = _is_json_refusal(client.post(url, TOO_DEEP, content_type=JSON), 400)
    if "ingest" not in path:  # ingest says it in its own words ("tidak dapat dibaca")
        assert "bersarang terlalu dalam" in json.dumps(answer, ensure_ascii=False)


def test_the_public_stream_refuses_deep_nesting_to_strangers(demo_cameras):
    camera = Camera.objects.filter(is_public=True).first()
    response = Client().post(
        f"/api/v1/public/cameras/{camera.pk}/stream/", TOO_DEEP, content_type=JSON
    )
    assert "bersarang terlalu dalam" in _is_json_refusal(response, 400)["detail"]


def test_the_alerts_socket_ignores_deep_nesting():
    decode = async_to_sync(AlertConsumer.decode_json)
    assert decode(TOO_DEEP) is None
    assert decode('{"type": "resume", "last_id": 1}') == {"type": "resume", "last_id": 1}


# --- Ids in paths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/cameras/abc/stream/"),
        ("post", "/api/v1/cameras/1.5/stream/"),
        ("get", "/api/v1/cameras/99999999999999999999999/"),
        ("get", "/api/v1/incidents/1.json"),
        ("get", "/api/v1/incidents/1/attachments/0.5/"),
        ("post", "/api/v1/public/cameras/abc/stream/"),
        ("get", "/api/v1/people/-1/"),
        ("get", "/api/v1/tidak-ada/"),
    ],
)
def test_a_bad_id_or_an_unknown_api_route_is_a_json_404(signed_in, settings, method, path):
    settings.DEBUG = True  # as the demo runs: Django's own 404 page would be its debug page
    response = getattr(signed_in("admin.provinsi"), method)(path)
    assert _is_json_refusal(response, 404) == {"detail": "Tidak ditemukan."}


def test_a_page_with_an_id_too_long_for_the_database_is_a_404(signed_in):
    client = signed_in("staf.kebonjeruk")
    assert client.get("/kamera/99999999999999999999999/").status_code == 404
    assert client.get("/kejadian/99999999999999999999999/").status_code == 404


# --- Query strings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=1&page_size=2", "page_size"),
        ("page_size=abc", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=1001", "page_size"),
        ("page=0", "page"),
        ("page=last", "page"),
        ("status=online&status=offline", "status"),
        ("status=rusak", "status"),
        ("public=mungkin", "public"),
        ("area=31.73%0A", "area"),
    ],
)
def test_query_parameters_are_checked_as_the_schema_says(signed_in, query, field):
    response = signed_in("staf.kebonjeruk").get(f"/api/v1/cameras/?{query}")
    assert field in _is_json_refusal(response, 400)


def test_a_page_past_the_end_is_a_json_404(signed_in):
    response = signed_in("staf.kebonjeruk").get("/api/v1/cameras/?page=999")
    assert _is_json_refusal(response, 404)["detail"]


# --- Bodies: types and dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"text": 0, "area": KEBON_JERUK}, "text", "Isian ini harus berupa teks."),
        ({"text": "x", "shift": "1"}, "shift", "Isian ini harus berupa angka."),
        ({"text": "x", "shift": True}, "shift", "Isian ini harus berupa angka."),
        ({"text": "x", "area": 31}, "area", "Kode wilayah tidak valid."),
    ],
)
def test_json_values_of_the_wrong_type_are_refused(signed_in, body, field, message):
    response = signed_in("piket.kebonjeruk").post("/api/v1/notes/", body, content_type=JSON)
    assert _is_json_refusal(response, 400)[field] == [message]


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1999-12-31T23:00:00+14:00"]
)
def test_extreme_valid_until_on_people_and_assignments_is_a_400(demo_users, signed_in, moment):
    client = signed_in("admin.provinsi")
    person = demo_users["fkdm.tebetbarat"]
    grant = {"role": "relawan_fkdm", "area": KEBON_JERUK, "valid_until": moment}
    assignment = {"person": person.pk, **grant}
    answer = _is_json_refusal(client.post(ASSIGNMENTS, assignment, content_type=JSON), 400)
    assert answer == {"valid_until": [YEARS]}
    invite = {"email": "baru@mail.test", "first_name": "Baru", **grant}
    answer = _is_json_refusal(client.post("/api/v1/people/", invite, content_type=JSON), 400)
    assert answer == {"valid_until": [YEARS]}
    page = client.post(f"/kelola/orang/{person.pk}/peran/", {**grant, "valid_until": moment[:16]})
    assert page.status_code == 400 and YEARS in page.content.decode()
    assert not RoleAssignment.objects.filter(user=person, area_id=KEBON_JERUK).exists()


@pytest.mark.parametrize(
    "query",
    ["since=0001-01-01T00:00:00", "since=9999-12-31T23:59:59"],
)
def test_extreme_dates_in_api_filters_are_a_400(signed_in, query):
    client = signed_in("staf.kebonjeruk")
    assert _is_json_refusal(client.get(f"/api/v1/incidents/?{query}"), 400) == {"since": [YEARS]}
    assert _is_json_refusal(client.get(f"/api/v1/notes/?{query}"), 400) == {"since": [YEARS]}
    shifts = client.get(f"/api/v1/shifts/?date={query[6:16]}")
    assert _is_json_refusal(shifts, 400) == {"date": [YEARS]}


@pytest.mark.parametrize(
    "path",
    [
        "/jejak/?date_from=0001-01-01&date_to=9999-12-31",
        "/jejak/csv/?date_from=0001-01-01&date_to=9999-12-31",
        "/riwayat/menonton/wilayah/?date_from=0001-01-01&date_to=9999-12-31",
    ],
)
def test_extreme_dates_in_the_trail_and_viewing_audit_are_form_errors(signed_in, path):
    page = signed_in("operator.jakbar").get(path)
    assert page.status_code in {200, 400} and YEARS in page.content.decode()


def test_the_viewing_audit_csv_leaves_an_extreme_date_out(signed_in):
    download = signed_in("operator.jakbar").get("/riwayat/menonton/wilayah/csv/?date_to=9999-12-31")
    assert download.status_code == 200
    assert b"".join(download).decode().startswith("\ufeff")  # read to the end: no overflow


@pytest.mark.parametrize("query", ["month_to=9999-12", "month_from=0001-01&month_to=2026-01"])
def test_extreme_months_in_reports_are_form_errors(signed_in, query):
    client = signed_in("staf.kebonjeruk")
    page = client.get(f"/laporan/?{query}")
    assert page.status_code == 400 and YEARS in page.content.decode()
    download = client.get(f"/laporan/sla.csv?{query}")
    assert download.status_code == 400 and YEARS in download.content.decode()


# --- An empty multipart body, through daphne ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_empty_multipart_body_on_an_incident_action_answers_json(demo_users):
    create_agencies()
    incident = _incident(demo_users)
    _token, key = ApiToken.issue(user=demo_users["staf.kebonjeruk"], name="uji")
    boundary = "c637e12e2b1a998d80d1b087531af51c"
    with LiveDaphne() as server:
        for action in ("acknowledge", "escalate", "comment"):
            request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
                f"{server.url}/api/v1/incidents/{incident.pk}/{action}/",
                data=f"--{boundary}--\r\n".encode(),
                headers={
                    "Authorization": f"Token {key}",
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                },
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    status, headers, body = response.status, response.headers, response.read()
            except HTTPError as refused:
                status, headers, body = refused.code, refused.headers, refused.read()
            assert headers["Content-Type"] == "application/json", (action, status, body)
            assert status in {200, 400, 409} and json.loads(body), (action, status, body)
