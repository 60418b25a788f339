"""One's own roles are always someone else's act (issue 11): nobody grants, extends, changes or
revokes an assignment of their own, by the API, the person page, a CSV import or the Django
admin; and a manager sees, per person, the assignments that person granted (in their area)."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from kelurahan.models import RoleAssignment
from kelurahan.people import services
from kelurahan.people.importing import import_people
from kelurahan.roles import Role
from tests.personas import KEBON_JERUK, TEBET_BARAT, enrol_totp, make_user

pytestmark = pytest.mark.django_db
JSON = "application/json"
OWN = (
    "Anda tidak dapat memberi, mengubah atau mencabut peran Anda sendiri; mintalah pengelola lain."
)
OWN_EN = "You cannot grant, change or revoke your own roles; ask another manager."
HEADER = "username,email,first_name,last_name,role,area_code,valid_until"


def _client(user):
    if user.assignments.filter(role=Role.ADMIN_PROVINSI).exists():
        enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


def test_an_operator_cannot_grant_themselves_staf_by_the_api(demo_users):
    operator = demo_users["operator.tebet"]
    client = _client(operator)
    body = {"person": operator.pk, "role": "staf_kelurahan", "area": TEBET_BARAT}
    response = client.post("/api/v1/assignments/", body, content_type=JSON)
    assert response.status_code == 403
    assert response.json() == {"detail": OWN}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/api/v1/assignments/", body, content_type=JSON)
    assert response.status_code == 403 and response.json() == {"detail": OWN_EN}
    assert not RoleAssignment.objects.filter(user=operator, role="staf_kelurahan").exists()
    # Revoking the operator now leaves nothing behind in Tebet Barat.
    services.assignment_revoke(
        by=demo_users["admin.provinsi"], assignment_id=operator.assignments.get().pk
    )
    operator.refresh_from_db()
    assert _client(operator).get("/api/v1/people/").status_code == 403


def test_kelurahan_staff_cannot_give_itself_piket_by_username(demo_users):
    staf = demo_users["staf.kebonjeruk"]
    body = {"username": "staf.kebonjeruk", "role": "petugas_piket", "area": KEBON_JERUK}
    response = _client(staf).post("/api/v1/assignments/", body, content_type=JSON)
    assert response.status_code == 403 and response.json() == {"detail": OWN}
    assert list(staf.assignments.values_list("role", flat=True)) == ["staf_kelurahan"]


def test_the_person_page_offers_and_takes_no_role_form_for_oneself(demo_users):
    staf = demo_users["staf.kebonjeruk"]
    client = _client(staf)
    page = client.get(f"/kelola/orang/{staf.pk}/").content.decode()
    assert 'class="grant-form"' not in page and "data-own-roles" in page
    assert 'class="revoke"' not in page
    posted = client.post(
        f"/kelola/orang/{staf.pk}/peran/", {"role": "petugas_piket", "area": KEBON_JERUK}
    )
    assert posted.status_code == 403
    assert OWN in posted.content.decode()
    assert not staf.assignments.filter(role="petugas_piket").exists()
    # Someone else's page still has the form.
    other = client.get(f"/kelola/orang/{demo_users['piket.kebonjeruk'].pk}/").content.decode()
    assert 'class="grant-form"' in other


def test_nobody_revokes_a_role_of_their_own(demo_users):
    """Not even a lower one someone else gave them: stepping down is asked of a manager."""
    operator = demo_users["operator.tebet"]
    lower = services.assignment_grant(
        by=demo_users["admin.provinsi"],
        person_id=operator.pk,
        role=Role.STAF_KELURAHAN,
        area_code=TEBET_BARAT,
    )
    client = _client(operator)
    by_api = client.post(f"/api/v1/assignments/{lower.pk}/revoke/")
    assert by_api.status_code == 403 and by_api.json() == {"detail": OWN}
    by_page = client.post(f"/kelola/orang/penugasan/{lower.pk}/cabut/")
    assert by_page.status_code == 403 and OWN in by_page.content.decode()
    lower.refresh_from_db()
    assert lower.revoked_at is None


def test_a_csv_import_rejects_the_importers_own_rows(demo_users, tmp_path):
    staf = demo_users["staf.tebetbarat"]
    rows = (
        f"{HEADER}\n"
        f"staf.tebetbarat,,,,petugas_piket,{TEBET_BARAT},\n"
        f"baru,baru@mail.test,Baru,,relawan_fkdm,{TEBET_BARAT},\n"
    )
    dry = import_people(rows, by=staf, dry_run=True)
    assert dry.rejected == [
        {"line": 2, "username": "staf.tebetbarat", "problems": [f"username: {OWN}"]}
    ]
    # The command says so with the line number, and imports the rest.
    path = tmp_path / "roster.csv"
    path.write_text(rows, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_people", str(path), "--by", "staf.tebetbarat", stdout=out, stderr=err)
    assert f"Baris 2 (staf.tebetbarat): username: {OWN}" in err.getvalue()
    assert RoleAssignment.objects.filter(user__username="baru").exists()
    assert not staf.assignments.filter(role="petugas_piket").exists()
    # The upload page shows it before anything is applied.
    upload = io.BytesIO(rows.encode())
    upload.name = "roster.csv"
    client = _client(staf)
    preview = client.get(client.post("/kelola/orang/impor/", {"file": upload}).url)
    assert f"Baris 2 (staf.tebetbarat): username: {OWN}" in preview.content.decode()


def test_an_invitation_cannot_name_oneself(demo_users):
    staf = demo_users["staf.tebetbarat"]
    body = {
        "email": staf.email.upper(),
        "first_name": "Saya",
        "role": "relawan_fkdm",
        "area": TEBET_BARAT,
    }
    response = _client(staf).post("/api/v1/people/", body, content_type=JSON)
    assert response.status_code == 400 and response.json() == {
        "email": ["Email ini sudah terdaftar."]
    }
    assert list(staf.assignments.values_list("role", flat=True)) == ["staf_kelurahan"]


def test_the_django_admin_keeps_ones_own_roles_and_account_flags_out_of_reach(demo_users):
    admin = demo_users["admin.provinsi"]
    client = _client(admin)
    own = admin.assignments.get()
    change = client.get(f"/django-admin/kelurahan/roleassignment/{own.pk}/change/")
    assert change.status_code == 200 and 'name="valid_until_0"' not in change.content.decode()
    posted = client.post(
        f"/django-admin/kelurahan/roleassignment/{own.pk}/change/",
        {"user": admin.pk, "role": "admin_provinsi", "area": "31"},
    )
    assert posted.status_code == 403
    added = client.post(
        "/django-admin/kelurahan/roleassignment/add/",
        {
            "user": admin.pk,
            "role": "admin_provinsi",
            "area": "31",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
        },
    )
    assert added.status_code == 403 and OWN in added.content.decode()
    assert admin.assignments.count() == 1
    # Someone else's assignment is still the admin's to change.
    other = demo_users["operator.tebet"].assignments.get()
    page = client.get(f"/django-admin/kelurahan/roleassignment/{other.pk}/change/")
    assert 'name="valid_until_0"' in page.content.decode()
    account = client.get(f"/django-admin/kelurahan/user/{admin.pk}/change/").content.decode()
    assert 'name="is_active"' not in account and 'name="is_superuser"' not in account
    theirs = client.get(f"/django-admin/kelurahan/user/{other.user_id}/change/").content.decode()
    assert 'name="is_active"' in theirs


def test_a_provincial_admin_sees_the_assignments_each_person_granted(demo_users):
    staf = demo_users["staf.kebonjeruk"]
    newcomer = make_user("relawan.baru")
    given = services.assignment_grant(
        by=staf, person_id=newcomer.pk, role=Role.RELAWAN_FKDM, area_code=KEBON_JERUK
    )
    taken_back = services.assignment_grant(
        by=staf, person_id=newcomer.pk, role=Role.PETUGAS_PIKET, area_code=KEBON_JERUK
    )
    services.assignment_revoke(by=staf, assignment_id=taken_back.pk)
    admin = _client(demo_users["admin.provinsi"])
    page = admin.get(f"/kelola/orang/{staf.pk}/").content.decode()
    assert f'data-granted="{given.pk}"' in page and f'data-granted="{taken_back.pk}"' in page
    assert 'data-state="dicabut"' in page
    answer = admin.get(f"/api/v1/assignments/?granted_by={staf.pk}").json()
    assert {row["id"] for row in answer["results"]} == {given.pk, taken_back.pk}
    assert {row["granted_by"] for row in answer["results"]} == {"staf.kebonjeruk"}
    # The person who granted nothing shows an empty list; a bad id is a clear 400.
    empty = admin.get(f"/kelola/orang/{newcomer.pk}/").content.decode()
    assert "Orang ini belum memberikan peran di wilayah Anda." in empty
    bad = admin.get("/api/v1/assignments/?granted_by=abc")
    assert bad.status_code == 400 and bad.json() == {
        "granted_by": ["Nilai bidang ini harus berupa bilangan bulat."]
    }
