"""People and roles management: the rules (rank, area, level), the services, the pages and the
API, invitations end to end, and that revoking or deactivating bites at once everywhere."""

import re
import threading
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.core import mail
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone

from alerts.consumers import CLOSE_NO_ACCESS
from cameras import gate
from kelurahan.access import roles_grantable_anywhere
from kelurahan.models import ApiToken, RoleAssignment, User
from kelurahan.people import services
from kelurahan.roles import Role
from kelurahan.signals import person_invited
from tests.alerts.test_alerts_consumer import Socket, run, signed_in_as
from tests.cameras.test_revocation import _kicks, _watch
from tests.incidents.test_incident_concurrency import _waiting_on_locks
from tests.mediamtx_standin import mediamtx_standin
from tests.personas import KEBON_JERUK, PASSWORD, TEBET_BARAT, TEBET_TIMUR, enrol_totp, make_user

pytestmark = pytest.mark.django_db
TEBET_BARAT_RW, OTHER_RW = "31.74.01.1002.001", "31.74.01.1002.002"
JSON = "application/json"


def _refusal(call):
    with pytest.raises(services.PeopleRefused) as refused:
        call()
    return refused.value


def _grant(by, person, role, area, **extra):
    return services.assignment_grant(by=by, person_id=person.pk, role=role, area_code=area, **extra)


def _client(user):
    if user.assignments.filter(role=Role.ADMIN_PROVINSI).exists():
        enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def newcomer(demo_users):
    """Someone who already volunteers in an RW of Tebet Barat and in Kebon Jeruk."""
    person = make_user("relawan.dua", Role.RELAWAN_FKDM, OTHER_RW)
    RoleAssignment.objects.create(user=person, role=Role.RELAWAN_FKDM, area_id=KEBON_JERUK)
    return person


# --- Who sees whom ------------------------------------------------------------------------------


def test_people_visible_to_a_manager_are_those_with_a_role_in_their_area(demo_users, lapsed_users):
    def seen(username):
        manager = User.objects.get(username=username)
        return set(User.objects.manageable_by(manager).values_list("username", flat=True))

    kebon_jeruk = {"staf.kebonjeruk", "piket.kebonjeruk", "fkdm.kebonjeruk", *lapsed_users}
    tebet_barat = {"staf.tebetbarat", "piket.tebetbarat", "fkdm.tebetbarat"}
    assert seen("operator.jakbar") == kebon_jeruk | {"operator.jakbar"}
    assert seen("operator.tebet") == tebet_barat | {"operator.tebet"}
    assert seen("staf.tebetbarat") == tebet_barat
    assert seen("admin.provinsi") == {u.username for u in User.objects.all()}
    assert seen("piket.tebetbarat") == set() and seen("fkdm.kebonjeruk") == set()
    assert seen("revoked.kebonjeruk") == set()  # a lapsed manager manages nobody


def test_assignments_visible_to_a_manager_are_only_those_in_their_area(demo_users, newcomer):
    staf = demo_users["staf.tebetbarat"]
    shown = RoleAssignment.objects.visible_to(staf).filter(user=newcomer)
    assert [a.area_id for a in shown] == [OTHER_RW]  # not the Kebon Jeruk one


