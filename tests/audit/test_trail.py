"""The accountability trail: every hook writes one row (who, what, on what, where, from where),
rows are never changed, the page and its CSV filter within the auditor's area (a leak matrix),
and the CSV export is itself on the trail."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.test import AsyncClient, Client
from django.utils import timezone

from audit.models import AppendOnly, Kind, TrailEntry
from audit.trail import record
from cameras.models import Tag
from incidents.services import incident_acknowledge
from kelurahan.codes import common_ancestor
from kelurahan.demo import DEMO_USERS
from kelurahan.models import ApiToken, Area, RoleAssignment, User
from kelurahan.roles import Role
from kelurahan.signals import person_invited
from tests.browser import PHONE, sign_in
from tests.figures import MATRIX_CASES
from tests.incident_helpers import raise_incident
from tests.personas import KEBON_JERUK, PASSWORD, TEBET_BARAT, enrol_totp, make_user

pytestmark = [
    pytest.mark.django_db,
    # The CSV is an asynchronous stream (for daphne); the test client reads it synchronously.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous"),
]

FROM = {"REMOTE_ADDR": "10.1.2.3", "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux) Chrome/131"}
AUDITORS = {"admin.provinsi": "31", "operator.jakbar": "31.73", "operator.tebet": "31.74.01"}


def rows(kind, **filters):
    return list(TrailEntry.objects.filter(kind=kind, **filters))


def only(kind, **filters):
    found = rows(kind, **filters)
    assert len(found) == 1, [str(row) for row in found]
    return found[0]


def _csv(response):
    assert response.status_code == 200, response.status_code
    text = b"".join(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _admin_form_date(moment):
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


# --- Hooks: one row each, with the right actor, area and origin ------------------------------


def test_a_grant_made_in_the_admin_is_on_the_trail_with_where_it_came_from(signed_in):
    admin = signed_in("admin.provinsi")
    newcomer = make_user("baru.kebonjeruk")
    day, time = _admin_form_date(timezone.now())
    response = admin.post(
        "/django-admin/kelurahan/roleassignment/add/",
        {
            "user": newcomer.pk,
            "role": Role.PETUGAS_PIKET,
            "area": KEBON_JERUK,
            "valid_from_0": day,
            "valid_from_1": time,
        },
        **FROM,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    granted = only(Kind.ROLE_GRANTED, detail__user="baru.kebonjeruk")
    assignment = RoleAssignment.objects.get(user=newcomer)
    assert granted.actor.username == "admin.provinsi"
    assert granted.area_id == KEBON_JERUK
    assert (granted.ip, granted.user_agent) == ("10.1.2.3", FROM["HTTP_USER_AGENT"])
    assert (granted.object_type, granted.object_id) == (
        "kelurahan.roleassignment",
        str(assignment.pk),
    )
    assert granted.detail == {"role": "petugas_piket", "user": "baru.kebonjeruk"}
    # The admin's own log entry is on the trail as well, in the same area.
    logged = only(Kind.ADMIN)
    assert logged.detail["action"] == "tambah"
    assert (logged.actor.username, logged.area_id, logged.ip) == (
        "admin.provinsi",
        KEBON_JERUK,
        "10.1.2.3",
    )


def test_a_revocation_is_recorded_once_by_whoever_revoked(demo_users):
    piket = RoleAssignment.objects.get(user=demo_users["piket.kebonjeruk"])
    staf = demo_users["staf.kebonjeruk"]
    piket.revoked_at, piket.revoked_by = timezone.now(), staf
    piket.save()
    revoked = only(Kind.ROLE_REVOKED)
    assert (revoked.actor, revoked.area_id, revoked.object_id) == (staf, KEBON_JERUK, str(piket.pk))
    assert revoked.ip is None  # no request: a management command or the shell
    piket.valid_until = timezone.now() + timedelta(days=1)
    piket.save()  # already revoked: nothing more to record
    RoleAssignment.objects.get(pk=piket.pk).save()
    assert len(rows(Kind.ROLE_REVOKED)) == 1


def test_a_deactivation_in_the_admin_is_recorded_once(signed_in, demo_users):
    admin = signed_in("admin.provinsi")
    fkdm = demo_users["fkdm.kebonjeruk"]
    joined_day, joined_time = _admin_form_date(fkdm.date_joined)
    form = {
        "username": fkdm.username,
        "email": fkdm.email,
        "date_joined_0": joined_day,
        "date_joined_1": joined_time,
        # is_active left out: the box is unticked
    }
    url = f"/django-admin/kelurahan/user/{fkdm.pk}/change/"
    response = admin.post(url, form, **FROM)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not User.objects.get(pk=fkdm.pk).is_active
    deactivated = only(Kind.DEACTIVATED)
    assert deactivated.actor == demo_users["admin.provinsi"]
    assert (deactivated.object_type, deactivated.object_id) == ("kelurahan.user", str(fkdm.pk))
    assert (deactivated.area_id, deactivated.ip) == (KEBON_JERUK, "10.1.2.3")
    admin.post(url, form, **FROM)  # saved again, still inactive
    assert len(rows(Kind.DEACTIVATED)) == 1


def test_sign_in_failure_and_sign_out_are_recorded_without_the_password(demo_users):
    client = Client(**FROM)
    wrong = "salah-Sekali-2026"
    client.post("/accounts/login/", {"login": "piket.kebonjeruk", "password": wrong})
    failed = only(Kind.LOGIN_FAILED)
    assert failed.actor is None and failed.actor_name == "piket.kebonjeruk"
    assert failed.detail == {"username": "piket.kebonjeruk"}
    # The named account's area hears of it; the password is nowhere in the row.
    assert (failed.area_id, failed.ip) == (KEBON_JERUK, "10.1.2.3")
    everything = json.dumps(
        [getattr(failed, f.attname) for f in TrailEntry._meta.fields], default=str
    )
    assert wrong not in everything

    client.post("/accounts/login/", {"login": "tidak.ada", "password": wrong})
    assert TrailEntry.objects.get(kind=Kind.LOGIN_FAILED, actor_name="tidak.ada").area_id is None

    response = client.post("/accounts/login/", {"login": "piket.kebonjeruk", "password": PASSWORD})
    assert response.status_code == 302
    login = only(Kind.LOGIN)
    assert (login.actor, login.area_id) == (demo_users["piket.kebonjeruk"], KEBON_JERUK)
    assert (login.ip, login.user_agent) == ("10.1.2.3", FROM["HTTP_USER_AGENT"])
    client.post("/accounts/logout/")
    logout = only(Kind.LOGOUT)
    assert (logout.actor, logout.ip) == (demo_users["piket.kebonjeruk"], "10.1.2.3")


def test_sign_ins_refused_for_too_many_failures_are_recorded_too(demo_users):
    client = Client(**FROM)
    for _attempt in range(6):  # allauth refuses the sixth within 5 minutes without checking it
        client.post("/accounts/login/", {"login": "fkdm.kebonjeruk", "password": "salah-lagi"})
    failed = TrailEntry.objects.filter(kind=Kind.LOGIN_FAILED).order_by("pk")
    assert [row.detail.get("blocked", False) for row in failed] == [False] * 5 + [True]
    assert {(row.actor_name, row.area_id) for row in failed} == {("fkdm.kebonjeruk", KEBON_JERUK)}
    admin = Client()
    admin.force_login(demo_users["admin.provinsi"])
    enrol_totp(demo_users["admin.provinsi"])
    page = admin.get("/jejak/?kind=login_gagal").content.decode()
    assert "Diblokir (terlalu sering gagal)" in page


def test_behind_a_trusted_proxy_the_address_is_the_forwarded_one(demo_users, settings):
    settings.PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    client.post("/accounts/login/", {"login": "fkdm.tebetbarat", "password": PASSWORD})
    assert only(Kind.LOGIN).ip == "198.51.100.20"


def test_an_invitation_is_recorded_where_the_newcomer_will_work(demo_users):
    staf = demo_users["staf.tebetbarat"]
    newcomer = make_user("relawan.baru", Role.RELAWAN_FKDM, "31.74.01.1002.003")
    person_invited.send(sender=User, user=newcomer, by=staf, request=None)
    invited = only(Kind.INVITED)
    assert (invited.actor, invited.object_id) == (staf, str(newcomer.pk))
    assert invited.area_id == "31.74.01.1002.003"
    # Invited before any role: the inviter's area.
    person_invited.send(sender=User, user=make_user("tanpa.peran"), by=staf, request=None)
    assert TrailEntry.objects.filter(kind=Kind.INVITED).first().area_id == TEBET_BARAT


def test_opening_a_stream_is_recorded_once_per_viewing(signed_in, demo_cameras):
    client = signed_in("fkdm.kebonjeruk")
    camera = demo_cameras["kebonjeruk-simpang"]
    url = f"/api/v1/cameras/{camera.pk}/stream/"
    opened = client.post(url, **FROM)
    assert opened.status_code == 200
    viewing = only(Kind.STREAM_VIEW)
    assert viewing.actor.username == "fkdm.kebonjeruk"
    assert (viewing.object_type, viewing.object_id) == ("cameras.camera", str(camera.pk))
    assert (viewing.area_id, viewing.ip) == (camera.area_id, "10.1.2.3")
    assert viewing.detail["viewing"] == opened.json()["viewing"]
    # The player refreshing its token continues the same viewing: no new row.
    client.post(url, {"viewing": opened.json()["viewing"]}, content_type="application/json")
    assert len(rows(Kind.STREAM_VIEW)) == 1


@pytest.mark.django_db(transaction=True)  # the ASGI handler runs the view on another thread
def test_under_asgi_a_row_written_by_a_model_signal_knows_where_from(demo_users, demo_cameras):
    """As daphne serves it: the request reaches the signal through the middleware's context."""
    client = AsyncClient()
    async_to_sync(client.aforce_login)(demo_users["piket.kebonjeruk"])
    camera = demo_cameras["tebet-eco-park-utara"]  # not theirs: refused, nothing recorded
    refused = async_to_sync(client.post)(f"/api/v1/cameras/{camera.pk}/stream/")
    assert refused.status_code == 404 and not rows(Kind.STREAM_VIEW)
    camera = demo_cameras["kebonjeruk-simpang"]
    opened = async_to_sync(client.post)(
        f"/api/v1/cameras/{camera.pk}/stream/", headers={"user-agent": "Daphne/uji"}
    )
    assert opened.status_code == 200
    viewing = only(Kind.STREAM_VIEW)
    assert (viewing.ip, viewing.user_agent) == ("127.0.0.1", "Daphne/uji")


