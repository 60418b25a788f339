"""Ingest endpoints: citizen reports (JAKI) and detector findings become incidents in the right
area, once per external id, within the service account's area, with clear refusals."""

import base64
import io
import json

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from cameras.models import Camera
from incidents.models import Incident, IncidentAttachment, IncidentEvent
from kelurahan.demo import DEMO_USERS
from kelurahan.models import ApiToken
from tests.figures import MATRIX_CASES
from tests.personas import KEBON_JERUK, TEBET_BARAT, make_user

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/ingest/reports/"
DETECTIONS = "/api/v1/ingest/detections/"
# Centroids of the official (simplified) boundaries, each inside its own kelurahan.
IN_KEBON_JERUK = (-6.195003584375161, 106.77213489761992)
IN_TEBET_BARAT = (-6.234940786012193, 106.84898016616786)
IN_BANDUNG = (-6.9175, 107.6191)


@pytest.fixture
def boundaries(demo_areas, official_areas):
    """The official list and kelurahan boundaries, so a GPS point finds its kelurahan."""


def _client_for(user):
    _token, key = ApiToken.issue(user=user, name="integrasi")
    return Client(headers={"Authorization": f"Token {key}"})


@pytest.fixture
def jaki(boundaries):
    """The JAKI integration account, operator for Jakarta Barat, and its API client."""
    account = make_user("jaki.jakbar", "operator", "31.73")
    return account, _client_for(account)


