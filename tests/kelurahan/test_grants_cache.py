"""The grants cache (kelurahan.models.areas.live_grants): one query saved per request, and still
every revocation, deactivation and expiry takes effect on the very next request."""

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kelurahan.access import grants as grants_module
from kelurahan.access import live_grants
from kelurahan.models import ApiToken, RoleAssignment, User
from tests.personas import KEBON_JERUK, TEBET_BARAT, enrol_totp, make_user


def _fresh(user):
    """The user as the next request loads it (the per-request memo starts empty)."""
    return User.objects.get(pk=user.pk)


def _grant_queries(user):
    """(grants, number of queries on role assignments it took)."""
    with CaptureQueriesContext(connection) as queries:
        grants = live_grants(_fresh(user))
    reads = [q for q in queries.captured_queries if "kelurahan_roleassignment" in q["sql"]]
    return grants, len(reads)


@pytest.fixture
def token_client(demo_areas):
    user = make_user("jaki.jakbar", "operator", "31.73")
    _token, key = ApiToken.issue(user=user, name="JAKI")
    client = Client(headers={"Authorization": f"Token {key}"})
    return user, client


@pytest.mark.django_db
def test_grants_are_read_once_then_served_from_the_cache(demo_areas):
    user = make_user("piket.kj", "petugas_piket", KEBON_JERUK)
    first, reads = _grant_queries(user)
    assert reads == 1 and [g.area_code for g in first] == [KEBON_JERUK]
    again, reads = _grant_queries(user)
    assert reads == 0 and again == first


@pytest.mark.django_db
def test_a_token_request_costs_three_queries(token_client):
    _user, client = token_client
    client.get("/api/v1/areas/")  # warms the cache, records last use
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/areas/?page_size=1000")
    assert response.status_code == 200 and response.json()["count"] == 30
    # The token joined with its account, the page's count, the page.
    assert len(queries.captured_queries) == 3, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_revocation_takes_effect_on_the_next_request(token_client):
    user, client = token_client
    assert client.get("/api/v1/areas/31.73/").status_code == 200
    assignment = RoleAssignment.objects.get(user=user)
    assignment.revoked_at = timezone.now()
    assignment.save()
    assert client.get("/api/v1/areas/31.73/").status_code == 403


@pytest.mark.django_db
def test_a_new_assignment_widens_scope_on_the_next_request(token_client):
    user, client = token_client
    assert client.get(f"/api/v1/areas/{TEBET_BARAT}/").status_code == 404
    RoleAssignment.objects.create(user=user, role="relawan_fkdm", area_id=TEBET_BARAT)
    assert client.get(f"/api/v1/areas/{TEBET_BARAT}/").status_code == 200


@pytest.mark.django_db
def test_bulk_writes_drop_the_cache_too(demo_areas):
    user = make_user("staf.kj", "staf_kelurahan", KEBON_JERUK)
    assert live_grants(_fresh(user))
    RoleAssignment.objects.filter(user=user).update(revoked_at=timezone.now())
    assert live_grants(_fresh(user)) == ()
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role="relawan_fkdm", area_id=TEBET_BARAT)]
    )
    assert [g.area_code for g in live_grants(_fresh(user))] == [TEBET_BARAT]
    RoleAssignment.objects.filter(user=user, area_id=TEBET_BARAT).delete()
    assert live_grants(_fresh(user)) == ()


@pytest.mark.django_db
def test_deactivation_takes_effect_on_the_next_request(token_client, signed_in):
    user, client = token_client
    session = Client()
    session.force_login(user)
    assert client.get("/api/v1/me/").status_code == 200
    assert session.get("/api/v1/me/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/api/v1/me/").status_code == 403
    assert session.get("/api/v1/me/").status_code == 403
    assert live_grants(user) == ()  # even an old object that missed the save: nothing granted


