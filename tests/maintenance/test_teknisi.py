"""The Teknisi role beside the people pages, the API and the models: given only by the provincial
admin, for an organisation, never at an area; seen by the admin, not by area managers."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cameras.models import Camera
from kelurahan.access import maintainer_grant_problem
from kelurahan.models import RoleAssignment
from kelurahan.roles import Role
from maintenance.models import Ticket, TicketNote
from tests.incident_helpers import jpeg_with_gps
from tests.maintenance.helpers import KJ, maintainers
from tests.personas import KEBON_JERUK, enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo_cameras, demo_users):
    return {**maintainers(demo_cameras), **demo_users}


@pytest.fixture
def ticket(world, settings, tmp_path):
    """An open ticket for a Kebon Jeruk camera (the vendor's); photos kept under tmp_path."""
    settings.MEDIA_ROOT = tmp_path
    camera = Camera.objects.get(code=KJ)
    return Ticket.objects.create(
        camera=camera,
        area_id=camera.area_id,
        maintainer=camera.maintainer,
        reason="rusak",
        deadline=timezone.now() + timedelta(days=2),
    )


def client_for(user, admin=False):
    if admin:
        enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


def test_only_the_provincial_admin_gives_the_role_and_only_for_an_organisation(world):
    assert maintainer_grant_problem(world["admin.provinsi"], Role.TEKNISI) is None
    assert maintainer_grant_problem(world["staf.kebonjeruk"], Role.TEKNISI)[0] == "role"
    assert maintainer_grant_problem(world["admin.provinsi"], Role.STAF_KELURAHAN)[0] == "role"
    technician = world["teknisi.barat"]
    with pytest.raises(ValidationError):  # at an area
        RoleAssignment(user=technician, role=Role.TEKNISI, area_id=KEBON_JERUK).full_clean()
    with pytest.raises(ValidationError):  # an area role for an organisation
        RoleAssignment(
            user=technician,
            role=Role.STAF_KELURAHAN,
            area_id=KEBON_JERUK,
            maintainer=world["vendor"],
        ).full_clean()
    # The people API and pages refuse it, with a reason, whoever asks.
    answer = client_for(world["admin.provinsi"], admin=True).post(
        "/api/v1/assignments/",
        {"person": world["piket.kebonjeruk"].pk, "role": "teknisi", "area": KEBON_JERUK},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "Teknisi" in answer.content.decode()


def test_the_admin_sees_technicians_area_managers_do_not(world):
    technician = world["teknisi.barat"]
    admin = client_for(world["admin.provinsi"], admin=True)
    assert "teknisi.barat" in admin.get("/kelola/orang/?q=teknisi").content.decode()
    detail = admin.get(f"/kelola/orang/{technician.pk}/")
    assert detail.status_code == 200 and "CV Teknik Barat" in detail.content.decode()
    staff = client_for(world["staf.kebonjeruk"])
    assert staff.get(f"/kelola/orang/{technician.pk}/").status_code == 404
    assignment = technician.assignments.get()
    refused = staff.post(f"/kelola/orang/penugasan/{assignment.pk}/cabut/")
    assert refused.status_code == 404
    assert admin.post(f"/kelola/orang/penugasan/{assignment.pk}/cabut/").status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None


def test_a_technician_home_and_me(world):
    client = client_for(world["teknisi.barat"])
    home = client.get("/")
    assert home.status_code == 200 and 'data-maintainer="' in home.content.decode()
    me = client.get("/api/v1/me/").json()
    assert [(r["role"], r["area"], r["area_name"]) for r in me["roles"]] == [
        ("teknisi", None, "CV Teknik Barat")
    ]
    assert me["areas"] == [] and "view_streams" not in me["actions"]


def test_a_technician_attaches_a_photo_kept_until_retention_removes_it(world, ticket):
    client = client_for(world["teknisi.barat"])
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "lokasi.jpg"
    answer = client.post(
        f"/perbaikan/{ticket.pk}/catatan/", {"text": "Tiang miring", "photo": photo}
    )
    assert answer.status_code == 302
    note = TicketNote.objects.get(ticket=ticket)
    shown = client.get(f"/perbaikan/{ticket.pk}/catatan/{note.pk}/foto/")
    assert shown.status_code == 200 and b"GPS" not in b"".join(shown.streaming_content)
    # Another organisation's technician never gets it.
    other = client_for(world["teknisi.dinas"])
    assert other.get(f"/perbaikan/{ticket.pk}/catatan/{note.pk}/foto/").status_code == 404
    bad = io.BytesIO(b"not an image")
    bad.name = "x.jpg"
    refused = client.post(f"/perbaikan/{ticket.pk}/catatan/", {"text": "x", "photo": bad})
    assert refused.status_code == 400

    Ticket.objects.filter(pk=ticket.pk).update(
        status="ditutup", closed_at=timezone.now() - timedelta(days=400)
    )
    call_command("apply_retention", stdout=io.StringIO())
    note.refresh_from_db()
    assert not note.photo and note.photo_removed_at is not None and note.text == "Tiang miring"


def test_a_technician_sends_a_note_with_a_photo_through_the_api(world, ticket, settings):
    """POST .../note/ as multipart: a text and/or a photo (JPEG, PNG, WebP, within the size
    limit), stored without metadata, listed with the ticket, shown on its page and served only
    to those who may see the ticket; a bad file is a 400 with a message and keeps nothing."""
    settings.INCIDENT_ATTACHMENT_MAX_BYTES = 64 * 1024
    url = f"/api/v1/maintenance/tickets/{ticket.pk}/note/"
    client = client_for(world["teknisi.barat"])

    def upload(content, name="foto.jpg"):
        photo = io.BytesIO(content)
        photo.name = name
        return photo

    for content, name, message in [
        (b"not an image", "x.jpg", "gambar"),
        (b"GIF89a" + b"\0" * 64, "x.gif", "gambar"),
        (b"", "kosong.png", "kosong"),
        (jpeg_with_gps() + b"\0" * (64 * 1024), "besar.jpg", "terlalu besar"),
    ]:
        refused = client.post(url, {"text": "x", "photo": upload(content, name)})
        assert refused.status_code == 400, name
        assert message in refused.json()["photo"][0].lower(), refused.json()
    assert client.post(url, {"text": " "}).status_code == 400  # neither a text nor a photo
    assert not TicketNote.objects.filter(ticket=ticket).exists()

    answer = client.post(url, {"photo": upload(jpeg_with_gps(), "lokasi-rumah.jpg")})
    assert answer.status_code == 201
    [note] = answer.json()["notes"]
    assert note["has_photo"] and note["text"] == ""
    photo_url = f"/api/v1/maintenance/tickets/{ticket.pk}/notes/{note['id']}/photo/"
    assert note["photo_url"] == photo_url
    stored = TicketNote.objects.get(pk=note["id"]).photo.name
    assert "lokasi-rumah" not in stored  # the uploaded name may say where
    served = client.get(photo_url)
    assert served.status_code == 200 and b"GPS" not in b"".join(served.streaming_content)
    page = client.get(f"/perbaikan/{ticket.pk}/").content.decode()
    assert f"/perbaikan/{ticket.pk}/catatan/{note['id']}/foto/" in page
    staff = client_for(world["staf.kebonjeruk"])
    assert staff.get(photo_url).status_code == 200
    # Out of scope: another organisation's technician, another kelurahan's staff.
    for outsider in (world["teknisi.dinas"], world["staf.tebetbarat"]):
        other = client_for(outsider)
        assert other.get(photo_url).status_code == 404
        sent = other.post(url, {"text": "x", "photo": upload(jpeg_with_gps())})
        assert sent.status_code == 404
    assert client_for(world["piket.kebonjeruk"]).get(photo_url).status_code == 403
    assert TicketNote.objects.filter(ticket=ticket).count() == 1
    assert (
        client.get(f"/api/v1/maintenance/tickets/{ticket.pk}/notes/999999/photo/").status_code
        == 404
    )


def test_the_provincial_admin_gives_the_role_in_the_django_admin(world):
    admin = client_for(world["admin.provinsi"], admin=True)
    person = world["piket.tebetbarat"]
    form = {
        "user": person.pk,
        "role": "teknisi",
        "maintainer": world["vendor"].pk,
        "may_view_streams": "on",
        "valid_from_0": "2026-12-01",
        "valid_from_1": "08:00:00",
    }
    added = admin.post("/django-admin/kelurahan/roleassignment/add/", form)
    assert added.status_code == 302, added.content.decode()[:2000]
    granted = RoleAssignment.objects.get(user=person, role="teknisi")
    assert granted.maintainer == world["vendor"] and granted.may_view_streams
    assert granted.granted_by == world["admin.provinsi"]
    # At an area instead: the form says why.
    wrong = admin.post(
        "/django-admin/kelurahan/roleassignment/add/",
        {**form, "maintainer": "", "area": KEBON_JERUK},
    )
    assert wrong.status_code == 200 and "pemelihara" in wrong.content.decode()
