"""Signing in and out, password reset, rate limits, MFA, sessions, and losing access."""

import re

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kelurahan.models import RoleAssignment, User
from tests.personas import PASSWORD, enrol_totp, totp_code

pytestmark = pytest.mark.django_db


def _login(client, login, password=PASSWORD):
    return client.post("/accounts/login/", {"login": login, "password": password})


def test_login_by_username_or_email_then_logout(client, demo_users):
    response = _login(client, "staf.kebonjeruk")
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302

    response = _login(client, "Staf.Kebonjeruk@jakcctv.test")
    assert response.status_code == 302
    assert client.get("/").context["user"].username == "staf.kebonjeruk"


def test_wrong_password_is_refused_in_indonesian(client, demo_users):
    response = _login(client, "staf.kebonjeruk", "salah-sekali")
    assert response.status_code == 200
    assert "kata sandi yang anda masukkan tidak benar" in response.content.decode().lower()
    assert client.get("/").status_code == 302


def test_repeated_failures_lock_the_account_for_a_while(client, demo_users):
    for _ in range(5):
        _login(client, "piket.kebonjeruk", "tebakan")
    response = _login(client, "piket.kebonjeruk")  # the right password, too late
    assert client.get("/").status_code == 302
    assert "terlalu banyak" in response.content.decode().lower()


def test_a_stranger_cannot_lock_the_owner_out(demo_users):
    """Failures count per account and address: the stranger locks only themselves."""
    stranger, owner = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="10.20.30.40")
    for _ in range(6):
        _login(stranger, "piket.kebonjeruk", "tebakan")
    assert "terlalu banyak" in _login(stranger, "piket.kebonjeruk").content.decode().lower()
    assert _login(owner, "piket.kebonjeruk").status_code == 302
    assert owner.get("/").status_code == 200


def test_failures_from_one_address_are_limited_across_accounts(demo_users):
    stranger = Client(REMOTE_ADDR="203.0.113.8")
    for username in list(demo_users)[:5] * 2:  # two tries at each of five accounts
        _login(stranger, username, "tebakan")
    response = _login(stranger, "fkdm.tebetbarat")  # a sixth account, the right password
    assert "terlalu banyak" in response.content.decode().lower()
    assert _login(Client(REMOTE_ADDR="10.20.30.41"), "fkdm.tebetbarat").status_code == 302


def test_password_reset_by_email(client, demo_users):
    response = client.post("/accounts/password/reset/", {"email": "fkdm.tebetbarat@jakcctv.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    form_url = client.get(link.group(1)).url  # allauth moves the key into the session
    response = client.post(
        form_url, {"password1": "Relawan-Tebet-2026!", "password2": "Relawan-Tebet-2026!"}
    )
    assert response.status_code == 302
    assert _login(Client(), "fkdm.tebetbarat", "Relawan-Tebet-2026!").status_code == 302


def test_signup_is_closed(client, db):
    page = client.get("/accounts/signup/")
    assert "account/signup_closed.html" in [t.name for t in page.templates]
    client.post(
        "/accounts/signup/",
        {"username": "penyusup", "email": "p@x.test", "password1": "R-123!", "password2": "R-123!"},
    )
    assert not User.objects.filter(username="penyusup").exists()


def test_admin_must_enrol_totp_before_anything_else(client, demo_users, settings):
    settings.REQUIRE_ADMIN_MFA = True
    _login(client, "admin.provinsi")
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/accounts/2fa/totp/activate/"
    assert client.get("/django-admin/").status_code == 302
    assert client.get("/api/v1/me/").status_code == 403
    _open_totp_activation(client)
    enrol_totp(demo_users["admin.provinsi"])
    assert client.get("/").status_code == 200
    assert client.get("/django-admin/").status_code == 200


def test_admin_mfa_can_be_waived_for_the_demo(client, demo_users, settings):
    settings.REQUIRE_ADMIN_MFA = False
    client.force_login(demo_users["admin.provinsi"])
    assert client.get("/").status_code == 200


def test_admin_signs_in_with_password_and_totp(client, demo_users):
    secret = enrol_totp(demo_users["admin.provinsi"])
    response = _login(client, "admin.provinsi")
    assert response.url == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not signed in yet
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_every_role_may_enrol_totp(client, demo_users):
    _login(client, "fkdm.kebonjeruk")
    _open_totp_activation(client)


def _open_totp_activation(client):
    """allauth asks for the password once more before a second factor is added."""
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.url.startswith("/accounts/reauthenticate/")
    client.post(response.url, {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert "otpauth://" in page.content.decode() or "data:image/svg" in page.content.decode()


def test_sessions_page_lists_and_ends_other_sessions(demo_users):
    phone, desk = Client(), Client()
    _login(phone, "piket.kebonjeruk")
    _login(desk, "piket.kebonjeruk")
    page = desk.get("/accounts/sessions/")
    assert page.status_code == 200
    assert len(page.context["sessions"]) == 2
    desk.post("/accounts/sessions/")  # "sign out other sessions"
    assert phone.get("/").status_code == 302
    assert desk.get("/").status_code == 200


def test_session_activity_is_written_once_a_minute_and_a_new_browser_at_once(demo_users):
    """The sessions page shows where each session was last used; recording it on every request
    cost a write each time, so the same browser is recorded once a minute."""
    phone = Client(HTTP_USER_AGENT="Ponsel Android")
    _login(phone, "piket.kebonjeruk")
    seen = UserSession.objects.get(user=demo_users["piket.kebonjeruk"])
    assert phone.get("/api/v1/me/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert phone.get("/api/v1/me/").status_code == 200
    assert not [q for q in queries.captured_queries if "usersession" in q["sql"]]
    phone.defaults["HTTP_USER_AGENT"] = "Peramban lain"
    assert phone.get("/api/v1/me/").status_code == 200
    seen.refresh_from_db()
    assert seen.user_agent == "Peramban lain"


def test_deactivated_user_loses_access_on_next_request(client, demo_users):
    user = demo_users["piket.kebonjeruk"]
    client.force_login(user)
    assert client.get("/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/areas/").status_code == 403


def test_expired_last_assignment_loses_access_on_next_request(client, demo_users):
    user = demo_users["fkdm.kebonjeruk"]
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 200
    RoleAssignment.objects.filter(user=user).update(valid_until=timezone.now())
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
    page = client.get(response.url)
    assert "Akses Anda sudah berakhir" in page.content.decode()
    assert client.get("/api/v1/me/").status_code == 403  # and the session is gone


def test_revoked_assignment_narrows_scope_at_once(client, demo_users):
    user = demo_users["staf.kebonjeruk"]
    RoleAssignment.objects.create(user=user, role="relawan_fkdm", area_id="31.74.01.1002")
    client.force_login(user)
    assert client.get("/wilayah/31.74.01.1002/").status_code == 200
    RoleAssignment.objects.filter(user=user, area_id="31.74.01.1002").update(
        revoked_at=timezone.now()
    )
    assert client.get("/wilayah/31.74.01.1002/").status_code == 404
    assert client.get("/wilayah/31.73.05.1001/").status_code == 200