def test_each_incident_action_is_one_row_in_the_incident_area(demo_users):
    piket, staf = demo_users["piket.kebonjeruk"], demo_users["staf.kebonjeruk"]
    incident = raise_incident(by=piket, area_code="31.73.05.1001.002.003")
    incident_acknowledge(incident_id=incident.pk, by=staf)
    created, acknowledged = TrailEntry.objects.filter(kind=Kind.INCIDENT).order_by("pk")
    assert (created.actor, created.detail["event"]) == (piket, "dibuat")
    assert (acknowledged.actor, acknowledged.detail["event"]) == (staf, "diterima")
    assert acknowledged.detail["from"] == "baru" and acknowledged.detail["to"] == "diterima"
    for row in (created, acknowledged):
        assert row.area_id == "31.73.05.1001.002.003"
        assert (row.object_type, row.object_id) == ("incidents.incident", str(incident.pk))
    assert created.at == incident.events.get(kind="dibuat").at  # the timeline's own time


def test_a_change_that_rolls_back_leaves_no_row(demo_users):
    before = TrailEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_user("gagal.dibuat", Role.PETUGAS_PIKET, KEBON_JERUK)
        assert TrailEntry.objects.count() == before + 1
        raise RuntimeError("boom")
    assert TrailEntry.objects.count() == before


