"""The incident and agency API: shapes, filters, ordering, paging, actions with their refusals
(409 for a status the incident cannot take, 400 with field errors for bad input), attachments
and the reporter's confidentiality."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from incidents.models import Incident, IncidentEvent
from incidents.services import incident_acknowledge, incident_escalate
from kelurahan.models import ApiToken
from tests.incident_helpers import demo_agencies, jpeg_with_gps, raise_incident
from tests.personas import (
    BANDUNG,
    KEBON_JERUK,
    KEBON_JERUK_POINT,
    KEBON_JERUK_RT,
    TEBET_BARAT,
    TEBET_BARAT_POINT,
    make_user,
)

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api(signed_in):
    clients = {}

    def client_for(username):
        if username not in clients:  # an admin enrols TOTP once
            clients[username] = signed_in(username)
        return clients[username]

    return client_for


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_detail_carries_id_level_status_area_deadlines_timeline_and_attachments(api, demo_users):
    staf = demo_users["staf.kebonjeruk"]
    incident = raise_incident(staf, severity="darurat", description="Api di gudang")
    client = api("staf.kebonjeruk")
    upload = SimpleUploadedFile("foto.jpg", jpeg_with_gps(), content_type="image/jpeg")
    attached = client.post(f"/api/v1/incidents/{incident.pk}/attach/", {"image": upload})
    assert attached.status_code == 201
    data = client.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert data["id"] == incident.pk
    assert (data["level"], data["status"], data["area"], data["responsible_area"]) == (
        "kelurahan",
        "baru",
        KEBON_JERUK,
        KEBON_JERUK,
    )
    assert data["area_name"] == "Kebon Jeruk" and data["severity"] == "darurat"
    created = timezone.datetime.fromisoformat(data["created_at"])
    ack_due = timezone.datetime.fromisoformat(data["ack_due_at"])
    assert ack_due - created == timedelta(minutes=5)
    assert timezone.datetime.fromisoformat(data["resolve_due_at"]) - created == timedelta(days=6)
    assert data["deadline"] == data["ack_due_at"] and data["overdue"] is False
    assert data["allowed_statuses"] == ["diterima", "ditutup"]
    assert [e["kind"] for e in data["timeline"]] == ["dibuat", "lampiran"]
    first = data["timeline"][0]
    assert first["actor"] == "staf.kebonjeruk" and first["note"] == "Api di gudang"
    assert set(first) == {"at", "kind", "kind_label", "actor", "note", "agency", "data", "change"}
    (attachment,) = data["attachments"]
    assert attachment["content_type"] == "image/jpeg" and attachment["width"] == 32
    url = attachment["url"]
    assert url == (
        f"http://testserver/api/v1/incidents/{incident.pk}/attachments/{attachment['id']}/"
    )
    image = client.get(url, HTTP_ACCEPT="image/*")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    content = b"".join(image.streaming_content)
    assert dict(Image.open(io.BytesIO(content)).getexif()) == {}  # no GPS, no EXIF at all
    assert data["page_url"] == f"http://testserver/kejadian/{incident.pk}/"


def test_list_filters_ordering_and_paging(api, demo_users):
    piket = demo_users["piket.kebonjeruk"]
    now = timezone.now()
    old = raise_incident(piket, category="banjir", severity="rendah", now=now - timedelta(days=8))
    fire = raise_incident(piket, category="kebakaran", severity="darurat", now=now)
    rt = raise_incident(
        piket, area_code=KEBON_JERUK_RT, severity="sedang", now=now - timedelta(seconds=10)
    )
    up = raise_incident(piket, severity="tinggi", now=now - timedelta(minutes=1))
    incident_escalate(incident_id=up.pk, by=piket)
    incident_acknowledge(incident_id=rt.pk, by=piket)
    client = api("staf.kebonjeruk")

    assert _ids(client.get("/api/v1/incidents/")) == [fire.pk, rt.pk, up.pk, old.pk]
    assert _ids(client.get("/api/v1/incidents/?ordering=created")) == [
        old.pk,
        up.pk,
        rt.pk,
        fire.pk,
    ]
    # Time left: the overdue one first; rt is acknowledged, so its 6-day follow-up counts.
    assert _ids(client.get("/api/v1/incidents/?ordering=deadline")) == [
        old.pk,
        fire.pk,
        up.pk,
        rt.pk,
    ]
    assert _ids(client.get(f"/api/v1/incidents/?area={KEBON_JERUK_RT}")) == [rt.pk]
    assert _ids(client.get("/api/v1/incidents/?status=diterima")) == [rt.pk]
    assert _ids(client.get("/api/v1/incidents/?status=terbuka")) == [fire.pk, rt.pk, up.pk, old.pk]
    assert _ids(client.get("/api/v1/incidents/?category=kebakaran")) == [fire.pk]
    assert _ids(client.get("/api/v1/incidents/?severity=tinggi")) == [up.pk]
    assert _ids(client.get("/api/v1/incidents/?level=kecamatan")) == [up.pk]
    assert _ids(client.get("/api/v1/incidents/?overdue=true")) == [old.pk]
    assert _ids(client.get("/api/v1/incidents/?overdue=false")) == [fire.pk, rt.pk, up.pk]
    since = (now - timedelta(minutes=2)).isoformat()
    assert _ids(client.get("/api/v1/incidents/", {"since": since})) == [fire.pk, rt.pk, up.pk]
    page = client.get("/api/v1/incidents/?page_size=2").json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
    assert "timeline" not in page["results"][0]  # the list stays light


def test_list_rows_say_what_the_detail_says(api, demo_users, demo_cameras):
    """The list writes its fields out by hand (for speed); each row must carry exactly the
    detail's fields and values, less the timeline, attachments and allowed statuses."""
    piket = demo_users["piket.kebonjeruk"]
    now = timezone.now()
    raise_incident(piket, category="banjir", severity="rendah", now=now - timedelta(days=8))
    camera = demo_cameras["kebonjeruk-simpang"]
    seen = raise_incident(piket, camera=camera, lat=-6.1937, lon=106.7695, description="Ramai")
    incident_acknowledge(incident_id=seen.pk, by=piket)
    incident_escalate(incident_id=raise_incident(piket, severity="darurat").pk, by=piket)
    raise_incident(
        None, source="jaki", reporter_name="Pak Budi", jaki_status="proses", area_code=KEBON_JERUK
    )
    for username in ("staf.kebonjeruk", "fkdm.kebonjeruk", "admin.provinsi"):
        client = api(username)
        rows = client.get("/api/v1/incidents/").json()["results"]
        assert len(rows) == 4, username
        for row in rows:
            detail = client.get(f"/api/v1/incidents/{row['id']}/").json()
            for only_in_detail in ("timeline", "attachments", "allowed_statuses"):
                del detail[only_in_detail]
            assert row == detail, username


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("area=semua", "area"),
        ("status=hilang", "status"),
        ("category=gempa", "category"),
        ("severity=parah", "severity"),
        ("level=rw", "level"),
        ("since=kemarin", "since"),
        ("ordering=judul", "ordering"),
    ],
)
def test_bad_filters_get_400_with_field_errors(api, query, field):
    response = api("staf.kebonjeruk").get(f"/api/v1/incidents/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field] and response.json()[field][0]


def test_create_by_area_gps_or_camera(api, demo_users, demo_cameras, official_areas):
    client = api("piket.kebonjeruk")
    base = {"category": "kecelakaan", "severity": "tinggi"}

    by_area = client.post(
        "/api/v1/incidents/", {**base, "area": KEBON_JERUK_RT}, content_type="application/json"
    )
    assert by_area.status_code == 201
    assert by_area.json()["area"] == KEBON_JERUK_RT
    assert by_area.json()["title"] == "Kecelakaan di RT 003/RW 002"
    lat, lon = KEBON_JERUK_POINT
    by_gps = client.post(
        "/api/v1/incidents/", {**base, "lat": lat, "lon": lon}, content_type="application/json"
    )
    assert by_gps.status_code == 201 and by_gps.json()["area"] == KEBON_JERUK
    camera = demo_cameras["kebonjeruk-pasar"]
    by_camera = client.post(
        "/api/v1/incidents/",
        {**base, "camera": camera.pk, "title": "Tabrakan motor"},
        content_type="application/json",
    )
    assert by_camera.status_code == 201
    assert (by_camera.json()["area"], by_camera.json()["camera"]) == (camera.area_id, camera.pk)
    sources = set(Incident.objects.values_list("source", flat=True))
    assert sources == {"api"}

    def refused(payload):
        response = client.post("/api/v1/incidents/", payload, content_type="application/json")
        return response.status_code, response.json()

    lat, lon = BANDUNG
    status, body = refused({**base, "lat": lat, "lon": lon})
    assert status == 400 and "di luar wilayah DKI Jakarta" in body["lat"][0]
    status, body = refused({**base, "lat": lat})
    assert status == 400 and body == {"lat": ["Isi lintang dan bujur bersama-sama."]}
    status, body = refused(base)
    assert status == 400 and "Sebutkan wilayah" in body["area"][0]
    status, body = refused({**base, "area": "31.73.05"})  # a kecamatan is not a place
    assert status == 400 and body["area"]
    status, body = refused({"severity": "gawat", "area": KEBON_JERUK})
    assert status == 400 and set(body) == {"category", "severity"}
    status, body = refused({**base, "camera": demo_cameras["tebet-eco-park-utara"].pk})
    assert status == 400 and body["camera"]  # another area's camera does not exist for them
    status, body = refused({**base, "area": TEBET_BARAT})
    assert status == 403 and body == {"detail": "Anda hanya dapat melapor di wilayah tugas Anda."}
    assert Incident.objects.count() == 3


def test_a_point_must_lie_in_the_incidents_own_kelurahan(
    api, demo_cameras, official_areas, settings, tmp_path
):
    """The API stored Tebet Barat coordinates on a Kebon Jeruk incident: refused, on every path
    that names a place and a point (area, camera, outside systems' reports)."""
    client = api("piket.kebonjeruk")
    base = {"category": "kecelakaan", "severity": "tinggi"}
    lat, lon = TEBET_BARAT_POINT
    message = "Titik lokasi berada di luar Kelurahan Kebon Jeruk: pilih titik di wilayah kejadian."
    for place in ({"area": KEBON_JERUK}, {"area": KEBON_JERUK_RT}):
        response = client.post(
            "/api/v1/incidents/", {**base, **place, "lat": lat, "lon": lon}, content_type=JSON
        )
        assert response.status_code == 400 and response.json() == {"lat": [message]}, place
    camera = demo_cameras["kebonjeruk-pasar"]
    by_camera = client.post(
        "/api/v1/incidents/",
        {**base, "camera": camera.pk, "lat": lat, "lon": lon},
        content_type=JSON,
    )
    assert by_camera.status_code == 400 and by_camera.json() == {"lat": [message]}
    assert not Incident.objects.exists()
    # A point inside the kelurahan is kept, with the RT chosen.
    lat, lon = KEBON_JERUK_POINT
    kept = client.post(
        "/api/v1/incidents/",
        {**base, "area": KEBON_JERUK_RT, "lat": lat, "lon": lon},
        content_type=JSON,
    )
    assert kept.status_code == 201
    assert (kept.json()["area"], kept.json()["lat"], kept.json()["lon"]) == (
        KEBON_JERUK_RT,
        lat,
        lon,
    )
    # An outside system naming Kebon Jeruk with a Tebet Barat point: the same refusal.
    _token, key = ApiToken.issue(user=make_user("jaki.barat", "operator", "31.73"), name="jaki")
    jaki = Client(headers={"Authorization": f"Token {key}"})
    report = {
        "external_id": "JAKI-1",
        "category": "Banjir",
        "description": "Air naik.",
        "kelurahan": KEBON_JERUK,
        "lat": TEBET_BARAT_POINT[0],
        "lon": TEBET_BARAT_POINT[1],
    }
    answer = jaki.post("/api/v1/ingest/reports/", report, content_type=JSON)
    assert answer.status_code == 400 and answer.json() == {"detail": message}
    assert Incident.objects.count() == 1


def test_operator_report_answers_201_and_stays_visible_to_them(api):
    response = api("operator.jakbar").post(
        "/api/v1/incidents/",
        {"category": "kerumunan", "severity": "sedang", "area": KEBON_JERUK},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["level"] == "kelurahan" and response.json()["timeline"]


def test_actions_and_their_refusals(api, demo_users):
    agencies = demo_agencies()
    incident = raise_incident(demo_users["piket.kebonjeruk"])
    client = api("staf.kebonjeruk")
    url = f"/api/v1/incidents/{incident.pk}/"

    def act(action, payload=None):
        response = client.post(url + f"{action}/", payload or {}, content_type="application/json")
        return response.status_code, response.json()

    status, body = act("transition", {"to": "selesai"})
    assert status == 409
    assert body == {"detail": "Status Baru tidak dapat diubah menjadi Selesai."}
    status, body = act("acknowledge", {"note": "Diterima piket"})
    assert status == 200 and body["status"] == "diterima"
    assert act("acknowledge")[0] == 409
    status, body = act("transition", {"to": "ditutup"})
    assert status == 400 and body == {"reason": ["Sebutkan alasan kejadian ditutup."]}
    status, body = act("transition", {"to": "dibatalkan"})
    assert status == 400 and list(body) == ["to"]
    status, body = act("forward", {"agencies": []})
    assert status == 400 and body == {"agencies": ["Pilih minimal satu instansi."]}
    tebet = agencies["Polsek Tebet"].pk
    status, body = act("forward", {"agencies": [tebet]})
    assert status == 400 and str(tebet) in body["agencies"][0]
    chosen = [agencies["Polsek Kebon Jeruk"].pk, agencies["BPBD Provinsi DKI Jakarta"].pk]
    status, body = act("forward", {"agencies": chosen, "note": "Tawuran pelajar"})
    assert status == 200
    forwarded = [e for e in body["timeline"] if e["kind"] == "diteruskan"]
    assert {e["agency"]["name"] for e in forwarded} == {
        "Polsek Kebon Jeruk",
        "BPBD Provinsi DKI Jakarta",
    }
    assert act("comment", {"note": ""})[0] == 400
    assert act("comment", {"note": "Massa membubarkan diri"})[0] == 200
    status, body = act("escalate", {"note": "Perlu kecamatan"})
    assert status == 200 and body["level"] == "kecamatan" and body["responsible_area"] == "31.73.05"
    assert body["timeline"][-1]["change"] == "Kelurahan → Kecamatan"
    status, body = act("transition", {"to": "selesai", "note": "Aman"})
    assert status == 200 and body["status"] == "selesai" and body["allowed_statuses"] == []
    assert act("escalate")[0] == 409
    assert act("forward", {"agencies": chosen})[0] == 409

    bad = client.post(url + "attach/", {"image": SimpleUploadedFile("a.jpg", b"GIF89a..")})
    assert bad.status_code == 400 and "Hanya gambar JPEG" in bad.json()["image"][0]
    missing = client.post(url + "attach/", {})
    assert missing.status_code == 400 and "image" in missing.json()
    kinds = list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == [
        "dibuat",
        "diterima",
        "diteruskan",
        "diteruskan",
        "komentar",
        "dinaikkan",
        "status",
    ]


def test_roles_limit_actions_with_403(api, demo_users):
    incident = raise_incident(demo_users["piket.kebonjeruk"])
    fkdm = api("fkdm.kebonjeruk")
    response = fkdm.post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Peran Anda tidak mengizinkan tindakan ini."}
    piket = api("piket.kebonjeruk")
    close = piket.post(
        f"/api/v1/incidents/{incident.pk}/transition/",
        {"to": "ditutup", "reason": "ganda"},
        content_type="application/json",
    )
    assert close.status_code == 403
    assert (
        fkdm.post(f"/api/v1/incidents/{incident.pk}/comment/", {"note": "Ramai"}).status_code == 200
    )


def test_reporter_fields_only_for_roles_allowed(api, demo_users):
    raise_incident(None, source="jaki", reporter_name="Pak Budi", reporter_contact="budi@contoh.id")
    for username, sees in [
        ("admin.provinsi", True),
        ("staf.kebonjeruk", True),
        ("piket.kebonjeruk", False),
        ("fkdm.kebonjeruk", False),
    ]:
        client = api(username)
        listed = client.get("/api/v1/incidents/").json()["results"][0]
        detail = client.get(f"/api/v1/incidents/{listed['id']}/").json()
        for data in (listed, detail):
            assert ("reporter" in data) is sees, username
            assert ("Pak Budi" in str(data)) is sees and ("budi@contoh.id" in str(data)) is sees
        if sees:
            assert detail["reporter"] == {
                "name": "Pak Budi",
                "username": "",
                "contact": "budi@contoh.id",
            }
            assert detail["reporter_confidential"] is True


def test_agencies_endpoint(api, demo_users):
    demo_agencies()
    client = api("staf.tebetbarat")
    names = [a["name"] for a in client.get("/api/v1/agencies/").json()["results"]]
    assert names == [  # by kind, then name; those serving Tebet Barat or above it
        "BPBD Provinsi DKI Jakarta",
        "Sudin Gulkarmat Jakarta Selatan",
        "Dinas Sumber Daya Air Provinsi DKI Jakarta",
        "Dinas Perhubungan Provinsi DKI Jakarta",
        "Polsek Tebet",
    ]
    police = client.get("/api/v1/agencies/?kind=polisi").json()["results"]
    assert police == [
        {
            "id": police[0]["id"],
            "name": "Polsek Tebet",
            "kind": "polisi",
            "kind_label": "Polsek / Polres",
            "phone": "110",
            "email": "",
            "address": "",
            "areas": ["31.74.01"],
        }
    ]
    admin = api("admin.provinsi")
    serving = admin.get(f"/api/v1/agencies/?serving={KEBON_JERUK}").json()["results"]
    assert "Polsek Kebon Jeruk" in {a["name"] for a in serving}
    assert "Polsek Tebet" not in {a["name"] for a in serving}
    assert admin.get("/api/v1/agencies/?serving=x").status_code == 400
    assert admin.get("/api/v1/agencies/?kind=tentara").status_code == 400
    assert Client().get("/api/v1/agencies/").status_code == 403