@pytest.fixture
def detector(demo_cameras):
    account = make_user("detektor.tebet", "operator", "31.74.01")
    return account, _client_for(account)


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def _report(**fields):
    body = {
        "external_id": "JAKI-2026-000123",
        "category": "Banjir",
        "description": "Air setinggi lutut di depan gang 5 sejak subuh.",
        "lat": IN_KEBON_JERUK[0],
        "lon": IN_KEBON_JERUK[1],
        "reporter": {"name": "Ibu Sri", "contact": "0812-3456-7890"},
        "jaki_status": "Menunggu",
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


def _jpeg_with_gps():
    image = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "Ponsel Pelapor"  # Make
    exif[0x8825] = {1: "S", 2: (6.0, 11.0, 42.0), 3: "E", 4: (106.0, 46.0, 19.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(0x8825)
    return out.getvalue()


# --- Reports ----------------------------------------------------------------------------------


def test_a_report_lands_in_the_kelurahan_of_its_point(jaki):
    account, client = jaki
    response = _post(client, REPORTS, _report())
    assert response.status_code == 201, response.content
    data = response.json()
    incident = Incident.objects.get(pk=data["id"])
    assert (incident.area_id, incident.level, incident.source) == (KEBON_JERUK, "kelurahan", "jaki")
    assert (incident.category, incident.severity, incident.status) == ("banjir", "sedang", "baru")
    assert incident.jaki_status == "Menunggu" and incident.external_id == "JAKI-2026-000123"
    # The account files it; the citizen stays confidential, and out of the answer.
    assert incident.reporter == account and incident.reporter_confidential
    assert (incident.reporter_name, incident.reporter_contact) == ("Ibu Sri", "0812-3456-7890")
    assert "Ibu Sri" not in response.content.decode() and "0812" not in response.content.decode()
    assert data["area"] == KEBON_JERUK and data["status"] == "baru"
    created = IncidentEvent.objects.get(incident=incident)
    assert (created.kind, created.actor) == ("dibuat", account)


def test_the_same_report_again_creates_nothing_and_follows_jaki_status(jaki):
    _account, client = jaki
    first = _post(client, REPORTS, _report()).json()
    again = _post(client, REPORTS, _report())
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert Incident.objects.count() == 1 and IncidentEvent.objects.count() == 1
    moved = _post(client, REPORTS, _report(jaki_status="Proses"))
    assert moved.status_code == 200 and moved.json()["jaki_status"] == "Proses"
    incident = Incident.objects.get()
    assert incident.jaki_status == "Proses" and incident.status == "baru"  # ours: officers'
    external = IncidentEvent.objects.get(incident=incident, kind="eksternal")
    assert external.data == {"jaki_status": {"from": "Menunggu", "to": "Proses"}}
    assert "Menunggu → Proses" in external.note
    _post(client, REPORTS, _report(jaki_status="proses"))  # same status, any spelling
    assert IncidentEvent.objects.filter(kind="eksternal").count() == 1


def test_the_same_report_arriving_twice_at_once_makes_one_incident(jaki, monkeypatch):
    """Both calls find nothing and try to create: the database's unique (source, external id)
    lets one through; the other answers with that incident instead of an error."""
    account, _client = jaki
    from incidents import ingest

    real = ingest._already_ingested
    looked = []

    def not_yet_on_first_look(*args):
        looked.append(args)
        return None if len(looked) == 1 else real(*args)

    first, created = ingest.report_ingest(by=account, data=_validated(account))
    assert created
    monkeypatch.setattr(ingest, "_already_ingested", not_yet_on_first_look)
    second, created = ingest.report_ingest(by=account, data=_validated(account))
    assert not created and second.pk == first.pk and len(looked) == 2
    assert Incident.objects.count() == 1


def _validated(account):
    from incidents.ingest_api import ReportSerializer

    serializer = ReportSerializer(data=_report(), context={"user": account})
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


def test_jaki_statuses_map_onto_ours(jaki):
    _account, client = jaki
    expected = {
        "Menunggu": "baru",
        "Koordinasi": "diterima",
        "Disposisi": "diterima",
        "Proses": "ditangani",
        "Selesai": "selesai",
    }
    for number, (theirs, ours) in enumerate(expected.items()):
        body = _report(external_id=f"JAKI-{number}", jaki_status=theirs.upper())
        data = _post(client, REPORTS, body).json()
        assert (data["jaki_status"], data["status"]) == (theirs, ours)


def test_categories_map_and_unknown_ones_are_kept_as_lainnya(jaki):
    _account, client = jaki
    cases = {
        "pohon_tumbang": "pohon_tumbang",
        "Pohon Tumbang": "pohon_tumbang",
        "Genangan": "banjir",
        "Kebakaran": "kebakaran",
        "Jalan Rusak": "lainnya",
    }
    for number, (theirs, ours) in enumerate(cases.items()):
        data = _post(client, REPORTS, _report(external_id=f"K-{number}", category=theirs)).json()
        assert data["category"] == ours, theirs
    assert Incident.objects.get(external_id="K-3").severity == "tinggi"  # fire starts high
    assert Incident.objects.get(external_id="K-4").title == "Laporan warga: Jalan Rusak"


def test_a_kelurahan_rw_or_rt_code_may_replace_the_point(jaki):
    _account, client = jaki
    body = _report(lat=None, lon=None, kelurahan="31.73.05.1001.002")
    response = _post(client, REPORTS, body)
    assert response.status_code == 201
    assert Incident.objects.get().area_id == "31.73.05.1001.002"


def test_photos_are_cleaned_before_they_are_kept(jaki, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _account, client = jaki
    photo = _jpeg_with_gps()
    as_data_url = "data:image/jpeg;base64," + base64.b64encode(photo).decode()
    body = _report(photos=[as_data_url, base64.b64encode(photo).decode()])
    response = _post(client, REPORTS, body)
    assert response.status_code == 201 and response.json()["attachments"] == 2
    for attachment in IncidentAttachment.objects.all():
        with attachment.image.open("rb") as stored:
            kept = Image.open(stored)
            assert kept.format == "JPEG" and kept.size == (64, 48)
            assert not kept.getexif()  # no GPS, no camera make
    assert IncidentEvent.objects.filter(kind="lampiran").count() == 2


def test_multipart_reports_with_photo_files(jaki, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _account, client = jaki
    photo = io.BytesIO(_jpeg_with_gps())
    photo.name = "IMG_2026_rumah_bu_sri.jpg"
    form = {
        "external_id": "JAKI-MP-1",
        "category": "kebakaran",
        "description": "Asap dari gudang",
        "lat": str(IN_KEBON_JERUK[0]),
        "lon": str(IN_KEBON_JERUK[1]),
        "reporter.name": "Pak Budi",
        "photos": [photo],
    }
    response = client.post(REPORTS, form)
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert incident.reporter_name == "Pak Budi" and incident.attachments.count() == 1
    assert "rumah_bu_sri" not in incident.attachments.get().image.name


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (_report(external_id=None), "external_id", "Bidang ini harus diisi."),
        (_report(description=""), "description", "Bidang ini tidak boleh kosong."),
        (_report(lon=None), "lon", "lintang dan bujur bersama"),
        (_report(lat=None, lon=None), "kelurahan", "titik lokasi"),
        (_report(lat="enam"), "lat", "Harus berupa angka."),
        (_report(lat=IN_BANDUNG[0], lon=IN_BANDUNG[1]), "lat", "di luar wilayah DKI Jakarta"),
        (_report(lat=None, lon=None, kelurahan="31.99.99.9999"), "kelurahan", "tidak ada"),
        (_report(lat=None, lon=None, kelurahan="31.73"), "kelurahan", "tidak ada"),
        (_report(jaki_status="Ditolak"), "jaki_status", "Status JAKI tidak dikenal"),
        (_report(severity="parah"), "severity", "tidak ada dalam daftar pilihan"),
        (_report(reporter="Ibu Sri"), "reporter", "objek JSON"),
        (_report(photos=["bukan base64!"]), "photos", "base64 tidak valid"),
        (_report(photos=[base64.b64encode(b"GIF89a....").decode()]), "photos", "JPEG, PNG"),
        (_report(photos="abc"), "photos", "daftar gambar"),
        (_report(photos=["x"] * 6), "photos", "Paling banyak 5 gambar"),
    ],
)
def test_bad_reports_get_400_with_field_errors_in_indonesian(jaki, body, field, message):
    _account, client = jaki
    response = _post(client, REPORTS, body)
    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json()[field], ensure_ascii=False)
    assert not Incident.objects.exists()


def test_unreadable_or_oversized_bodies_are_refused_cleanly(jaki):
    _account, client = jaki
    broken = client.post(REPORTS, "{bukan json", content_type="application/json")
    assert broken.status_code == 400 and "tidak dapat dibaca" in broken.json()["detail"]
    listed = client.post(REPORTS, "[1, 2]", content_type="application/json")
    assert listed.status_code == 400 and "objek JSON" in json.dumps(listed.json())
    huge = client.post(
        REPORTS, "{}", content_type="application/json", headers={"Content-Length": "999999999"}
    )
    assert huge.status_code == 413 and "terlalu besar" in huge.json()["detail"]
    assert client.post(REPORTS, "x", content_type="text/plain").status_code == 415
    assert not Incident.objects.exists()


def test_an_account_reports_only_within_its_area(jaki):
    _account, client = jaki
    body = _report(lat=IN_TEBET_BARAT[0], lon=IN_TEBET_BARAT[1])
    response = _post(client, REPORTS, body)
    assert response.status_code == 403
    assert "wilayah tugas" in response.json()["detail"]
    by_code = _post(client, REPORTS, _report(lat=None, lon=None, kelurahan=TEBET_BARAT))
    assert by_code.status_code == 403
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "username, allowed",
    [
        ("fkdm.kebonjeruk", set()),  # reports, nothing more
        ("piket.kebonjeruk", {"Koordinasi", "Disposisi", "Proses"}),  # acknowledges, never closes
        ("staf.kebonjeruk", {"Koordinasi", "Disposisi", "Proses", "Selesai"}),
    ],
)
def test_a_token_sets_only_the_statuses_its_person_may_set(
    boundaries, demo_users, username, allowed
):
    """An FKDM volunteer's token cannot file a finished incident: a JAKI status is applied only
    for accounts whose role may move an incident to it, on creation and on a later update."""
    client = _client_for(demo_users[username])
    for theirs in ("Koordinasi", "Disposisi", "Proses", "Selesai"):
        external_id = f"{username}:{theirs}"
        response = _post(client, REPORTS, _report(external_id=external_id, jaki_status=theirs))
        made = Incident.objects.filter(external_id=external_id)
        if theirs in allowed:
            assert response.status_code == 201, (theirs, response.content)
        else:
            assert response.status_code == 403, theirs
            assert response.json()["detail"].startswith("Peran Anda tidak mengizinkan menetapkan")
            assert not made.exists()
    # A report filed as waiting cannot be moved on either, not even JAKI's word for it.
    first = _post(client, REPORTS, _report(external_id=f"{username}:nanti"))
    assert first.status_code == 201
    later = _post(client, REPORTS, _report(external_id=f"{username}:nanti", jaki_status="Selesai"))
    incident = Incident.objects.get(external_id=f"{username}:nanti")
    if "Selesai" in allowed:
        assert later.status_code == 200 and incident.jaki_status == "Selesai"
    else:
        assert later.status_code == 403 and incident.jaki_status == "Menunggu"
    assert incident.status == "baru"


def test_another_accounts_external_id_is_neither_reused_nor_revealed(jaki):
    _account, client = jaki
    first = _post(client, REPORTS, _report()).json()
    other = _client_for(make_user("jaki.lain", "admin_provinsi", "31"))
    response = _post(other, REPORTS, _report(jaki_status="Selesai"))
    assert response.status_code == 409
    assert str(first["id"]) not in response.content.decode()
    assert Incident.objects.get().jaki_status == "Menunggu"


def test_sessions_and_bad_tokens_cannot_ingest(jaki, demo_users):
    session = Client()
    session.force_login(demo_users["staf.kebonjeruk"])
    for client in (session, Client(), Client(headers={"Authorization": "Token salah"})):
        response = _post(client, REPORTS, _report())
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Token"
    assert not Incident.objects.exists()


# --- Detections -------------------------------------------------------------------------------


def _detection(**fields):
    body = {
        "external_id": "det-001",
        "camera": "tebet-eco-park-utara",
        "type": "smoke",
        "confidence": 0.87,
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


def test_a_detection_lands_on_its_camera(detector, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    account, client = detector
    snapshot = base64.b64encode(_jpeg_with_gps()).decode()
    response = _post(client, DETECTIONS, _detection(snapshot=snapshot))
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    camera = Camera.objects.get(code="tebet-eco-park-utara")
    assert (incident.camera, incident.area_id, incident.source) == (
        camera,
        camera.area_id,
        "detektor",
    )
    assert (incident.category, incident.severity) == ("kebakaran", "sedang")
    assert incident.reporter == account and "87%" in incident.description
    assert response.json()["camera"] == "tebet-eco-park-utara"
    assert incident.attachments.count() == 1
    again = _post(client, DETECTIONS, _detection(snapshot=snapshot))
    assert again.status_code == 200 and again.json()["id"] == incident.pk
    assert Incident.objects.count() == 1 and IncidentAttachment.objects.count() == 1


def test_detection_types_map_onto_categories(detector):
    _account, client = detector
    expected = {"crowd": "kerumunan", "fire": "kebakaran", "fight": "tawuran", "flood": "banjir"}
    for kind, category in expected.items():
        data = _post(client, DETECTIONS, _detection(external_id=kind, type=kind)).json()
        assert data["category"] == category
    assert Incident.objects.get(external_id="fire").severity == "tinggi"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (_detection(camera="tidak-ada"), "camera", "tidak dikenal"),
        (_detection(camera="kebonjeruk-simpang"), "camera", "tidak dikenal"),  # not theirs
        (_detection(type="alien"), "type", "tidak ada dalam daftar pilihan"),
        (_detection(confidence=1.5), "confidence", "kurang atau sama dengan 1"),
        (_detection(confidence=None), "confidence", "Bidang ini harus diisi."),
        (_detection(snapshot="AAAA"), "snapshot", "JPEG, PNG"),
    ],
)
def test_bad_detections_get_400_in_indonesian(detector, body, field, message):
    _account, client = detector
    response = _post(client, DETECTIONS, body)
    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json()[field], ensure_ascii=False)
    assert not Incident.objects.exists()