# --- Granting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manager", "role", "area", "field"),
    [
        ("staf.tebetbarat", Role.RELAWAN_FKDM, TEBET_BARAT, None),
        ("staf.tebetbarat", Role.RELAWAN_FKDM, TEBET_BARAT_RW, None),
        ("staf.tebetbarat", Role.PETUGAS_PIKET, TEBET_BARAT, None),
        ("staf.tebetbarat", Role.PETUGAS_PIKET, TEBET_BARAT_RW, "area"),  # piket: kelurahan only
        ("staf.tebetbarat", Role.STAF_KELURAHAN, TEBET_BARAT, "role"),  # own rank
        ("staf.tebetbarat", Role.OPERATOR, "31.74.01", "area"),  # above their area
        ("staf.tebetbarat", Role.OPERATOR, TEBET_BARAT, "role"),  # above their rank
        ("staf.tebetbarat", Role.RELAWAN_FKDM, TEBET_TIMUR, "area"),  # the next kelurahan
        ("operator.jakbar", Role.STAF_KELURAHAN, KEBON_JERUK, None),
        ("operator.jakbar", Role.STAF_KELURAHAN, TEBET_BARAT, "area"),  # Jakarta Selatan
        ("operator.jakbar", Role.OPERATOR, "31.73.05", "role"),
        ("admin.provinsi", Role.OPERATOR, "31.74", None),
        ("admin.provinsi", Role.OPERATOR, KEBON_JERUK, "area"),  # operators: kota, kecamatan
        ("admin.provinsi", Role.ADMIN_PROVINSI, "31", "role"),
        ("piket.tebetbarat", Role.RELAWAN_FKDM, TEBET_BARAT, "area"),  # manages nothing
    ],
)
def test_grant_rules_rank_area_and_level(demo_users, newcomer, manager, role, area, field):
    call = lambda: _grant(demo_users[manager], newcomer, role, area)  # noqa: E731
    if field is None:
        assignment = call()
        assert assignment.granted_by == demo_users[manager]
        assert assignment.state() == "aktif"
    else:
        refused = _refusal(call)
        assert (refused.status, refused.field) == (400, field), refused.message


def test_grant_refuses_a_role_held_already_an_end_in_the_past_and_a_deactivated_person(
    demo_users, newcomer
):
    staf = demo_users["staf.tebetbarat"]
    refused = _refusal(lambda: _grant(staf, newcomer, Role.RELAWAN_FKDM, OTHER_RW))
    assert (refused.status, refused.field) == (409, "role")
    assert "sudah memegang" in refused.message
    past = timezone.now() - timedelta(minutes=1)
    refused = _refusal(
        lambda: _grant(staf, newcomer, Role.PETUGAS_PIKET, TEBET_BARAT, valid_until=past)
    )
    assert (refused.status, refused.field) == (400, "valid_until")
    until = timezone.now() + timedelta(days=30)
    piket = _grant(staf, newcomer, Role.PETUGAS_PIKET, TEBET_BARAT, valid_until=until)
    assert piket.valid_until == until
    services.assignment_revoke(by=staf, assignment_id=piket.pk)
    _grant(staf, newcomer, Role.PETUGAS_PIKET, TEBET_BARAT)  # again, after the revocation
    newcomer.is_active = False
    newcomer.save()
    refused = _refusal(lambda: _grant(staf, newcomer, Role.RELAWAN_FKDM, TEBET_BARAT_RW))
    assert refused.status == 409


def test_a_manager_whose_role_was_just_revoked_cannot_grant(demo_users, newcomer):
    staf = demo_users["staf.tebetbarat"]
    assert roles_grantable_anywhere(staf)  # read and kept on the user object
    mine = RoleAssignment.objects.get(user=staf)
    services.assignment_revoke(by=demo_users["operator.tebet"], assignment_id=mine.pk)
    refused = _refusal(lambda: _grant(staf, newcomer, Role.PETUGAS_PIKET, TEBET_BARAT))
    assert refused.status == 400 and refused.field == "area"


# --- Revoking and deactivating ----------------------------------------------------------------


def test_revoke_only_below_ones_rank_and_only_once(demo_users):
    staf, operator = demo_users["staf.tebetbarat"], demo_users["operator.tebet"]
    fkdm = RoleAssignment.objects.get(user=demo_users["fkdm.tebetbarat"])
    other_staf = RoleAssignment.objects.get(user=demo_users["staf.kebonjeruk"])
    own = RoleAssignment.objects.get(user=staf)
    assert _refusal(lambda: services.assignment_revoke(by=staf, assignment_id=own.pk)).status == 403
    refused = _refusal(lambda: services.assignment_revoke(by=staf, assignment_id=other_staf.pk))
    assert refused.status == 403
    revoked = services.assignment_revoke(by=staf, assignment_id=fkdm.pk)
    assert revoked.revoked_by == staf and revoked.state() == "dicabut"
    refused = _refusal(lambda: services.assignment_revoke(by=operator, assignment_id=fkdm.pk))
    assert refused.status == 409
    assert services.assignment_revoke(by=operator, assignment_id=own.pk).state() == "dicabut"


