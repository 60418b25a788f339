"""The incident pages: the list with its filters and deadlines, raising one (camera, phone with
GPS and photo, shift note), one incident with its timeline and actions, attachments only through
the scoping door, the admin, and the leak matrix of every incident page and endpoint."""

import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from cameras.models import Camera
from common.images import clean_image
from incidents.models import Incident, IncidentEvent
from incidents.services import (
    incident_acknowledge,
    incident_attach,
    incident_comment,
    incident_escalate,
    incident_forward,
    incident_transition,
)
from shifts.models import Shift, ShiftNote, ShiftSlot
from tests.answers import shows
from tests.figures import MATRIX_CASES
from tests.incident_helpers import (
    demo_agencies,
    image_bytes,
    jpeg_with_gps,
    kecamatan_operators,
    raise_incident,
)
from tests.personas import (
    BANDUNG,
    KEBON_JERUK,
    KEBON_JERUK_POINT,
    KEBON_JERUK_RT,
    SUKABUMI_UTARA,
    TEBET_BARAT,
    enrol_totp,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def boundaries(demo_areas, official_areas):
    """The official list and kelurahan boundaries, so a GPS point finds its kelurahan."""


def _listed(response):
    return [int(n) for n in re.findall(r'data-incident="(\d+)"', response.content.decode())]


def _row(body, pk):
    return re.search(rf'<li[^>]*data-incident="{pk}".*?</li>', body, re.DOTALL).group(0)


def _photo(content=None, name="foto.jpg"):
    return SimpleUploadedFile(name, content or jpeg_with_gps(), content_type="image/jpeg")


# --- The list ---------------------------------------------------------------------------------


def test_list_shows_open_incidents_most_urgent_first_with_time_left(signed_in, demo_users):
    piket = demo_users["piket.kebonjeruk"]
    now = timezone.now()
    calm = raise_incident(piket, severity="rendah", title="Pohon miring", now=now)
    urgent = raise_incident(piket, severity="darurat", title="Rumah terbakar", now=now)
    late = raise_incident(piket, severity="sedang", title="Genangan", now=now - timedelta(hours=2))
    done = raise_incident(piket, title="Sudah beres")
    staf = demo_users["staf.kebonjeruk"]
    incident_acknowledge(incident_id=done.pk, by=staf)
    incident_transition(incident_id=done.pk, by=staf, to="selesai")

    response = signed_in("piket.kebonjeruk").get("/kejadian/")
    assert response.status_code == 200
    # Late first (its deadline passed), then darurat (5 min), then rendah (4 h); done is hidden.
    assert _listed(response) == [late.pk, urgent.pk, calm.pk]
    body = response.content.decode()
    row = _row(body, late.pk)
    assert "is-overdue" in row and "Terlambat" in row and "terlambat 1 jam" in row
    urgent_row = _row(body, urgent.pk)
    assert "sisa 4 menit" in urgent_row and "batas diterima" in urgent_row
    assert "is-overdue" not in urgent_row

    everything = signed_in("piket.kebonjeruk").get("/kejadian/?status=semua&ordering=-created")
    assert _listed(everything) == [done.pk, urgent.pk, calm.pk, late.pk]


def test_list_filters(signed_in, demo_users):
    piket = demo_users["piket.kebonjeruk"]
    fire = raise_incident(piket, category="kebakaran", severity="darurat")
    flood = raise_incident(piket, category="banjir", severity="sedang", area_code=KEBON_JERUK_RT)
    escalated = raise_incident(piket, category="banjir", severity="tinggi")
    incident_escalate(incident_id=escalated.pk, by=piket)
    late = raise_incident(piket, now=timezone.now() - timedelta(days=7))
    client = signed_in("staf.kebonjeruk")

    def listed(query):
        response = client.get(f"/kejadian/?status=semua&ordering=created&{query}")
        assert response.status_code == 200, query
        return _listed(response)

    assert listed("category=banjir") == [flood.pk, escalated.pk]
    assert listed("severity=darurat") == [fire.pk]
    assert listed(f"area={KEBON_JERUK_RT[:-4]}") == [flood.pk]  # the RW: what lies below it
    assert listed("level=kecamatan") == [escalated.pk]
    assert listed("overdue=true") == [late.pk]
    assert late.pk not in listed("overdue=false")
    assert listed("status=baru") == [late.pk, fire.pk, flood.pk, escalated.pk]
    # Not a choice of this user's: a clear 400, nothing listed.
    refused = client.get(f"/kejadian/?area={TEBET_BARAT}")
    assert refused.status_code == 400 and _listed(refused) == []
    assert "Masukkan pilihan yang valid" in refused.content.decode()


def test_navigation_has_kejadian(signed_in):
    body = signed_in("fkdm.kebonjeruk").get("/").content.decode()
    assert 'href="/kejadian/"' in body and "Kejadian" in body


# --- Raising one ------------------------------------------------------------------------------


def test_piket_raises_one_from_the_phone_form_with_an_area_and_a_photo(signed_in, demo_users):
    client = signed_in("piket.kebonjeruk")
    form = client.get("/kejadian/baru/")
    body = form.content.decode()
    assert form.status_code == 200
    assert 'capture="environment"' in body and 'accept="image/jpeg,image/png' in body
    assert f'<option value="{KEBON_JERUK}" selected>' in body  # their only kelurahan
    assert f'value="{KEBON_JERUK_RT}"' in body and TEBET_BARAT not in body

    response = client.post(
        "/kejadian/baru/",
        {
            "category": "pohon_tumbang",
            "severity": "tinggi",
            "description": "Pohon tumbang menutup jalan",
            "where": "wilayah",
            "area": KEBON_JERUK_RT,
            "photo": _photo(),
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kejadian/{incident.pk}/"
    assert incident.title == "Pohon tumbang di RT 003/RW 002"
    assert (incident.area_id, incident.source, incident.reporter) == (
        KEBON_JERUK_RT,
        "portal",
        demo_users["piket.kebonjeruk"],
    )
    attachment = incident.attachments.get()
    with Image.open(attachment.image.path) as stored:
        assert dict(stored.getexif()) == {}
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds == ["dibuat", "lampiran"]
    page = client.get(response["Location"]).content.decode()
    assert f"Kejadian #{incident.pk} dilaporkan." in page


def test_the_phone_position_picks_the_kelurahan_and_outside_jakarta_is_refused(
    signed_in, boundaries, demo_users
):
    client = signed_in("fkdm.kebonjeruk")
    fields = {"category": "kerumunan", "severity": "sedang", "where": "gps"}
    lat, lon = BANDUNG
    outside = client.post("/kejadian/baru/", {**fields, "lat": lat, "lon": lon})
    assert outside.status_code == 400
    assert "di luar wilayah DKI Jakarta" in outside.content.decode()
    assert not Incident.objects.exists()
    # The position is kept on the page (the user does not have to find it again).
    assert f'value="{lat}"' in outside.content.decode()

    missing = client.post("/kejadian/baru/", fields)
    assert missing.status_code == 400 and "Gunakan lokasi saya" in missing.content.decode()

    lat, lon = KEBON_JERUK_POINT
    response = client.post("/kejadian/baru/", {**fields, "lat": lat, "lon": lon})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.area_id, incident.lat, incident.lon, incident.source) == (
        KEBON_JERUK,
        lat,
        lon,
        "ponsel",
    )
    # A point in another kelurahan is not theirs to report from the portal.
    tebet = client.post("/kejadian/baru/", {**fields, "lat": -6.2349, "lon": 106.8489})
    assert tebet.status_code == 403 and "wilayah tugas Anda" in tebet.content.decode()


def test_a_bad_photo_is_a_form_error_and_nothing_is_saved(signed_in):
    response = signed_in("piket.kebonjeruk").post(
        "/kejadian/baru/",
        {
            "category": "banjir",
            "severity": "sedang",
            "description": "Air setinggi lutut",
            "where": "wilayah",
            "area": KEBON_JERUK,
            "photo": _photo(b"GIF89a bukan foto", name="banjir.jpg"),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Hanya gambar JPEG, PNG, atau WebP" in body
    assert "Air setinggi lutut" in body  # what was typed is still there
    assert not Incident.objects.exists()


def test_from_a_camera_page(signed_in, demo_users, demo_cameras):
    camera = demo_cameras["kebonjeruk-simpang"]
    client = signed_in("piket.kebonjeruk")
    page = client.get(f"/kamera/{camera.pk}/").content.decode()
    assert f'href="/kejadian/baru/?kamera={camera.pk}" data-incident-from-camera' in page
    assert "js/incident.js" in page

    form = client.get(f"/kejadian/baru/?kamera={camera.pk}").content.decode()
    assert f'data-camera="{camera.pk}"' in form and camera.name in form
    snapshot = SimpleUploadedFile("kamera.png", image_bytes("PNG", size=(320, 180)))
    response = client.post(
        f"/kejadian/baru/?kamera={camera.pk}",
        {"category": "tawuran", "severity": "darurat", "camera": camera.pk, "photo": snapshot},
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.camera, incident.area_id, incident.source) == (camera, KEBON_JERUK, "kamera")
    assert incident.attachments.get().content_type == "image/png"

    tebet = demo_cameras["tebet-eco-park-utara"]
    assert client.get(f"/kejadian/baru/?kamera={tebet.pk}").status_code == 404
    forged = client.post(
        "/kejadian/baru/", {"category": "tawuran", "severity": "darurat", "camera": tebet.pk}
    )
    assert forged.status_code == 400 and Incident.objects.count() == 1


def _note(author, kelurahan=KEBON_JERUK, camera=None):
    slot = ShiftSlot.objects.create(
        kelurahan_id=kelurahan, name="malam", label="Malam", starts="23:00", ends="07:00"
    )
    start = timezone.now()
    shift = Shift.objects.create(
        kelurahan_id=kelurahan, slot=slot, date=start.date(), starts_at=start, ends_at=start
    )
    return ShiftNote.objects.create(
        shift=shift, author=author, text="Asap tebal dari gudang", camera=camera
    )


def test_from_a_shift_note(signed_in, demo_users, demo_cameras):
    camera = demo_cameras["kebonjeruk-simpang"]
    note = _note(demo_users["piket.kebonjeruk"], camera=camera)
    client = signed_in("staf.kebonjeruk")
    form = client.get(f"/kejadian/baru/?catatan={note.pk}").content.decode()
    assert "Asap tebal dari gudang" in form and f'name="catatan" value="{note.pk}"' in form
    response = client.post(
        f"/kejadian/baru/?catatan={note.pk}",
        {
            "category": "kebakaran",
            "severity": "darurat",
            "description": "Asap tebal dari gudang",
            "camera": camera.pk,
            "catatan": note.pk,
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    note.refresh_from_db()
    assert note.incident == incident and incident.source == "catatan"
    assert "Asap tebal dari gudang" in client.get(f"/kejadian/{incident.pk}/").content.decode()
    # Already linked: the form says so and does not offer to link again.
    again = client.get(f"/kejadian/baru/?catatan={note.pk}").content.decode()
    assert f"kejadian #{incident.pk}" in again and 'name="catatan" value=' not in again

    other = _note(demo_users["piket.tebetbarat"], TEBET_BARAT)
    assert client.get(f"/kejadian/baru/?catatan={other.pk}").status_code == 404
    smuggled = client.post(
        "/kejadian/baru/",
        {"category": "banjir", "severity": "sedang", "area": KEBON_JERUK, "catatan": other.pk},
    )
    assert smuggled.status_code == 404  # the whole report is refused, nothing half-saved
    assert Incident.objects.count() == 1


# --- One incident -----------------------------------------------------------------------------


def test_reporter_shown_only_to_roles_allowed_and_never_to_fkdm(signed_in, demo_users):
    citizen = raise_incident(
        None, source="jaki", reporter_name="Ibu Sari", reporter_contact="sari@contoh.id"
    )
    volunteer = raise_incident(demo_users["fkdm.kebonjeruk"])
    incident_comment(incident_id=volunteer.pk, by=demo_users["fkdm.kebonjeruk"], note="Makin ramai")
    clients = {}
    for username, sees in [
        ("staf.kebonjeruk", True),
        ("admin.provinsi", True),
        ("piket.kebonjeruk", False),
        ("fkdm.kebonjeruk", False),
    ]:
        clients[username] = client = signed_in(username)
        body = client.get(f"/kejadian/{citizen.pk}/").content.decode()
        assert ("Ibu Sari" in body) is sees and ("sari@contoh.id" in body) is sees, username
        assert ("Dirahasiakan" in body) is not sees, username
        body = client.get(f"/kejadian/{volunteer.pk}/").content.decode()
        assert ("fkdm.kebonjeruk@jakcctv.test" in body) is sees, username
    # The timeline hides the reporter's own entries too; the reporter sees "Anda".
    body = clients["piket.kebonjeruk"].get(f"/kejadian/{volunteer.pk}/").content.decode()
    assert body.count("oleh Pelapor (dirahasiakan)") == 2
    own = clients["fkdm.kebonjeruk"].get(f"/kejadian/{volunteer.pk}/").content.decode()
    assert "oleh Anda" in own and "oleh fkdm.kebonjeruk" not in own


def test_page_shows_facts_jaki_status_attachments_and_the_whole_timeline(signed_in, demo_users):
    staf = demo_users["staf.kebonjeruk"]
    agencies = demo_agencies()
    incident = raise_incident(None, source="jaki", jaki_status="Menunggu", description="Banjir")
    incident_acknowledge(incident_id=incident.pk, by=staf, note="Dicek")
    incident_attach(incident_id=incident.pk, by=staf, image=clean_image(_photo()))
    incident_forward(
        incident_id=incident.pk,
        by=staf,
        agencies=[agencies["BPBD Provinsi DKI Jakarta"]],
        note="Mohon pompa",
    )
    incident_escalate(incident_id=incident.pk, by=staf, note="Butuh kecamatan")
    body = signed_in("staf.kebonjeruk").get(f"/kejadian/{incident.pk}/").content.decode()
    assert "data-jaki-status>Menunggu<" in body
    attachment = incident.attachments.get()
    assert f'src="/kejadian/{incident.pk}/lampiran/{attachment.pk}/"' in body
    assert re.findall(r'data-event="(\w+)"', body) == [
        "dibuat",
        "diterima",
        "lampiran",
        "diteruskan",
        "dinaikkan",
    ]
    assert "Kelurahan → Kecamatan" in body and "→ BPBD Provinsi DKI Jakarta" in body
    assert "Mohon pompa" in body and "oleh staf.kebonjeruk" in body and "oleh sistem" in body


def test_actions_offered_follow_role_and_status(signed_in, demo_users):
    demo_agencies()
    incident = raise_incident(demo_users["piket.kebonjeruk"])

    def offered(username):
        body = signed_in(username).get(f"/kejadian/{incident.pk}/").content.decode()
        return re.findall(r'data-action-form="(\w+)"', body)

    assert offered("staf.kebonjeruk") == [
        "terima",
        "status",
        "naikkan",
        "teruskan",
        "komentar",
        "lampiran",
    ]
    assert offered("piket.kebonjeruk") == ["terima", "naikkan", "teruskan", "komentar", "lampiran"]
    assert offered("fkdm.kebonjeruk") == ["komentar", "lampiran"]
    staf = demo_users["staf.kebonjeruk"]
    incident_acknowledge(incident_id=incident.pk, by=staf)
    incident_transition(incident_id=incident.pk, by=staf, to="ditutup", reason="Laporan ganda")
    assert offered("staf.kebonjeruk") == ["komentar", "lampiran"]


def test_acting_from_the_page(signed_in, demo_users):
    agencies = demo_agencies()
    incident = raise_incident(demo_users["piket.kebonjeruk"])
    client = signed_in("staf.kebonjeruk")
    url = f"/kejadian/{incident.pk}/"

    response = client.post(url + "terima/", {"terima-note": "Petugas meluncur"})
    assert response.status_code == 302 and response["Location"] == url
    assert "Kejadian diterima." in client.get(url).content.decode()

    # Someone else acknowledged it a moment ago: a clear message, status 409, input kept.
    again = client.post(url + "terima/", {"terima-note": "Saya juga"})
    assert again.status_code == 409
    assert "Kejadian ini sudah diterima." in again.content.decode()

    refused = client.post(url + "status/", {"status-to": "baru"})
    assert refused.status_code == 400  # not a choice now
    no_reason = client.post(url + "status/", {"status-to": "ditutup", "status-note": "x"})
    assert no_reason.status_code == 400
    assert "Sebutkan alasan kejadian ditutup." in no_reason.content.decode()

    forward = client.post(
        url + "teruskan/",
        {"teruskan-agencies": [agencies["Polsek Kebon Jeruk"].pk], "teruskan-note": "Tawuran"},
    )
    assert forward.status_code == 302
    not_serving = client.post(
        url + "teruskan/", {"teruskan-agencies": [agencies["Polsek Tebet"].pk]}
    )
    assert not_serving.status_code == 400
    assert client.post(url + "komentar/", {"komentar-note": "  "}).status_code == 400
    assert client.post(url + "komentar/", {"komentar-note": "Sudah reda"}).status_code == 302
    bad = client.post(url + "lampiran/", {"lampiran-photo": _photo(b"bukan gambar")})
    assert bad.status_code == 400 and "Hanya gambar JPEG" in bad.content.decode()
    assert client.post(url + "lampiran/", {"lampiran-photo": _photo()}).status_code == 302
    assert client.post(url + "naikkan/", {"naikkan-note": "Perlu camat"}).status_code == 302
    done = client.post(url + "status/", {"status-to": "selesai", "status-note": "Bubar"})
    assert done.status_code == 302
    assert client.post(url + "bongkar/", {}).status_code == 404
    assert client.get(url + "terima/").status_code == 302  # a GET does nothing

    kinds = list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == [
        "dibuat",
        "diterima",
        "diteruskan",
        "komentar",
        "lampiran",
        "dinaikkan",
        "status",
    ]
    incident.refresh_from_db()
    assert (incident.status, incident.level) == ("selesai", "kecamatan")


def test_fkdm_acting_beyond_their_role_gets_403_with_a_message(signed_in, demo_users):
    incident = raise_incident(demo_users["piket.kebonjeruk"])
    response = signed_in("fkdm.kebonjeruk").post(f"/kejadian/{incident.pk}/naikkan/", {})
    assert response.status_code == 403
    assert "Peran Anda tidak mengizinkan tindakan ini." in response.content.decode()
    assert Incident.objects.get().level == "kelurahan"


def test_attachments_only_through_the_scoping_door(signed_in, demo_users, settings):
    staf = demo_users["staf.kebonjeruk"]
    incident = raise_incident(staf)
    attachment = incident_attach(
        incident_id=incident.pk, by=staf, image=clean_image(_photo(image_bytes("WEBP")))
    )
    url = f"/kejadian/{incident.pk}/lampiran/{attachment.pk}/"
    response = signed_in("fkdm.kebonjeruk").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "WEBP"
    assert signed_in("fkdm.tebetbarat").get(url).status_code == 404
    assert Client().get(url).status_code == 302
    other = raise_incident(staf)
    assert (
        signed_in("staf.kebonjeruk")
        .get(f"/kejadian/{other.pk}/lampiran/{attachment.pk}/")
        .status_code
        == 404
    )
    # The file is not reachable as a public media URL.
    relative = attachment.image.name
    for prefix in ("/media/", "/", "/static/"):
        assert Client().get(prefix + relative).status_code == 404


def test_admin_shows_incidents_read_only_with_their_timeline(signed_in, demo_users):
    incident = raise_incident(demo_users["piket.kebonjeruk"], description="Tawuran pelajar")
    incident_escalate(incident_id=incident.pk, by=demo_users["piket.kebonjeruk"], note="Bantu")
    demo_agencies()
    admin = signed_in("admin.provinsi")
    page = admin.get(f"/django-admin/incidents/incident/{incident.pk}/change/")
    body = page.content.decode()
    assert page.status_code == 200 and "Bantu" in body and "Dinaikkan" in body
    assert 'name="_save"' not in body  # nothing to save: read-only
    assert (
        admin.post(f"/django-admin/incidents/incident/{incident.pk}/change/", {}).status_code == 403
    )
    assert admin.get("/django-admin/incidents/incident/add/").status_code == 403
    agencies = admin.get("/django-admin/incidents/agency/").content.decode()
    assert "Polsek Kebon Jeruk" in agencies and "Sudin Gulkarmat Jakarta Barat" in agencies


# --- The leak matrix --------------------------------------------------------------------------

# An incident's level as a depth (kelurahan 4 … provinsi 1), written out here rather than taken
# from the code under test.
_DEPTH = {"kelurahan": 4, "kecamatan": 3, "kota": 2, "provinsi": 1}
_SEES_REPORTERS = {"admin_provinsi", "operator", "staf_kelurahan"}


@dataclass(frozen=True)
class Probe:
    name: str
    pk: int
    area: str
    level: str
    attachment: int
    reporter: str


@dataclass(frozen=True)
class Persona:
    name: str
    client: Client
    scope: tuple
    role: str = ""

    def sees_area(self, code):
        return any(code == s or code.startswith(s + ".") for s in self.scope)

    def sees(self, probe):
        for code in self.scope:
            inside = probe.area == code or probe.area.startswith(code + ".")
            depth = code.count(".") + 1
            if inside and (self.role == "admin_provinsi" or _DEPTH[probe.level] <= depth):
                return True
        return False


@pytest.fixture
def incident_probes(demo_users, demo_cameras):
    """Incidents in Kebon Jeruk (kelurahan level, escalated to kecamatan and to kota), in an RT
    of Kebon Jeruk, in its neighbour Sukabumi Utara (kota level) and in Tebet Barat (kelurahan
    and kecamatan level), each with an attachment and a confidential reporter."""
    demo_agencies()
    system = None
    specs = [
        ("kebonjeruk", KEBON_JERUK, 0),
        ("kebonjeruk-kec", KEBON_JERUK, 1),
        ("kebonjeruk-kota", KEBON_JERUK, 2),
        ("kebonjeruk-rt", KEBON_JERUK_RT, 0),
        ("sukabumiutara-kota", SUKABUMI_UTARA, 2),
        ("tebetbarat", TEBET_BARAT, 0),
        ("tebetbarat-kec", TEBET_BARAT, 1),
    ]
    probes = []
    for name, area, escalations in specs:
        reporter = f"Pelapor Rahasia {name}"
        incident = raise_incident(
            system, area_code=area, title=f"Probe {name}", reporter_name=reporter
        )
        for _ in range(escalations):
            incident = incident_escalate(incident_id=incident.pk, by=system)
        image = clean_image(_photo(image_bytes("PNG")))
        attachment = incident_attach(incident_id=incident.pk, by=system, image=image)
        probes.append(Probe(name, incident.pk, area, incident.level, attachment.pk, reporter))
    return probes


@pytest.fixture
def incident_personas(demo_users, lapsed_users):
    from kelurahan.demo import DEMO_USERS

    people = []
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        if demo.username == "admin.provinsi":
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        people.append(Persona(demo.username, client, (demo.area_code,), demo.role))
    for username, user in {**kecamatan_operators(), **lapsed_users}.items():
        client = Client()
        client.force_login(user)
        scope = {"operator.kec.kebonjeruk": ("31.73.05",), "operator.kec.tebet": ("31.74.01",)}
        role = "operator" if username in scope else ""
        people.append(Persona(username, client, scope.get(username, ()), role))
    people.append(Persona("anonymous", Client(), ()))
    return people


REFUSED = {302, 403, 404}


def test_leak_matrix_incident_pages_and_api(incident_personas, incident_probes):
    """Every persona × every incident page and endpoint × every probe incident."""
    cases = 0
    for persona in incident_personas:
        client = persona.client
        seen = {}

        def get(url, client=client, seen=seen):
            if url not in seen:  # lists by area are shared by probes of one area
                seen[url] = client.get(url)
            return seen[url]

        for probe in incident_probes:
            visible = persona.sees(probe)
            where = f"{persona.name} → {probe.name}"
            # Lists, whole and by area: the incident appears exactly when visible. An area
            # outside one's scope is answered as an area that does not exist, so nothing tells
            # the two apart: the page says the filter is wrong (400), the API lists nothing.
            for url, area, outside in [
                ("/kejadian/?status=semua", None, None),
                ("/api/v1/incidents/?page_size=1000", None, None),
                (f"/kejadian/?status=semua&area={probe.area}", probe.area, 400),
                (f"/api/v1/incidents/?area={probe.area}&page_size=1000", probe.area, 200),
            ]:
                response = get(url)
                body = response.content.decode()
                listed = shows(body, f'data-incident="{probe.pk}"') or shows(body, {"id": probe.pk})
                assert listed is visible, (where, url)
                if not persona.scope:
                    assert response.status_code in REFUSED, (where, url, response.status_code)
                elif area is None or persona.sees_area(area):
                    assert response.status_code == 200, (where, url, response.status_code)
                else:
                    assert response.status_code == outside, (where, url, response.status_code)
                    unknown = get(url.replace(area, "31.99.99.9999"))
                    assert unknown.status_code == outside, (where, url, unknown.status_code)
                    assert shows(unknown.content.decode(), {"id": probe.pk}) is False
                cases += 1
            # Single objects: 200 when visible, else refused without a trace of it; the
            # reporter only for roles allowed to see reporters.
            for url in [
                f"/kejadian/{probe.pk}/",
                f"/api/v1/incidents/{probe.pk}/",
                f"/kejadian/{probe.pk}/lampiran/{probe.attachment}/",
                f"/api/v1/incidents/{probe.pk}/attachments/{probe.attachment}/",
            ]:
                response = get(url)
                if visible:
                    assert response.status_code == 200, (where, url)
                else:
                    assert response.status_code in REFUSED, (where, url, response.status_code)
                if not response.streaming:
                    body = response.content.decode()
                    assert (f"Probe {probe.name}" in body) is visible, (where, url)
                    named = probe.reporter in body
                    assert named is (visible and persona.role in _SEES_REPORTERS), (where, url)
                cases += 1
            # Actions: outsiders get 404 and change nothing (a comment is harmless to repeat
            # when visible; the others are only tried from outside).
            before = IncidentEvent.objects.filter(incident_id=probe.pk).count()
            posts = [
                (f"/kejadian/{probe.pk}/komentar/", {"komentar-note": "cek"}, 302),
                (f"/api/v1/incidents/{probe.pk}/comment/", {"note": "cek"}, 200),
            ]
            if not visible:
                posts += [
                    (f"/kejadian/{probe.pk}/{action}/", {"status-to": "ditutup"}, None)
                    for action in ("terima", "naikkan", "status", "teruskan", "lampiran")
                ] + [
                    (f"/api/v1/incidents/{probe.pk}/{action}/", {"to": "diterima"}, None)
                    for action in ("acknowledge", "escalate", "transition", "forward", "attach")
                ]
            added = 0
            for url, data, ok in posts:
                response = client.post(url, data)
                if visible:
                    assert response.status_code == ok, (where, url, response.status_code)
                    added += 1
                else:
                    assert response.status_code in REFUSED, (where, url, response.status_code)
                cases += 1
            after = IncidentEvent.objects.filter(incident_id=probe.pk).count()
            assert after == before + added, where
    MATRIX_CASES["incident pages and API"] = cases


def test_leak_matrix_report_form_and_agencies(incident_personas, demo_cameras):
    agencies = demo_agencies()
    notes = {
        KEBON_JERUK: _note(make_user("penulis.kj", "petugas_piket", KEBON_JERUK)),
        TEBET_BARAT: _note(make_user("penulis.tb", "petugas_piket", TEBET_BARAT), TEBET_BARAT),
    }
    cameras = list(Camera.objects.filter(code__in=["kebonjeruk-simpang", "tebet-eco-park-utara"]))
    cases = 0
    for persona in incident_personas:
        client = persona.client

        def sees_area(code, scope=persona.scope):
            return any(code == s or code.startswith(s + ".") for s in scope)

        def expect(visible, scope=persona.scope):
            if not scope:  # anonymous, or no live role any more
                return REFUSED
            return {200} if visible else {404}

        form = client.get("/kejadian/baru/")
        assert form.status_code in expect(True), persona.name
        body = form.content.decode()
        # RW and RT are offered only to people of a kelurahan (an operator's list stays short).
        local = any(s.count(".") >= 3 for s in persona.scope)
        for code in [KEBON_JERUK, KEBON_JERUK_RT, SUKABUMI_UTARA, TEBET_BARAT]:
            offered = sees_area(code) and (code.count(".") == 3 or local)
            assert (f'value="{code}"' in body) is offered, (persona.name, code)
            cases += 1
        for camera in cameras:
            status = client.get(f"/kejadian/baru/?kamera={camera.pk}").status_code
            assert status in expect(sees_area(camera.area_id)), (persona.name, camera.code)
            cases += 1
        for code, note in notes.items():
            status = client.get(f"/kejadian/baru/?catatan={note.pk}").status_code
            assert status in expect(sees_area(code)), (persona.name, code)
            cases += 1
        listed = client.get("/api/v1/agencies/?page_size=100")
        names = (
            {a["name"] for a in listed.json()["results"]} if listed.status_code == 200 else set()
        )
        for agency in agencies.values():
            served = list(agency.areas.values_list("code", flat=True))
            expected = any(
                sees_area(code) or any(s.startswith(code + ".") for s in persona.scope)
                for code in served
            )
            assert (agency.name in names) is expected, (persona.name, agency.name)
            detail = client.get(f"/api/v1/agencies/{agency.pk}/").status_code
            assert detail in expect(expected), (persona.name, agency.name)
            cases += 2
    MATRIX_CASES["incident report form and agencies"] = cases


def test_the_report_button_only_for_those_who_may_report(signed_in, demo_cameras):
    """The "Laporkan kejadian" button (camera page, incident list) is offered to a role that
    may report and not to one that may not (a technician allowed to watch its organisation's
    cameras): it would only get 403."""
    from kelurahan.models import RoleAssignment
    from tests.maintenance.helpers import maintainers

    camera = demo_cameras["kebonjeruk-simpang"]
    from_camera = f'href="/kejadian/baru/?kamera={camera.pk}"'
    fkdm = signed_in("fkdm.kebonjeruk")  # the least role that may report
    assert from_camera in fkdm.get(f"/kamera/{camera.pk}/").content.decode()
    assert 'href="/kejadian/baru/"' in fkdm.get("/kejadian/").content.decode()

    technician = maintainers(demo_cameras)["teknisi.barat"]
    RoleAssignment.objects.filter(user=technician).update(may_view_streams=True)
    client = Client()
    client.force_login(technician)
    page = client.get(f"/kamera/{camera.pk}/")
    assert page.status_code == 200 and from_camera not in page.content.decode()
    listed = client.get("/kejadian/")
    assert listed.status_code == 200 and "/kejadian/baru/" not in listed.content.decode()
    assert client.get("/kejadian/baru/").status_code == 403