def test_admin_deletions_in_bulk_and_token_revocations_are_recorded(signed_in, demo_users):
    admin = signed_in("admin.provinsi")
    tags = [Tag.objects.create(name=f"Uji {n}", slug=f"uji-{n}") for n in range(3)]
    response = admin.post(
        "/django-admin/cameras/tag/",
        {"action": "delete_selected", "_selected_action": [t.pk for t in tags], "post": "yes"},
        **FROM,
    )
    assert response.status_code == 302
    deleted = TrailEntry.objects.filter(kind=Kind.ADMIN, detail__action="hapus")
    assert sorted(row.object_label for row in deleted) == ["Uji 0", "Uji 1", "Uji 2"]
    assert all(row.ip == "10.1.2.3" and row.area_id is None for row in deleted)
    assert LogEntry.objects.count() == 3

    token = ApiToken.objects.create(
        user=demo_users["operator.jakbar"], name="JAKI", prefix="AbCdEfGh", digest="0" * 64
    )
    admin.post(
        "/django-admin/kelurahan/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        **FROM,
    )
    revoked = TrailEntry.objects.get(kind=Kind.ADMIN, object_type="kelurahan.apitoken")
    assert (revoked.object_id, revoked.detail["action"]) == (str(token.pk), "ubah")


# --- Append-only -------------------------------------------------------------------------------