# --- Leak matrix: every token × every place ---------------------------------------------------

# Kelurahan, RW and RT in and out of each persona's area.
PLACES = [
    KEBON_JERUK,
    "31.73.05.1001.002",
    "31.73.05.1001.002.003",
    "31.73.05.1002",  # Sukabumi Utara, same kecamatan
    "31.74.01.1001",  # Tebet Timur
    TEBET_BARAT,
    "31.74.01.1002.001.001",
]
# The demo personas whose role may close an incident (resolve_incident).
RESOLVERS = {
    "admin.provinsi",
    "operator.jakbar",
    "operator.tebet",
    "staf.kebonjeruk",
    "staf.tebetbarat",
}
CAMERAS = [
    "kebonjeruk-simpang",
    "kebonjeruk-gang-masjid",
    "sukabumiutara-arjuna",
    "kelapadua-kali",
    "tebet-eco-park-utara",
    "tebetbarat-pos-rw004",
    "tebettimur-dalam-raya",
    "taman-suropati",
]


def _covers(scope, code):
    return any(code == s or code.startswith(s + ".") for s in scope)


@pytest.fixture
def token_personas(demo_users, lapsed_users, demo_cameras):
    """Each demo persona as a service account with a token, tokens that must not work (revoked,
    account deactivated, assignment expired, revoked or not started), and no token at all."""
    people = [(d.username, _client_for(demo_users[d.username]), (d.area_code,)) for d in DEMO_USERS]
    people += [(name, _client_for(user), ()) for name, user in lapsed_users.items()]
    revoked = make_user("token.dicabut", "operator", "31")
    client = _client_for(revoked)
    ApiToken.objects.filter(user=revoked).update(revoked_at=timezone.now())
    people += [("token.dicabut", client, ()), ("tanpa token", Client(), ())]
    return people