def test_deactivate_needs_every_current_role_of_the_person(demo_users, newcomer):
    staf, operator = demo_users["staf.tebetbarat"], demo_users["operator.tebet"]
    admin = demo_users["admin.provinsi"]
    # The volunteer also serves in Kebon Jeruk: neither Tebet manager may switch them off.
    for manager in (staf, operator):
        refused = _refusal(
            lambda m=manager: services.person_deactivate(by=m, person_id=newcomer.pk)
        )
        assert refused.status == 403
    refused = _refusal(lambda: services.person_deactivate(by=staf, person_id=staf.pk))
    assert refused.status == 403 and "sendiri" in refused.message
    refused = _refusal(
        lambda: services.person_deactivate(by=staf, person_id=demo_users["staf.tebetbarat"].pk)
    )
    assert refused.status == 403
    fkdm = demo_users["fkdm.tebetbarat"]
    assert not services.person_deactivate(by=staf, person_id=fkdm.pk).is_active
    refused = _refusal(lambda: services.person_deactivate(by=operator, person_id=fkdm.pk))
    assert refused.status == 409
    assert not services.person_deactivate(by=admin, person_id=newcomer.pk).is_active
    assert RoleAssignment.objects.filter(user=newcomer, revoked_at__isnull=True).count() == 2


# --- Invitations --------------------------------------------------------------------------------


def _invitation_link(message):
    return re.search(r"https?://[^/\s]+(/undangan/\S+/)", message.body).group(1)