def test_trail_rows_are_never_updated_or_deleted(demo_users):
    entry = record(Kind.EXPORT, actor=demo_users["operator.jakbar"], area_code="31.73")
    entry.actor_name = "orang.lain"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    every = TrailEntry.objects.all()
    with pytest.raises(AppendOnly):
        every.update(actor_name="orang.lain")
    with pytest.raises(AppendOnly):
        every.delete()
    with pytest.raises(AppendOnly):
        TrailEntry.objects.bulk_update([entry], ["actor_name"])
    with pytest.raises(AppendOnly):
        TrailEntry.objects.filter(pk=entry.pk).update_or_create(
            pk=entry.pk, defaults={"ip": "1.1.1.1"}
        )
    again = TrailEntry.objects.get(pk=entry.pk)
    assert (again.actor_name, again.ip) == ("operator.jakbar", None)


def test_common_area_is_the_narrowest_covering_one():
    assert common_ancestor(["31.73.05.1001"]) == "31.73.05.1001"
    assert common_ancestor(["31.73.05.1001", "31.73.05.1002.001"]) == "31.73.05"
    assert common_ancestor(["31.73", "31.74.01"]) == "31"
    assert common_ancestor([]) is None


# --- The page and its CSV ----------------------------------------------------------------------

# (kind, actor username or None, area code or None, moment in UTC, object label)
PLANTED = [
    (
        Kind.ROLE_GRANTED,
        "staf.kebonjeruk",
        KEBON_JERUK,
        datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
        "grant-kj",
    ),
    (
        Kind.STREAM_VIEW,
        "fkdm.kebonjeruk",
        "31.73.05.1001.002",
        datetime(2026, 11, 21, 2, 0, tzinfo=UTC),
        "view-kj-rw",
    ),
    (
        Kind.INCIDENT,
        "piket.kebonjeruk",
        "31.73.05.1002",
        datetime(2026, 11, 21, 3, 0, tzinfo=UTC),
        "incident-sukabumi",
    ),
    # 17:30 UTC on the 22nd is 00:30 WIB on the 23rd.
    (
        Kind.LOGIN,
        "staf.tebetbarat",
        TEBET_BARAT,
        datetime(2026, 11, 22, 17, 30, tzinfo=UTC),
        "login-tb",
    ),
    (
        Kind.EXPORT,
        "operator.tebet",
        "31.74.01",
        datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
        "export-tebet",
    ),
    (Kind.ADMIN, "admin.provinsi", None, datetime(2026, 11, 23, 7, 0, tzinfo=UTC), "admin-noarea"),
    (Kind.RETENTION, None, None, datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "retention-run"),
]


def _labelled(label):
    """Something to put on a row: a tag (it belongs to no area), named `label`."""
    return Tag.objects.create(name=label, slug=label)


@pytest.fixture
def planted(demo_users):
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        user.first_name, user.last_name = demo.first_name, demo.last_name
        user.save()
    TrailEntry.objects.filter(kind=Kind.ROLE_GRANTED)._purge()  # the fixtures' own grants
    for kind, username, area, at, label in PLANTED:
        actor = demo_users[username] if username else None
        record(kind, actor=actor, obj=_labelled(label), area_code=area or "", at=at)
    return {label: (kind, area) for kind, _user, area, _at, label in PLANTED}


def _labels(body, planted):
    return [label for label in planted if f">{label}<" in body]


def test_auditors_see_their_area_newest_first_in_wib(signed_in, planted):
    admin = signed_in("admin.provinsi").get("/jejak/").content.decode()
    assert _labels(admin, planted) == list(planted)  # all, for the province
    order = [admin.index(f">{label}<") for label in planted]
    assert order == sorted(order, reverse=True)  # newest first
    assert "23 Nov 2026 00.30.00 WIB" in admin  # the Tebet Barat login, in Jakarta time
    jakbar = signed_in("operator.jakbar").get("/jejak/").content.decode()
    assert _labels(jakbar, planted) == ["grant-kj", "view-kj-rw", "incident-sukabumi"]
    tebet = signed_in("operator.tebet").get("/jejak/").content.decode()
    assert _labels(tebet, planted) == ["login-tb", "export-tebet"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("person=siti", ["grant-kj"]),  # first name
        ("person=RAHMAWATI", ["grant-kj"]),  # last name, any case
        ("person=fkdm.kebon", ["view-kj-rw"]),  # username
        ("kind=kejadian", ["incident-sukabumi"]),
        (f"area={KEBON_JERUK}", ["grant-kj", "view-kj-rw"]),  # and below it
        ("area=31.73.05", ["grant-kj", "view-kj-rw", "incident-sukabumi"]),
        ("date_from=2026-11-21&date_to=2026-11-21", ["view-kj-rw", "incident-sukabumi"]),
        ("date_from=2026-11-23", ["login-tb", "export-tebet", "admin-noarea", "retention-run"]),
        ("date_to=2026-11-22", ["grant-kj", "view-kj-rw", "incident-sukabumi"]),
        ("kind=login&date_from=2026-11-23", ["login-tb"]),
    ],
)
def test_filters_on_the_page_and_in_the_csv(signed_in, planted, query, expected):
    admin = signed_in("admin.provinsi")
    body = admin.get(f"/jejak/?{query}").content.decode()
    assert sorted(_labels(body, planted)) == sorted(expected)
    table = _csv(admin.get(f"/jejak/csv/?{query}"))
    assert table[0][:3] == ["Waktu (WIB)", "Jenis", "Pengguna"]
    exported = [row[6] for row in table[1:] if row[6] in planted]
    assert sorted(exported) == sorted(expected)


