"""The leak matrix of maintenance tickets and the Teknisi role: every persona (each demo role,
technicians of two organisations, one allowed to watch, lapsed ones, anonymous) × every ticket
page and API operation × tickets in and out of their scope.

Expectations are written from area-code prefixes and from which organisation maintains which
camera (the Kebon Jeruk cameras: the vendor; the others: Diskominfotik), not from the door.
"""

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from kelurahan.demo import DEMO_USERS
from kelurahan.models import RoleAssignment
from kelurahan.roles import Role
from maintenance.models import Status, Ticket, TicketNote
from tests.answers import shows
from tests.figures import MATRIX_CASES
from tests.incident_helpers import image_bytes
from tests.maintenance.helpers import maintainers
from tests.personas import enrol_totp, make_user

pytestmark = pytest.mark.django_db

TICKET_CAMERAS = [
    "kebonjeruk-simpang",  # Kelurahan Kebon Jeruk (vendor)
    "kebonjeruk-gang-masjid",  # an RT in Kebon Jeruk (vendor)
    "sukabumiutara-arjuna",  # Kebon Jeruk's neighbour (Diskominfotik)
    "tebet-eco-park-utara",  # Tebet Barat (Diskominfotik)
    "taman-suropati",  # Menteng, another kota (Diskominfotik)
]
VENDOR_CAMERAS = {"kebonjeruk-simpang", "kebonjeruk-gang-masjid"}
# Roles that see tickets in their area, may note and may mark repaired (README's table).
SEES = {Role.ADMIN_PROVINSI, Role.OPERATOR, Role.STAF_KELURAHAN}
REPAIRS = {Role.ADMIN_PROVINSI}


@dataclass
class Persona:
    name: str
    client: Client
    area: str | None = None  # an area role's code
    role: Role | None = None
    maintains: set | None = None  # a technician's cameras
    streams: bool = False

    def sees(self, probe):
        if self.maintains is not None:
            return probe.camera.code in self.maintains
        if self.role not in SEES:
            return False
        return probe.area_id == self.area or probe.area_id.startswith(self.area + ".")

    def may(self, what):
        if what == "repair":
            return self.maintains is not None or self.role in REPAIRS
        return self.maintains is not None or self.role in SEES  # note