def test_invitation_end_to_end(demo_users, client, rf):
    staf = demo_users["staf.tebetbarat"]
    heard = []
    person_invited.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="test-heard")
    try:
        request = rf.get("/")
        person, sent = services.person_invite(
            by=staf,
            email="Budi.Santoso@Mail.Test",
            first_name="Budi",
            last_name="Santoso",
            role=Role.RELAWAN_FKDM,
            area_code=TEBET_BARAT,
            request=request,
        )
    finally:
        person_invited.disconnect(dispatch_uid="test-heard")
    assert sent
    assert (person.username, person.email) == ("budi.santoso", "budi.santoso@mail.test")
    assert not person.has_usable_password()
    assignment = RoleAssignment.objects.get(user=person)
    assert (assignment.role, assignment.area_id, assignment.granted_by) == (
        Role.RELAWAN_FKDM,
        TEBET_BARAT,
        staf,
    )
    assert len(heard) == 1 and heard[0]["user"] == person and heard[0]["by"] == staf
    assert heard[0]["request"] is request
    (message,) = mail.outbox
    assert message.to == ["budi.santoso@mail.test"]
    assert str(staf) in message.subject and "Relawan FKDM" in message.body
    assert "budi.santoso" in message.body and "http://testserver/undangan/" in message.body
    link = _invitation_link(message)

    page = client.get(link)
    assert page.status_code == 200 and "Selamat datang, Budi" in page.content.decode()
    weak = client.post(link, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "errorlist" in weak.content.decode()
    answer = client.post(
        link, {"new_password1": "Tebet-Barat-Aman-1", "new_password2": "Tebet-Barat-Aman-1"}
    )
    assert answer.status_code == 302 and answer.url == "/"
    home = client.get("/")
    assert home.status_code == 200 and home.context["user"] == person
    client.logout()
    # One use only: the link is dead, the password works.
    assert client.get(link).status_code == 400
    login = {"login": "budi.santoso", "password": "Tebet-Barat-Aman-1"}
    assert client.post("/accounts/login/", login).status_code == 302


def test_invitation_refuses_a_known_email_and_makes_unique_usernames(demo_users, rf):
    staf = demo_users["staf.tebetbarat"]
    request = rf.get("/")
    invite = dict(by=staf, role=Role.RELAWAN_FKDM, area_code=TEBET_BARAT, request=request)
    refused = _refusal(
        lambda: services.person_invite(email="FKDM.tebetbarat@jakcctv.test", **invite)
    )
    assert (refused.status, refused.field) == (400, "email")
    first, _sent = services.person_invite(email="fkdm.tebetbarat@lain.test", **invite)
    assert first.username == "fkdm.tebetbarat2"  # fkdm.tebetbarat is taken
    refused = _refusal(
        lambda: services.person_invite(email="x@y.test", username="Piket.Tebetbarat", **invite)
    )
    assert (refused.status, refused.field) == (400, "username")
    refused = _refusal(
        lambda: services.person_invite(
            email="x@y.test", **{**invite, "role": Role.OPERATOR, "area_code": "31.74.01"}
        )
    )
    assert refused.status == 400 and not User.objects.filter(email="x@y.test").exists()


def test_reinvite_sends_a_new_link_until_the_person_has_a_password(demo_users, rf, client):
    staf = demo_users["staf.tebetbarat"]
    person, _sent = services.person_invite(
        by=staf,
        email="nur@mail.test",
        first_name="Nur",
        role=Role.RELAWAN_FKDM,
        area_code=TEBET_BARAT,
        request=rf.get("/"),
    )
    assert services.person_reinvite(by=staf, person_id=person.pk, request=rf.get("/"))
    assert len(mail.outbox) == 2
    refused = _refusal(
        lambda: services.person_reinvite(
            by=demo_users["staf.kebonjeruk"], person_id=person.pk, request=rf.get("/")
        )
    )
    assert refused.status == 403
    link = _invitation_link(mail.outbox[-1])
    client.post(link, {"new_password1": "Relawan-Nur-2026", "new_password2": "Relawan-Nur-2026"})
    refused = _refusal(
        lambda: services.person_reinvite(by=staf, person_id=person.pk, request=rf.get("/"))
    )
    assert refused.status == 409


def test_an_invitation_email_that_fails_leaves_the_person_to_invite_again(demo_users, rf, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    person, sent = services.person_invite(
        by=demo_users["staf.tebetbarat"],
        email="gagal@mail.test",
        first_name="Gagal",
        role=Role.RELAWAN_FKDM,
        area_code=TEBET_BARAT,
        request=rf.get("/"),
    )
    assert not sent and services.is_invitation_pending(person)


# --- Revoking and deactivating bite at once -------------------------------------------------------


@pytest.fixture
def tebet_stream(demo_cameras, settings, tmp_path):
    """Tebet Eco Park's playlist on disk, as `run_streams` leaves it (embedded mode)."""
    settings.STREAMS_ROOT, settings.STREAM_MODE = tmp_path, "embedded"
    camera = demo_cameras["tebet-eco-park-utara"]
    (tmp_path / camera.code).mkdir()
    (tmp_path / camera.code / "index.m3u8").write_text("#EXTM3U\n")
    gate.forget_decisions()
    yield camera
    gate.forget_decisions()


def _watching(user, camera):
    """A signed-in browser playing `camera`: (client, playlist URL with its token)."""
    browser = Client()
    browser.force_login(user)
    token = browser.post(f"/api/v1/cameras/{camera.pk}/stream/").json()["token"]
    playlist = f"/streams/{camera.code}/index.m3u8?token={token}"
    assert browser.get(playlist).status_code == 200
    return browser, playlist


def test_revoking_on_the_page_cuts_pages_api_tokens_and_video_at_once(demo_users, tebet_stream):
    volunteer = demo_users["fkdm.tebetbarat"]
    browser, playlist = _watching(volunteer, tebet_stream)
    _token, key = ApiToken.issue(user=volunteer, name="skrip relawan")
    script = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert Client().get("/api/v1/cameras/", **script).status_code == 200

    assignment = RoleAssignment.objects.get(user=volunteer)
    staf = _client(demo_users["staf.tebetbarat"])
    answer = staf.post(f"/kelola/orang/penugasan/{assignment.pk}/cabut/")
    assert answer.status_code == 302

    assert browser.get(playlist).status_code == 403  # the very next segment request
    assert Client().get("/api/v1/cameras/", **script).status_code == 403
    assert browser.get("/kamera/").status_code == 302  # signed out
    assert browser.get("/api/v1/me/").status_code == 403


def test_deactivating_over_the_api_cuts_everything_at_once(demo_users, tebet_stream):
    volunteer = demo_users["fkdm.tebetbarat"]
    browser, playlist = _watching(volunteer, tebet_stream)
    operator = _client(demo_users["operator.tebet"])
    answer = operator.post(f"/api/v1/people/{volunteer.pk}/deactivate/")
    assert answer.status_code == 200 and answer.json()["status"] == "nonaktif"
    assert browser.get(playlist).status_code in {401, 403}
    assert browser.get("/kamera/").status_code == 302
    again = Client()
    answer = again.post("/accounts/login/", {"login": "fkdm.tebetbarat", "password": PASSWORD})
    assert answer.url == "/accounts/inactive/"  # inactive accounts cannot sign in
    assert again.get("/").status_code == 302


# --- Pages --------------------------------------------------------------------------------------


def test_only_managers_reach_the_pages(demo_users, lapsed_users):
    for username in ("piket.tebetbarat", "fkdm.kebonjeruk"):
        client = _client(demo_users[username])
        assert client.get("/kelola/orang/").status_code == 403
        assert client.get("/kelola/orang/impor/").status_code == 403
    assert Client().get("/kelola/orang/").status_code == 302
    staf = _client(demo_users["staf.tebetbarat"])
    page = staf.get("/kelola/orang/")
    assert page.status_code == 200
    assert 'href="/kelola/orang/"' in page.content.decode()  # in the sidebar
    assert (
        'href="/kelola/orang/"'
        not in _client(demo_users["piket.tebetbarat"]).get("/").content.decode()
    )


def _listed(client, query=""):
    body = client.get(f"/kelola/orang/?{query}").content.decode()
    return set(re.findall(r'data-person="([^"]+)"', body))


def test_list_searches_by_name_role_area_and_status(demo_users, lapsed_users):
    operator = _client(demo_users["operator.jakbar"])
    everyone = {"staf.kebonjeruk", "piket.kebonjeruk", "fkdm.kebonjeruk", "operator.jakbar"}
    assert _listed(operator) == everyone | set(lapsed_users)
    names = {u: User.objects.get(username=u) for u in everyone}
    names["piket.kebonjeruk"].first_name, names["piket.kebonjeruk"].last_name = "Agus", "Salim"
    names["piket.kebonjeruk"].save()
    assert _listed(operator, "q=agus+salim") == {"piket.kebonjeruk"}
    assert _listed(operator, "q=FKDM.KEBON") == {"fkdm.kebonjeruk"}
    assert _listed(operator, "role=staf_kelurahan") == {
        "staf.kebonjeruk",
        "revoked.kebonjeruk",
        "inactive.kebonjeruk",
    }
    assert _listed(operator, "role=staf_kelurahan&status=aktif") == {"staf.kebonjeruk"}
    assert _listed(operator, "status=nonaktif") == {"inactive.kebonjeruk"}
    assert _listed(operator, "status=tanpa_peran") == {
        "expired.kebonjeruk",
        "revoked.kebonjeruk",
        "future.kebonjeruk",
    }
    assert _listed(operator, "area=31.73.05.1001.002") == set()
    assert _listed(operator, f"area={TEBET_BARAT}") == set()  # not theirs: nothing, not an error
    bad = operator.get("/kelola/orang/?area=bukan-kode")
    assert bad.status_code == 200 and "Kode wilayah tidak valid." in bad.content.decode()


def test_invite_page_explains_what_is_wrong_and_keeps_what_was_typed(demo_users):
    staf = _client(demo_users["staf.tebetbarat"])
    form = staf.get("/kelola/orang/undang/").content.decode()
    roles = re.search(r'<select name="role".*?</select>', form, re.S).group()
    options = re.findall(r'<option value="(\w+)"', roles)
    assert options == ["petugas_piket", "relawan_fkdm"]  # only roles below their own
    assert f'<option value="{TEBET_BARAT}">' in form  # area suggestions: their own
    typed = {
        "email": "bukan-email",
        "first_name": "Sari",
        "role": "relawan_fkdm",
        "area": "Kebon Jeruk",
    }
    answer = staf.post("/kelola/orang/undang/", typed)
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "Alamat email tidak valid." in body
    assert "Wilayah tidak ditemukan di wilayah kelolaan Anda." in body
    assert 'value="Sari"' in body
    answer = staf.post("/kelola/orang/undang/", {**typed, "role": "operator"})
    assert (
        "Anda hanya dapat memberikan peran di bawah peran Anda sendiri." in answer.content.decode()
    )
    answer = staf.post(
        "/kelola/orang/undang/",
        {
            **typed,
            "email": "sari@mail.test",
            "area": "Tebet Barat",
            "role": "petugas_piket",
            "valid_until": "2099-12-31T17:00",
        },
    )
    person = User.objects.get(email="sari@mail.test")
    assert answer.status_code == 302 and answer.url == f"/kelola/orang/{person.pk}/"
    assignment = RoleAssignment.objects.get(user=person)
    assert (assignment.area_id, assignment.role) == (TEBET_BARAT, "petugas_piket")
    assert (
        timezone.localtime(assignment.valid_until).strftime("%Y-%m-%d %H:%M") == "2099-12-31 17:00"
    )
    assert len(mail.outbox) == 1


def test_person_page_grants_revokes_and_deactivates(demo_users, newcomer):
    staf = _client(demo_users["staf.tebetbarat"])
    page = staf.get(f"/kelola/orang/{newcomer.pk}/").content.decode()
    assert OTHER_RW in page and KEBON_JERUK not in page  # only the assignments in their area
    assert "Nonaktifkan akun" not in page  # the volunteer also serves in Kebon Jeruk
    refused = staf.post(
        f"/kelola/orang/{newcomer.pk}/peran/", {"role": "petugas_piket", "area": TEBET_BARAT_RW}
    )
    assert refused.status_code == 400
    assert "hanya dapat diberikan di tingkat: Kelurahan" in refused.content.decode()
    answer = staf.post(
        f"/kelola/orang/{newcomer.pk}/peran/", {"role": "petugas_piket", "area": TEBET_BARAT}
    )
    assert answer.status_code == 302
    piket = RoleAssignment.objects.get(user=newcomer, role="petugas_piket")
    page = staf.get(f"/kelola/orang/{newcomer.pk}/").content.decode()
    assert f"/kelola/orang/penugasan/{piket.pk}/cabut/" in page
    staf.post(f"/kelola/orang/penugasan/{piket.pk}/cabut/")
    piket.refresh_from_db()
    assert piket.revoked_by == demo_users["staf.tebetbarat"]
    again = staf.post(f"/kelola/orang/penugasan/{piket.pk}/cabut/", follow=True)
    assert "Peran ini sudah dicabut." in again.content.decode()
    assert staf.post(f"/kelola/orang/{newcomer.pk}/nonaktifkan/").status_code == 403

    fkdm = demo_users["fkdm.tebetbarat"]
    staf.post(f"/kelola/orang/{fkdm.pk}/nonaktifkan/")
    fkdm.refresh_from_db()
    assert not fkdm.is_active
    assert 'data-person-status="nonaktif"' in staf.get(f"/kelola/orang/{fkdm.pk}/").content.decode()


# --- API ----------------------------------------------------------------------------------------


def test_api_lists_people_with_their_roles_in_the_callers_area(demo_users, newcomer):
    operator = _client(demo_users["operator.tebet"])
    answer = operator.get("/api/v1/people/?page_size=100").json()
    people = {p["username"]: p for p in answer["results"]}
    assert set(people) == {
        "operator.tebet",
        "staf.tebetbarat",
        "piket.tebetbarat",
        "fkdm.tebetbarat",
        "relawan.dua",
    }
    assert [a["area"] for a in people["relawan.dua"]["assignments"]] == [OTHER_RW]
    assert people["relawan.dua"]["status"] == "aktif"
    assert operator.get(f"/api/v1/people/{newcomer.pk}/").status_code == 200
    outsider = demo_users["staf.kebonjeruk"]
    assert operator.get(f"/api/v1/people/{outsider.pk}/").status_code == 404
    found = operator.get("/api/v1/people/?q=relawan&role=relawan_fkdm&status=aktif").json()
    assert [p["username"] for p in found["results"]] == ["relawan.dua"]
    bad = operator.get("/api/v1/people/?status=semua")
    assert bad.status_code == 400 and "status" in bad.json()
    piket = _client(demo_users["piket.tebetbarat"])
    assert piket.get("/api/v1/people/").status_code == 403
    assert piket.get("/api/v1/assignments/").status_code == 403


def test_api_invite_201_and_field_errors_400(demo_users):
    staf = _client(demo_users["staf.tebetbarat"])
    body = {
        "email": "joko@mail.test",
        "first_name": "Joko",
        "role": "relawan_fkdm",
        "area": TEBET_BARAT,
        "valid_until": "2099-01-31T12:00",
    }
    answer = staf.post("/api/v1/people/", body, content_type=JSON)
    assert answer.status_code == 201, answer.json()
    made = answer.json()
    assert made["invitation_sent"] is True and made["status"] == "diundang"
    assert made["assignments"][0]["valid_until"] == "2099-01-31T12:00:00+07:00"  # WIB
    cases = [
        ({**body, "email": "joko@mail.test"}, 400, "email"),
        ({**body, "email": "lain@mail.test", "role": "operator"}, 400, "role"),
        ({**body, "email": "lain@mail.test", "role": "penyusup"}, 400, "role"),
        ({**body, "email": "lain@mail.test", "area": KEBON_JERUK}, 400, "area"),
        ({**body, "email": "lain@mail.test", "area": "31.xx"}, 400, "area"),
        ({**body, "email": "lain@mail.test", "valid_until": "besok"}, 400, "valid_until"),
        (
            {**body, "email": "lain@mail.test", "valid_until": "2001-01-01T00:00"},
            400,
            "valid_until",
        ),
        ({"email": "lain@mail.test"}, 400, "first_name"),
    ]
    for data, code, field in cases:
        answer = staf.post("/api/v1/people/", data, content_type=JSON)
        assert answer.status_code == code, (data, answer.json())
        assert field in answer.json(), (data, answer.json())
    assert staf.post("/api/v1/people/", "{", content_type=JSON).status_code == 400
    assert not User.objects.filter(email="lain@mail.test").exists()
    assert (
        staf.delete(f"/api/v1/people/{User.objects.get(email='joko@mail.test').pk}/").status_code
        == 405
    )


def test_api_assignments_grant_and_revoke_status_codes(demo_users, newcomer):
    staf = _client(demo_users["staf.tebetbarat"])
    grant = {"person": newcomer.pk, "role": "petugas_piket", "area": TEBET_BARAT}
    answer = staf.post("/api/v1/assignments/", grant, content_type=JSON)
    assert answer.status_code == 201 and answer.json()["granted_by"] == "staf.tebetbarat"
    made = answer.json()["id"]
    assert staf.post("/api/v1/assignments/", grant, content_type=JSON).status_code == 409
    by_name = {"username": "RELAWAN.DUA", "role": "relawan_fkdm", "area": TEBET_BARAT}
    assert staf.post("/api/v1/assignments/", by_name, content_type=JSON).status_code == 201
    outsider = {**grant, "person": demo_users["fkdm.kebonjeruk"].pk}
    assert staf.post("/api/v1/assignments/", outsider, content_type=JSON).status_code == 404
    above = staf.post("/api/v1/assignments/", {**grant, "role": "operator"}, content_type=JSON)
    assert above.status_code == 400 and "role" in above.json()
    assert staf.post("/api/v1/assignments/", {"role": "x"}, content_type=JSON).status_code == 400

    listed = staf.get(f"/api/v1/assignments/?person={newcomer.pk}&state=aktif").json()
    assert {a["area"] for a in listed["results"]} == {OTHER_RW, TEBET_BARAT}
    assert staf.post(f"/api/v1/assignments/{made}/revoke/").json()["state"] == "dicabut"
    assert staf.post(f"/api/v1/assignments/{made}/revoke/").status_code == 409
    own = RoleAssignment.objects.get(user=demo_users["staf.tebetbarat"])
    assert staf.post(f"/api/v1/assignments/{own.pk}/revoke/").status_code == 403
    elsewhere = RoleAssignment.objects.get(user=newcomer, area_id=KEBON_JERUK)
    assert staf.get(f"/api/v1/assignments/{elsewhere.pk}/").status_code == 404
    assert staf.post(f"/api/v1/assignments/{elsewhere.pk}/revoke/").status_code == 404
    assert staf.get("/api/v1/assignments/?state=kemarin").status_code == 400


def test_an_hr_system_manages_people_with_an_api_token(demo_users):
    account = make_user("sdm.jaksel", Role.OPERATOR, "31.74")
    _token, key = ApiToken.issue(user=account, name="SDM Jakarta Selatan")
    hr = Client(HTTP_AUTHORIZATION=f"Token {key}")
    body = {
        "email": "baru@mail.test",
        "first_name": "Baru",
        "role": "staf_kelurahan",
        "area": TEBET_BARAT,
    }
    answer = hr.post("/api/v1/people/", body, content_type=JSON)
    assert answer.status_code == 201
    person = answer.json()["id"]
    fkdm = demo_users["fkdm.tebetbarat"]
    assert hr.post(f"/api/v1/people/{fkdm.pk}/deactivate/").status_code == 200
    kebon_jeruk = demo_users["fkdm.kebonjeruk"]
    assert hr.post(f"/api/v1/people/{kebon_jeruk.pk}/deactivate/").status_code == 404
    assert hr.post(f"/api/v1/people/{person}/deactivate/").status_code == 200


# --- Sockets and MediaMTX sessions (committed data: consumers and the hook use other threads) ---


@pytest.mark.django_db(transaction=True)
def test_revoking_and_deactivating_close_open_alert_sockets(demo_users):
    staf = demo_users["staf.tebetbarat"]
    piket, fkdm = demo_users["piket.tebetbarat"], demo_users["fkdm.tebetbarat"]

    async def scenario():
        piket_tab, fkdm_tab = Socket(await signed_in_as(piket)), Socket(await signed_in_as(fkdm))
        await piket_tab.open()
        await fkdm_tab.open()

        @database_sync_to_async
        def manage():
            assignment = RoleAssignment.objects.get(user=piket)
            services.assignment_revoke(by=staf, assignment_id=assignment.pk)
            services.person_deactivate(by=staf, person_id=fkdm.pk)

        await manage()
        assert await piket_tab.closed_with() == CLOSE_NO_ACCESS
        assert await fkdm_tab.closed_with() == CLOSE_NO_ACCESS

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_revoking_over_the_api_kicks_mediamtx_sessions(demo_users, demo_cameras, settings):
    with mediamtx_standin() as (state, url):
        settings.STREAM_MODE = "mediamtx"
        settings.MEDIAMTX_API_URL = url
        settings.MEDIAMTX_API_PASSWORD = "kunci-api"
        gate.forget_decisions()
        volunteer = demo_users["fkdm.tebetbarat"]
        _watch(volunteer, demo_cameras["tebet-eco-park-utara"], "sesi-relawan", state)
        _watch(
            demo_users["piket.tebetbarat"],
            demo_cameras["tebet-eco-park-utara"],
            "sesi-piket",
            state,
        )
        assignment = RoleAssignment.objects.get(user=volunteer)
        staf = _client(demo_users["staf.tebetbarat"])
        assert staf.post(f"/api/v1/assignments/{assignment.pk}/revoke/").status_code == 200
        assert _kicks(state) == ["/v3/hlssessions/kick/sesi-relawan"]
        assert state.sessions == {"sesi-piket"}
        gate.forget_decisions()


# --- Two managers at once (PostgreSQL's row locks) ------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL's row locks between connections; CI runs this suite on PostgreSQL",
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_managers_acting_at_once_get_one_success_and_one_clean_409(demo_users, newcomer):
    assignment = RoleAssignment.objects.get(user=demo_users["fkdm.tebetbarat"])
    grant = {"person": newcomer.pk, "role": "petugas_piket", "area": TEBET_BARAT}
    managers = [_client(demo_users["staf.tebetbarat"]), _client(demo_users["operator.tebet"])]
    for lock, requests in (
        (
            RoleAssignment.objects.filter(pk=assignment.pk),
            [(c, f"/api/v1/assignments/{assignment.pk}/revoke/", None) for c in managers],
        ),
        (
            User.objects.filter(pk=newcomer.pk),
            [(c, "/api/v1/assignments/", grant) for c in managers],
        ),
    ):
        statuses = sorted(r.status_code for r in _race(lock, requests))
        assert statuses in ([200, 409], [201, 409]), statuses
    assert RoleAssignment.objects.filter(user=newcomer, role="petugas_piket").count() == 1


def _race(locked, requests):
    """Send `requests` (client, url, json) at once, held on `locked`'s row lock until all wait."""
    responses, errors = [None] * len(requests), []

    def send(index, client, url, data):
        try:
            responses[index] = client.post(url, data, content_type=JSON)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    with transaction.atomic():
        list(locked.select_for_update())
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while _waiting_on_locks() < len(requests):
            assert time.monotonic() < deadline, "the requests never met at the row lock"
            time.sleep(0.02)
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return responses