def test_the_csv_reads_in_wib_and_is_itself_recorded(signed_in, planted, demo_users):
    operator = signed_in("operator.jakbar")
    table = _csv(operator.get(f"/jejak/csv/?area={KEBON_JERUK}", **FROM))
    by_label = {row[6]: row for row in table[1:]}
    grant = by_label["grant-kj"]
    assert grant[0] == "2026-11-20 08:00:00"  # 01:00 UTC
    assert grant[1:4] == ["Peran diberikan", "staf.kebonjeruk", "Siti Rahmawati"]
    assert grant[7] == KEBON_JERUK
    export = TrailEntry.objects.filter(kind=Kind.EXPORT, actor=demo_users["operator.jakbar"]).get()
    assert export.detail == {"what": "trail_csv", "rows": 2, "filters": {"area": KEBON_JERUK}}
    assert (export.area_id, export.ip) == (KEBON_JERUK, "10.1.2.3")
    # Without an area filter the export covers (and is filed under) the auditor's whole area.
    operator.get("/jejak/csv/")
    assert TrailEntry.objects.filter(kind=Kind.EXPORT, area_id="31.73").count() == 1
    # ... and the operator sees their own exports on the page.
    assert "trail_csv" in operator.get("/jejak/?kind=ekspor").content.decode()


def test_viewing_history_export_is_recorded(signed_in, demo_users):
    operator = signed_in("operator.tebet")
    response = operator.get(f"/riwayat/menonton/wilayah/csv/?area={TEBET_BARAT}")
    assert response.status_code == 200
    export = only(Kind.EXPORT)
    assert (export.actor, export.area_id) == (demo_users["operator.tebet"], TEBET_BARAT)
    assert export.detail == {
        "what": "viewing_audit_csv",
        "rows": 0,
        "filters": {"area": TEBET_BARAT},
    }


def test_bad_filters_are_form_errors_and_export_nothing(signed_in, planted):
    admin = signed_in("admin.provinsi")
    page = admin.get("/jejak/?date_from=2026-11-23&date_to=2026-11-21")
    assert page.status_code == 400
    assert "Tanggal akhir sebelum tanggal awal." in page.content.decode()
    assert admin.get("/jejak/?date_from=23-23-2026").status_code == 400
    assert admin.get("/jejak/?kind=bukan-jenis").status_code == 400
    csv_response = admin.get("/jejak/csv/?date_from=2026-11-23&date_to=2026-11-21")
    assert csv_response.status_code == 400
    assert not TrailEntry.objects.filter(kind=Kind.EXPORT, detail__what="trail_csv").exists()
    assert admin.get("/jejak/?page=999").status_code == 200  # the last page


def test_field_roles_are_refused_and_visitors_sent_to_sign_in(signed_in, planted):
    for username in ("staf.kebonjeruk", "piket.kebonjeruk", "fkdm.tebetbarat"):
        client = signed_in(username)
        for url in ("/jejak/", "/jejak/csv/"):
            response = client.get(url)
            assert response.status_code == 403, (username, url)
            assert "grant-kj" not in response.content.decode()
    assert Client().get("/jejak/").status_code == 302


