"""API tokens for integrations: shown once, stored as a digest, scoped like their account,
refused at once when revoked, deactivated or left without a live role."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kelurahan.api_auth import authenticate_key
from kelurahan.models import ApiToken, RoleAssignment
from kelurahan.models.tokens import digest_of
from tests.personas import KEBON_JERUK, make_user

pytestmark = pytest.mark.django_db


def _issue(username, name="JAKI Lapor Warga"):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", username, name, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def _get(key, path, keyword="Token"):
    return Client().get(path, headers={"Authorization": f"{keyword} {key}"})


@pytest.fixture
def service(demo_areas):
    """A JAKI integration account: operator for Jakarta Barat."""
    return make_user("jaki.jakbar", "operator", "31.73")


def test_the_key_is_printed_once_and_only_its_digest_is_kept(service):
    key, note = _issue("jaki.jakbar")
    token = ApiToken.objects.get(user=service)
    assert token.prefix == key[:8] and token.digest == digest_of(key)
    assert "tidak akan ditampilkan lagi" in note and key not in note
    stored = " ".join(str(v) for v in ApiToken.objects.values_list(flat=False).get())
    assert key not in stored  # neither the key nor anything that gives it back
    second, _ = _issue("jaki.jakbar", "cadangan")
    assert second != key and ApiToken.objects.filter(user=service).count() == 2


def test_unknown_or_inactive_account_gets_no_token(service):
    with pytest.raises(CommandError, match="tidak ada"):
        _issue("tidak.ada")
    service.is_active = False
    service.save()
    with pytest.raises(CommandError, match="tidak aktif"):
        _issue("jaki.jakbar")
    assert not ApiToken.objects.exists()


def test_token_and_bearer_both_authenticate_and_are_scoped(service):
    key, _ = _issue("jaki.jakbar")
    for keyword in ("Token", "Bearer", "token"):
        me = _get(key, "/api/v1/me/", keyword)
        assert me.status_code == 200, keyword
        assert me.json()["username"] == "jaki.jakbar" and me.json()["areas"] == ["31.73"]
    areas = _get(key, "/api/v1/areas/?page_size=1000").json()["results"]
    assert {a["code"] for a in areas} >= {"31.73", KEBON_JERUK}
    assert all(a["code"].startswith("31.73") for a in areas)
    assert _get(key, "/api/v1/areas/31.74.01.1002/").status_code == 404  # Tebet: outside


def test_bad_or_unknown_keys_are_refused_in_indonesian(service):
    _issue("jaki.jakbar")
    for header in ("Token", "Token a b", "Token bukan-kunci-yang-benar"):
        response = Client().get("/api/v1/me/", headers={"Authorization": header})
        assert response.status_code == 403, header
        assert "Token" in response.json()["detail"] or "token" in response.json()["detail"]
    # Other schemes are not ours: the request is simply anonymous.
    assert Client().get("/api/v1/me/", headers={"Authorization": "Basic eDp5"}).status_code == 403


def test_revoked_token_is_refused_on_the_next_request(service):
    key, _ = _issue("jaki.jakbar")
    assert _get(key, "/api/v1/me/").status_code == 200
    out = io.StringIO()
    call_command("revoke_api_token", key[:8], stdout=out)
    assert "dicabut" in out.getvalue()
    response = _get(key, "/api/v1/me/")
    assert response.status_code == 403
    assert "dicabut" in response.json()["detail"]
    with pytest.raises(CommandError, match="Tidak ada token aktif"):
        call_command("revoke_api_token", key[:8], stdout=io.StringIO())


def test_deactivated_account_is_refused_on_the_next_request(service):
    key, _ = _issue("jaki.jakbar")
    assert _get(key, "/api/v1/areas/").status_code == 200
    service.is_active = False
    service.save()
    assert _get(key, "/api/v1/areas/").status_code == 403


def test_account_without_a_live_assignment_is_refused_like_a_session(service):
    key, _ = _issue("jaki.jakbar")
    assert _get(key, "/api/v1/me/").status_code == 200
    assignment = RoleAssignment.objects.get(user=service)
    assignment.revoked_at = timezone.now()
    assignment.save()
    response = _get(key, "/api/v1/me/")
    assert response.status_code == 403
    assert "tidak ada penugasan peran yang aktif" in response.json()["detail"]
    # An account that never had a role gets its token (with a warning) but no access.
    make_user("tanpa.peran")
    bare, note = _issue("tanpa.peran")
    assert "belum memegang penugasan" in note
    assert _get(bare, "/api/v1/areas/").status_code == 403


def test_last_used_is_written_at_most_once_a_minute(service):
    key, _ = _issue("jaki.jakbar")
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    start = timezone.now()
    authenticate_key(key, now=start)
    token.refresh_from_db()
    assert token.last_used_at == start
    authenticate_key(key, now=start + timezone.timedelta(seconds=59))
    token.refresh_from_db()
    assert token.last_used_at == start
    later = start + timezone.timedelta(seconds=61)
    authenticate_key(key, now=later)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_a_token_request_writes_nothing_within_the_minute(service):
    key, _ = _issue("jaki.jakbar")
    assert _get(key, "/api/v1/me/").status_code == 200  # first use: recorded
    assert ApiToken.objects.get().last_used_at is not None
    with CaptureQueriesContext(connection) as queries:
        assert _get(key, "/api/v1/me/").status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_tokens_need_no_csrf_but_sessions_still_do(service, signed_in):
    key, _ = _issue("jaki.jakbar")
    client = Client(enforce_csrf_checks=True)
    # A camera that does not exist: the answer is 404 (past authentication), not a CSRF 403.
    response = client.post(
        "/api/v1/cameras/999999/stream/", headers={"Authorization": f"Token {key}"}
    )
    assert response.status_code == 404
    session = Client(enforce_csrf_checks=True)
    session.force_login(make_user("sesi.jakbar", "operator", "31.73"))
    assert session.post("/api/v1/cameras/999999/stream/").status_code == 403


def test_admin_lists_and_revokes_tokens_without_showing_the_digest(service, signed_in):
    key, _ = _issue("jaki.jakbar")
    token = ApiToken.objects.get()
    admin = signed_in("admin.provinsi")
    listing = admin.get("/django-admin/kelurahan/apitoken/")
    body = listing.content.decode()
    assert listing.status_code == 200 and token.prefix in body
    assert token.digest not in body and key not in body
    page = admin.get(f"/django-admin/kelurahan/apitoken/{token.pk}/change/").content.decode()
    assert token.prefix in page and token.digest not in page
    assert admin.get("/django-admin/kelurahan/apitoken/add/").status_code == 403
    admin.post(
        "/django-admin/kelurahan/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _get(key, "/api/v1/me/").status_code == 403
    # Only provincial admins reach the page at all.
    staf = signed_in("staf.kebonjeruk")
    assert staf.get("/django-admin/kelurahan/apitoken/").status_code in {302, 403}