def test_leak_matrix_ingest(token_personas):
    cases = 0
    for name, client, scope in token_personas:
        for place in PLACES:
            body = _report(external_id=f"{name}:{place}", lat=None, lon=None, kelurahan=place)
            response = _post(client, REPORTS, body)
            where = f"{name} → report in {place}: {response.status_code}"
            made = Incident.objects.filter(external_id=body["external_id"])
            if _covers(scope, place):
                assert response.status_code == 201, where
                assert made.get().area_id == place, where
            else:
                assert response.status_code in {401, 403}, where
                assert not made.exists() and '"id"' not in response.content.decode(), where
            # Filed as finished: only where the account may also close incidents.
            body = _report(
                external_id=f"{name}:{place}:selesai",
                lat=None,
                lon=None,
                kelurahan=place,
                jaki_status="Selesai",
            )
            response = _post(client, REPORTS, body)
            closes = _covers(scope, place) and name in RESOLVERS
            assert response.status_code == (201 if closes else 403) or (
                not scope and response.status_code == 401
            ), f"{name} → finished report in {place}: {response.status_code}"
            assert Incident.objects.filter(external_id=body["external_id"]).exists() is closes
            cases += 2
        for code in CAMERAS:
            camera = Camera.objects.get(code=code)
            body = _detection(external_id=f"{name}:{code}", camera=code)
            response = _post(client, DETECTIONS, body)
            where = f"{name} → detection on {code}: {response.status_code}"
            made = Incident.objects.filter(external_id=body["external_id"])
            if _covers(scope, camera.area_id):
                assert response.status_code == 201, where
                assert made.get().camera == camera, where
            else:
                # An unknown camera and someone else's camera get the same answer.
                assert response.status_code in {400, 401, 403}, where
                assert not made.exists() and '"id"' not in response.content.decode(), where
                if response.status_code == 400:
                    assert response.json() == {"camera": ["Kamera dengan kode ini tidak dikenal."]}
            cases += 1
    MATRIX_CASES["ingest (tokens × places and cameras)"] = cases