def test_the_trail_is_linked_for_auditors_only(signed_in, planted):
    operator = signed_in("operator.jakbar").get("/akun/").content.decode()
    sidebar = operator.split('class="sidebar"')[1].split("</nav>")[0]
    bottom = operator.split('class="bottom-nav"')[1].split("</nav>")[0]
    assert 'href="/jejak/"' in sidebar
    assert 'href="/jejak/"' not in bottom  # the phone's bar is full: the account page links it
    main = operator.split("<main")[1]
    assert 'href="/jejak/"' in main
    staf = signed_in("staf.kebonjeruk").get("/akun/").content.decode()
    assert 'href="/jejak/"' not in staf


# --- The leak matrix ---------------------------------------------------------------------------

# Trail rows placed at every level, inside and outside each persona's area (None: no area).
MATRIX_AREAS = [
    "31",
    "31.73",
    "31.73.05",
    KEBON_JERUK,
    "31.73.05.1001.002.003",
    "31.73.05.1002",
    "31.74",
    "31.74.01.1001",
    TEBET_BARAT,
    "31.74.01.1002.001.001",
    "31.71.06.1001",  # Menteng, Jakarta Pusat
    None,
]


def _matrix_label(area):
    return f"matriks-{area or 'tanpa-wilayah'}"


def _may_read(username, area):
    """Written out here, not read from the code: auditors see rows at or below their area;
    the provincial admin also those without one; nobody else sees anything."""
    scope = AUDITORS.get(username)
    if scope is None:
        return False
    if area is None:
        return scope == "31"
    return area == scope or area.startswith(scope + ".")


@pytest.fixture
def matrix_personas(demo_users, lapsed_users):
    people = {}
    for username, user in {**demo_users, **lapsed_users}.items():
        if username == "admin.provinsi":
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        people[username] = client
    people["anonymous"] = Client()
    return people


def test_leak_matrix_accountability_trail(matrix_personas, demo_users):
    # Only the probes on the trail (not the fixtures' grants and sign-ins): all fit one page.
    TrailEntry.objects.all()._purge()
    for area in MATRIX_AREAS:
        record(Kind.ADMIN, obj=_labelled(_matrix_label(area)), area_code=area or "")
    cases = 0
    for username, client in matrix_personas.items():
        auditor = username in AUDITORS
        page = client.get("/jejak/")
        export = client.get("/jejak/csv/")
        expected = 200 if auditor else 403 if username in demo_users else 302
        assert (page.status_code, export.status_code) == (expected, expected), username
        body = page.content.decode()
        exported = b"".join(export).decode() if auditor else export.content.decode()
        for area in MATRIX_AREAS:
            label = _matrix_label(area)
            visible = _may_read(username, area)
            where = f"{username} → {label}"
            assert (f">{label}<" in body) is visible, where
            assert (f",{label}," in exported) is visible, where
            by_area = client.get(f"/jejak/?area={area or ''}").content.decode()
            assert (f">{label}<" in by_area) is visible, where
            cases += 3
        visible_rows = set(
            TrailEntry.objects.visible_to(_user(username, demo_users)).values_list(
                "object_label", flat=True
            )
        )
        for area in MATRIX_AREAS:
            assert (_matrix_label(area) in visible_rows) is _may_read(username, area), username
            cases += 1
    MATRIX_CASES["accountability trail"] = cases


def _user(username, demo_users):
    from django.contrib.auth.models import AnonymousUser

    if username in demo_users:
        return demo_users[username]
    return User.objects.filter(username=username).first() or AnonymousUser()


# --- In the browser ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_operator_reads_the_trail_on_a_phone(open_page, demo_users):
    raise_incident(by=demo_users["piket.kebonjeruk"], title="Tawuran di gang buntu")
    page = open_page("/accounts/login/", **PHONE)
    sign_in(page, "operator.jakbar", PASSWORD)
    page.goto("/akun/")
    page.locator("main a", has_text="Jejak").click()
    page.wait_for_url("**/jejak/")
    assert page.locator(".trail-entry[data-kind=login]").count() == 1  # this very sign-in
    page.select_option("#id_kind", "kejadian")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "kind=kejadian" in url)
    entry = page.locator(".trail-entry")
    assert entry.count() == 1
    assert "Tawuran di gang buntu" in entry.inner_text()
    assert entry.locator("time").inner_text().endswith("WIB")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]  # no sideways scroll
    with page.expect_download() as download:
        page.locator("main a", has_text="Unduh CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Tawuran di gang buntu" in text and "Waktu (WIB)" in text
    export = TrailEntry.objects.get(kind=Kind.EXPORT)
    assert export.detail["filters"] == {"kind": "kejadian"}
    assert Area.objects.filter(code=export.area_id).exists()