@pytest.fixture
def world(demo_cameras, demo_users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    found = maintainers(demo_cameras)
    now = timezone.now()
    tickets = [
        Ticket.objects.create(
            camera=demo_cameras[code],
            area_id=demo_cameras[code].area_id,
            maintainer=demo_cameras[code].maintainer,
            reason="rusak",
            deadline=now + timezone.timedelta(days=3),
        )
        for code in TICKET_CAMERAS
    ]
    photos = {}  # ticket id -> a note with a photo
    for ticket in tickets:
        note = TicketNote(ticket=ticket, text="Foto tiang")
        note.photo.save("tiang.png", ContentFile(image_bytes()), save=False)
        note.save()
        photos[ticket.pk] = note.pk
    people = []
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        if demo.role == Role.ADMIN_PROVINSI:
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        people.append(Persona(demo.username, client, demo.area_code, demo.role))
    vendor_cameras = VENDOR_CAMERAS | {
        c.code for c in demo_cameras.values() if c.maintainer_id == found["vendor"].pk
    }
    dinas_cameras = {c.code for c in demo_cameras.values()} - vendor_cameras
    for name, cameras in (("teknisi.barat", vendor_cameras), ("teknisi.dinas", dinas_cameras)):
        client = Client()
        client.force_login(found[name])
        people.append(Persona(name, client, maintains=cameras))
    watcher = make_user("teknisi.menonton")
    RoleAssignment.objects.create(
        user=watcher, role=Role.TEKNISI, maintainer=found["vendor"], may_view_streams=True
    )
    client = Client()
    client.force_login(watcher)
    people.append(Persona("teknisi.menonton", client, maintains=vendor_cameras, streams=True))
    lapsed = make_user("teknisi.lama")
    RoleAssignment.objects.create(
        user=lapsed, role=Role.TEKNISI, maintainer=found["vendor"], revoked_at=now
    )
    client = Client()
    client.force_login(lapsed)
    people.append(Persona("teknisi.lama", client, maintains=set()))
    people.append(Persona("anonymous", Client(), maintains=None))
    return {"tickets": tickets, "people": people, "photos": photos, **found}


def _gone(persona):
    """Signed out or never signed in: pages redirect to sign-in, the API answers 403."""
    return persona.name in {"anonymous", "teknisi.lama"}


def test_leak_matrix_ticket_pages_and_api(world):
    cases = 0
    for persona in world["people"]:
        list_page = persona.client.get("/perbaikan/?status=semua")
        health_page = persona.client.get("/perbaikan/kamera/")
        api_list = persona.client.get("/api/v1/maintenance/tickets/?status=semua")
        any_right = not _gone(persona) and (persona.maintains is not None or persona.role in SEES)
        if _gone(persona):
            assert list_page.status_code == health_page.status_code == 302, persona.name
            assert api_list.status_code == 403, persona.name
        elif not any_right:
            assert list_page.status_code == health_page.status_code == 403, persona.name
            assert api_list.status_code == 403, persona.name
        cases += 3
        for ticket in world["tickets"]:
            visible = not _gone(persona) and persona.sees(ticket)
            if any_right:
                marker = f'data-ticket="{ticket.pk}"'
                assert shows(list_page.content.decode(), marker) == visible, (persona.name, ticket)
                assert shows(api_list.content.decode(), {"id": ticket.pk}) == visible
                camera = f'data-camera="{ticket.camera.code}"'
                assert shows(health_page.content.decode(), camera) == visible, persona.name
                cases += 3
            page = persona.client.get(f"/perbaikan/{ticket.pk}/")
            api = persona.client.get(f"/api/v1/maintenance/tickets/{ticket.pk}/")
            note = world["photos"][ticket.pk]
            photo_page = persona.client.get(f"/perbaikan/{ticket.pk}/catatan/{note}/foto/")
            photo_api = persona.client.get(
                f"/api/v1/maintenance/tickets/{ticket.pk}/notes/{note}/photo/"
            )
            answers = (page, api, photo_page, photo_api)
            codes = tuple(answer.status_code for answer in answers)
            if _gone(persona):
                assert codes == (302, 403, 302, 403), persona.name
            elif not any_right:
                assert codes == (404, 403, 404, 403), persona.name
            else:
                expected = 200 if visible else 404
                assert codes == (expected,) * 4, (persona.name, ticket.camera.code)
            cases += 4
            cases += _writes(persona, ticket, visible, any_right)
    MATRIX_CASES["maintenance tickets (pages, API, Teknisi)"] = cases


def _writes(persona, ticket, visible, any_right):
    note = persona.client.post(
        f"/api/v1/maintenance/tickets/{ticket.pk}/note/",
        {"text": "cek kabel"},
        content_type="application/json",
    )
    repaired = persona.client.post(
        f"/api/v1/maintenance/tickets/{ticket.pk}/repaired/", {}, content_type="application/json"
    )
    page_note = persona.client.post(f"/perbaikan/{ticket.pk}/catatan/", {"text": "cek"})
    if _gone(persona) or not any_right:
        assert (note.status_code, repaired.status_code) == (403, 403), persona.name
        assert page_note.status_code == (302 if _gone(persona) else 404), persona.name
    elif not visible:
        assert (note.status_code, repaired.status_code, page_note.status_code) == (404, 404, 404)
    else:
        assert note.status_code == (201 if persona.may("note") else 403), persona.name
        assert page_note.status_code == (302 if persona.may("note") else 403), persona.name
        assert repaired.status_code == (200 if persona.may("repair") else 403), persona.name
        Ticket.objects.filter(pk=ticket.pk).update(status=Status.OPEN, repaired_at=None)
    return 3


def test_leak_matrix_technicians_cameras_and_streams(world, demo_cameras):
    """A technician never reaches another organisation's camera, and watches its own only when
    its assignment says so; opening a ticket by hand is for staff in the camera's area."""
    cases = 0
    for persona in world["people"]:
        for code in ("kebonjeruk-simpang", "tebet-eco-park-utara", "taman-suropati"):
            camera = demo_cameras[code]
            page = persona.client.get(f"/kamera/{camera.pk}/")
            stream = persona.client.post(f"/api/v1/cameras/{camera.pk}/stream/")
            open_page = persona.client.get(f"/kamera/{camera.pk}/tiket-baru/")
            if persona.maintains is None or _gone(persona):
                continue  # the area roles' camera pages are the cameras matrix's
            watch = persona.streams and code in persona.maintains
            assert page.status_code == (200 if watch else 404), (persona.name, code)
            assert stream.status_code == (200 if watch else 404), (persona.name, code)
            assert open_page.status_code == (403 if watch else 404), (persona.name, code)
            cases += 3
        if persona.maintains is not None and not _gone(persona):
            answer = persona.client.get("/api/v1/maintainers/").json()
            names = {row["name"] for row in answer["results"]}
            own = (
                "CV Teknik Barat" if "kebonjeruk-simpang" in persona.maintains else "Diskominfotik"
            )
            assert names == {own}, persona.name
            assert persona.client.get("/").status_code in {200}, persona.name
            cases += 2
    for name, expected in (("staf.kebonjeruk", 200), ("piket.kebonjeruk", 403)):
        client = next(p.client for p in world["people"] if p.name == name)
        for code, inside in (("kebonjeruk-simpang", True), ("tebet-eco-park-utara", False)):
            status = client.get(f"/kamera/{demo_cameras[code].pk}/tiket-baru/").status_code
            assert status == (expected if inside else 404), (name, code)
            cases += 1
    MATRIX_CASES["Teknisi cameras, streams and opening by hand"] = cases