@pytest.mark.django_db
def test_expiry_and_start_apply_by_the_clock_from_the_cache(demo_areas, monkeypatch):
    now = timezone.now()
    user = make_user(
        "sementara", "relawan_fkdm", KEBON_JERUK, valid_until=now + timezone.timedelta(minutes=5)
    )
    RoleAssignment.objects.create(
        user=user,
        role="relawan_fkdm",
        area_id=TEBET_BARAT,
        valid_from=now + timezone.timedelta(minutes=3),
    )
    grants, reads = _grant_queries(user)
    assert reads == 1 and [g.area_code for g in grants] == [KEBON_JERUK]
    # Four minutes on: Tebet Barat has started, still without touching the database.
    monkeypatch.setattr(timezone, "now", lambda: now + timezone.timedelta(minutes=4))
    grants, reads = _grant_queries(user)
    assert reads == 0 and sorted(g.area_code for g in grants) == [KEBON_JERUK, TEBET_BARAT]
    # Six minutes on: Kebon Jeruk has expired, no save, no signal.
    monkeypatch.setattr(timezone, "now", lambda: now + timezone.timedelta(minutes=6))
    grants, reads = _grant_queries(user)
    assert reads == 0 and [g.area_code for g in grants] == [TEBET_BARAT]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_grant_never_reaches_the_cache(demo_areas):
    user = make_user("batal", "relawan_fkdm", KEBON_JERUK)
    assert live_grants(_fresh(user))
    with pytest.raises(RuntimeError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role="operator", area_id="31.74")
        # Inside the transaction the user's own change is seen ...
        assert len(live_grants(_fresh(user))) == 2
        raise RuntimeError("dibatalkan")
    # ... and after the rollback nobody sees it, from the cache or otherwise.
    assert [g.area_code for g in live_grants(_fresh(user))] == [KEBON_JERUK]
    assert [g.area_code for g in live_grants(_fresh(user))] == [KEBON_JERUK]


@pytest.mark.django_db(transaction=True)
def test_a_change_between_reading_and_caching_is_not_lost(demo_areas, monkeypatch):
    """Another process revokes while this one is between its database read and its cache
    write: the entry it writes is stamped with the old generation and never served."""
    user = make_user("balapan", "staf_kelurahan", KEBON_JERUK)
    real = grants_module.cache

    class RevokedMeanwhile:
        """The cache, except that the first write comes after another process's revocation."""

        revoked = False

        def __getattr__(self, name):
            return getattr(real, name)

        def set(self, *args, **kwargs):
            if not self.revoked:
                self.revoked = True
                RoleAssignment.objects.filter(user=user).update(revoked_at=timezone.now())
            real.set(*args, **kwargs)

    monkeypatch.setattr(grants_module, "cache", RevokedMeanwhile())
    assert live_grants(_fresh(user))  # read before the revocation landed
    assert live_grants(_fresh(user)) == ()


@pytest.mark.django_db
def test_fresh_reads_bypass_the_cache(demo_areas):
    user = make_user("konsumen", "petugas_piket", KEBON_JERUK)
    live_grants(_fresh(user))
    with CaptureQueriesContext(connection) as queries:
        assert live_grants(user, fresh=True)
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_the_cache_can_be_switched_off(demo_areas, settings):
    settings.GRANTS_CACHE_SECONDS = 0
    user = make_user("tanpa.cache", "petugas_piket", KEBON_JERUK)
    assert _grant_queries(user)[1] == 1
    assert _grant_queries(user)[1] == 1


@pytest.mark.django_db
def test_a_browser_request_costs_three_queries_with_redis(demo_areas, settings):
    """The session (read from the cache when Redis is there), the page's count, the page; an
    admin's second factor comes from the cache too."""
    enrol_totp(make_user("admin.cache", "admin_provinsi", "31"))
    for username in ("staf.cache", "admin.cache"):
        user = User.objects.filter(username=username).first()
        user = user or make_user(username, "staf_kelurahan", KEBON_JERUK)
        client = Client()
        client.force_login(user)
        client.get("/api/v1/areas/")  # warms the caches, records the session's activity
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/areas/?page_size=1000")
        assert response.status_code == 200
        sql = [q["sql"] for q in queries.captured_queries]
        # Without Redis the session is read from the database: one query more.
        assert len(sql) == (3 if settings.REDIS_URL else 4), sql
        assert not [q for q in sql if "mfa_authenticator" in q or "usersession" in q]


@pytest.mark.django_db
def test_removing_the_second_factor_takes_effect_on_the_next_request(demo_areas):
    admin = make_user("admin.lepas", "admin_provinsi", "31")
    enrol_totp(admin)
    client = Client()
    client.force_login(admin)
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200  # now from the cache
    Authenticator.objects.filter(user=admin).delete()
    assert client.get("/api/v1/me/").status_code == 403  # must enrol again
    enrol_totp(admin)
    assert client.get("/api/v1/me/").status_code == 200
