"""The alerts socket, /ws/alerts/, through the real ASGI stack (origin check, session auth) with
channels' communicator: who receives what, refusals, replay after a reconnect, re-scoping.

The consumer reads the database from worker threads, so these tests commit their data
(transaction=True). The channel layer is the configured one: in-memory, or Redis with REDIS_URL.
"""

from dataclasses import dataclass

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.consumers import CLOSE_NO_ACCESS, CLOSE_SIGNED_OUT, _current_scopes
from alerts.models import AlertEvent, AlertScope, alert_scope
from alerts.publish import publish_alert
from jakcctv.asgi import application
from kelurahan.demo import DEMO_USERS
from kelurahan.models import RoleAssignment, User
from tests.figures import MATRIX_CASES
from tests.personas import KEBON_JERUK, PASSWORD, TEBET_BARAT, enrol_totp, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_channel_layer():
    async_to_sync(get_channel_layer().flush)()
    yield
    async_to_sync(get_channel_layer().flush)()


def session_of(user):
    client = Client()
    client.force_login(user)
    return client


signed_in_as = database_sync_to_async(session_of)  # the same, from a scenario


# How long a step may take before the test calls it hung (a guard, not a speed check: a loaded
# CI machine running two suites side by side once took over 5 s to replay).
PATIENCE = 30


class Socket:
    """One browser tab's alerts socket."""

    def __init__(self, client=None, origin="http://127.0.0.1"):
        headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1")]
        if client is not None:
            headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
        self.communicator = WebsocketCommunicator(application, "/ws/alerts/", headers=headers)

    async def connect(self):
        connected, _ = await self.communicator.connect(timeout=PATIENCE)
        return connected

    async def resume(self, last_id=0, seen=(), floor=None):
        """Say where we stand; returns (replayed alerts, the "ready" message)."""
        resume = {"type": "resume", "last_id": last_id, "seen": list(seen)}
        if floor is not None:
            resume["floor"] = floor
        await self.communicator.send_json_to(resume)
        replayed = []
        while True:
            message = await self.communicator.receive_json_from(timeout=PATIENCE)
            if message["type"] == "ready":
                return replayed, message
            replayed.append(message)

    async def open(self, last_id=0, seen=(), floor=None):
        assert await self.connect()
        return await self.resume(last_id, seen, floor)

    async def received(self, quiet=0.3):
        """Every message until the socket has been quiet for `quiet` seconds."""
        messages = []
        while not await self.communicator.receive_nothing(timeout=quiet):
            messages.append(await self.communicator.receive_json_from())
        return messages

    async def next_message(self, timeout=PATIENCE):
        return await self.communicator.receive_json_from(timeout=timeout)

    async def closed_with(self, timeout=PATIENCE):
        output = await self.communicator.receive_output(timeout=timeout)
        assert output["type"] == "websocket.close", output
        return output.get("code")

    async def close(self):
        await self.communicator.disconnect()


@database_sync_to_async
def publish(area=KEBON_JERUK, min_depth=4, **fields):
    defaults = {"kind": "kejadian_baru", "severity": "tinggi", "title": f"Kejadian di {area}"}
    return publish_alert(area_code=area, min_depth=min_depth, **{**defaults, **fields}).pk


def ids(messages):
    return [m["id"] for m in messages if m["type"] == "alert"]


def run(scenario):
    async_to_sync(scenario)()


def test_in_scope_receives_out_of_scope_does_not(demo_users):
    async def scenario():
        kebon_jeruk = Socket(await signed_in_as(demo_users["piket.kebonjeruk"]))
        tebet = Socket(await signed_in_as(demo_users["piket.tebetbarat"]))
        await kebon_jeruk.open()
        await tebet.open()
        fire = await publish(title="Kebakaran gudang", severity="darurat")
        (message,) = await kebon_jeruk.received()
        assert message == {
            "type": "alert",
            "replay": False,
            "id": fire,
            "kind": "kejadian_baru",
            "severity": "darurat",
            "title": "Kebakaran gudang",
            "area": KEBON_JERUK,
            "area_name": "Kebon Jeruk",
            "min_depth": 4,
            "action": "",
            "maintainer": None,
            "link": "",
            "payload": {},
            "created_at": message["created_at"],
        }
        assert await tebet.received() == []
        await kebon_jeruk.close()
        await tebet.close()

    run(scenario)


def test_anonymous_foreign_origin_and_lapsed_users_are_refused(demo_users, lapsed_users):
    async def scenario():
        anonymous = Socket()
        assert await anonymous.connect()
        assert await anonymous.closed_with() == CLOSE_SIGNED_OUT
        assert not await Socket(
            await signed_in_as(demo_users["piket.kebonjeruk"]), "http://evil.test"
        ).connect()
        for user in lapsed_users.values():
            if not user.is_active:
                continue  # Django's session auth already makes a deactivated user anonymous
            socket = Socket(await signed_in_as(user))
            assert await socket.connect()
            assert await socket.closed_with() == CLOSE_NO_ACCESS, user
        # A provincial admin must have enrolled the second factor, as for every page.
        admin = Socket(await signed_in_as(demo_users["admin.provinsi"]))
        assert await admin.connect()
        assert await admin.closed_with() == CLOSE_NO_ACCESS

    run(scenario)


@pytest.mark.parametrize(
    "origin, host, forwarded, accepted",
    [
        ("http://127.0.0.1", "127.0.0.1", None, True),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", None, True),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", None, False),  # another port
        ("http://127.0.0.1:8000", "127.0.0.1", None, False),
        ("https://127.0.0.1", "127.0.0.1", None, False),  # another scheme
        ("https://127.0.0.1", "127.0.0.1", "https", True),  # TLS ends at the proxy
        ("http://127.0.0.1", "127.0.0.1", "https", False),  # a plain page of the HTTPS portal
        ("http://evil.test", "evil.test", None, False),  # not an allowed host at all
        ("https://cctv.jakarta.go.id", "127.0.0.1", None, True),  # CSRF_TRUSTED_ORIGINS
        ("https://peta.jakarta.go.id", "127.0.0.1", None, True),  # https://*.jakarta.go.id
        ("http://peta.jakarta.go.id", "127.0.0.1", None, False),
        ("null", "127.0.0.1", None, False),
    ],
)
def test_the_origin_must_match_scheme_host_and_port(
    demo_users, settings, origin, host, forwarded, accepted
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CSRF_TRUSTED_ORIGINS = ["https://cctv.jakarta.go.id", "https://*.jakarta.go.id"]

    async def scenario():
        client = await signed_in_as(demo_users["piket.kebonjeruk"])
        headers = [
            (b"origin", origin.encode()),
            (b"host", host.encode()),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
        ]
        if forwarded:
            headers.append((b"x-forwarded-proto", forwarded.encode()))
        communicator = WebsocketCommunicator(application, "/ws/alerts/", headers=headers)
        connected, _ = await communicator.connect(timeout=PATIENCE)
        assert connected is accepted, (origin, host, forwarded)
        await communicator.disconnect()

    run(scenario)


def _signed_in_by_password(username):
    """A browser signed in through the login page (listed on the sessions page)."""
    client = Client()
    client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    return client


@pytest.mark.parametrize("how", ["sessions page", "password change"])
def test_a_session_ended_elsewhere_closes_its_socket_at_once(demo_users, how):
    """Ending a session from the sessions page, or changing the password in another browser,
    closes that session's socket now, not at the next recheck; the other browser stays."""
    new_password = "Ganti-Sandi-Setelah-Bocor-71!"

    async def scenario():
        phone = await database_sync_to_async(_signed_in_by_password)("piket.kebonjeruk")
        desk = await database_sync_to_async(_signed_in_by_password)("piket.kebonjeruk")
        phone_tab, desk_tab = Socket(phone), Socket(desk)
        await phone_tab.open()
        await desk_tab.open()
        if how == "sessions page":
            await database_sync_to_async(desk.post)("/accounts/sessions/")
        else:
            await database_sync_to_async(desk.post)(
                "/accounts/password/change/",
                {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
            )
        assert await phone_tab.closed_with(timeout=5) == CLOSE_SIGNED_OUT
        if how == "sessions page":  # a password change gives the desk's session a new key
            alert = await publish()
            assert ids(await desk_tab.received()) == [alert]
        await desk_tab.close()

    run(scenario)


def test_replay_after_reconnect_returns_exactly_the_missed_visible_alerts(demo_users):
    async def scenario():
        client = await signed_in_as(demo_users["fkdm.kebonjeruk"])
        before = await publish(title="Sebelum tersambung")
        tab = Socket(client)
        replayed, ready = await tab.open(last_id=before)
        assert replayed == [] and ready["unread"] == 1
        first = await publish(title="Pertama")
        await publish(area=TEBET_BARAT)  # not theirs
        assert ids(await tab.received()) == [first]
        await tab.close()

        missed = [await publish(title="Terlewat 1")]
        await publish(area=TEBET_BARAT)
        missed.append(await publish(min_depth=3, title="Sudah naik ke kecamatan"))
        await publish(area="31.73.05.1002")  # the neighbour kelurahan
        missed.append(await publish(area="31", min_depth=1, kind="pengumuman", title="Waspada"))

        again = Socket(client)
        replayed, ready = await again.open(last_id=first, seen=[first], floor=before)
        assert ids(replayed) == missed  # oldest first, nothing twice, nothing of others
        assert all(m["replay"] for m in replayed)
        assert ready["unread"] == 5
        live = await publish(title="Langsung")
        assert ids(await again.received()) == [live]
        await again.close()

    run(scenario)


def test_an_alert_committed_late_with_a_smaller_id_is_still_replayed(demo_users):
    """Two transactions at once: the browser saw the later id first and then lost its socket.
    The replay looks a little before last_id and leaves out what the browser says it saw."""

    async def scenario():
        client = await signed_in_as(demo_users["piket.kebonjeruk"])
        older = await publish(title="Tersimpan lebih dulu, terkirim belakangan")
        newer = await publish(title="Terkirim lebih dulu")
        replayed, _ready = await Socket(client).open(last_id=newer, seen=[newer], floor=0)
        assert ids(replayed) == [older]
        # Without a floor the browser asks for exactly "after last_id".
        replayed, _ready = await Socket(client).open(last_id=newer, seen=[newer])
        assert replayed == []

    run(scenario)


def test_live_alerts_during_the_replay_are_held_and_sent_once(demo_users):
    async def scenario():
        tab = Socket(await signed_in_as(demo_users["piket.kebonjeruk"]))
        assert await tab.connect()
        before = await publish(title="Sebelum")
        during = await publish(title="Tiba sebelum resume")  # pushed live and also in the replay
        replayed, _ready = await tab.resume(last_id=before)
        assert ids(replayed) == [during]
        assert await tab.received() == []  # the held live copy was not sent again
        await tab.close()

    run(scenario)


def test_one_user_in_two_groups_gets_each_alert_once(demo_areas):
    user = make_user("fkdm.dan.piket", "relawan_fkdm", "31.73.05.1001.002")
    RoleAssignment.objects.create(user=user, role="petugas_piket", area_id=KEBON_JERUK)

    async def scenario():
        tab = Socket(await signed_in_as(user))
        await tab.open()
        rw = await publish(area="31.73.05.1001.002")  # sent to the RW's and the kelurahan's group
        assert ids(await tab.received()) == [rw]
        await tab.close()

    run(scenario)


def test_revoked_or_deactivated_user_is_disconnected_at_once(demo_users):
    async def scenario():
        piket, staf = demo_users["piket.kebonjeruk"], demo_users["staf.kebonjeruk"]
        piket_tab = Socket(await signed_in_as(piket))
        staf_tab = Socket(await signed_in_as(staf))
        await piket_tab.open()
        await staf_tab.open()

        @database_sync_to_async
        def revoke_and_deactivate():
            assignment = RoleAssignment.objects.get(user=piket)
            assignment.revoked_at = timezone.now()
            assignment.save()
            staf.is_active = False
            staf.save()

        await revoke_and_deactivate()
        assert await piket_tab.closed_with() == CLOSE_NO_ACCESS
        assert await staf_tab.closed_with() == CLOSE_NO_ACCESS

    run(scenario)


def test_new_assignment_rescopes_the_open_socket(demo_users):
    async def scenario():
        volunteer = demo_users["fkdm.tebetbarat"]
        tab = Socket(await signed_in_as(volunteer))
        await tab.open()
        await publish()
        assert await tab.received() == []

        @database_sync_to_async
        def assign():
            RoleAssignment.objects.create(user=volunteer, role="relawan_fkdm", area_id=KEBON_JERUK)

        await assign()
        scope = await tab.next_message()
        assert scope == {"type": "scope", "areas": [KEBON_JERUK, TEBET_BARAT]}
        now_theirs = await publish()
        assert ids(await tab.received()) == [now_theirs]
        await tab.close()

    run(scenario)


def test_assignment_ending_by_the_clock_closes_the_socket(demo_areas, settings):
    settings.ALERTS_RECHECK_SECONDS = 1
    user = make_user(
        "piket.sebentar",
        "petugas_piket",
        KEBON_JERUK,
        valid_until=timezone.now() + timezone.timedelta(seconds=2),
    )

    async def scenario():
        tab = Socket(await signed_in_as(user))
        await tab.open()
        assert await tab.closed_with(timeout=6) == CLOSE_NO_ACCESS

    run(scenario)


def test_one_recheck_of_all_open_sockets_closes_only_those_that_lost_access(demo_users, settings):
    """A bulk update sends no signal: the process's periodic re-check, one trip to the database
    for all its sockets, finds it; the others keep their alerts."""
    settings.ALERTS_RECHECK_SECONDS = 1
    piket, staf = demo_users["piket.kebonjeruk"], demo_users["staf.kebonjeruk"]

    async def scenario():
        piket_tab = Socket(await signed_in_as(piket))
        staf_tab = Socket(await signed_in_as(staf))
        await piket_tab.open()
        await staf_tab.open()
        revoke = RoleAssignment.objects.filter(user=piket).update
        await database_sync_to_async(revoke)(revoked_at=timezone.now())
        assert await piket_tab.closed_with(timeout=6) == CLOSE_NO_ACCESS
        alert = await publish()
        assert ids(await staf_tab.received()) == [alert]
        await staf_tab.close()

    run(scenario)


def test_the_recheck_costs_the_same_few_queries_for_any_number_of_sockets(demo_users):
    admin = demo_users["admin.provinsi"]
    enrol_totp(admin)
    sockets = [(session_of(user).session.session_key, user.pk) for user in demo_users.values()]
    sockets = [(user_id, key) for key, user_id in sockets] + [(admin.pk, "berakhir")]
    with CaptureQueriesContext(connection) as queries:
        scopes = _current_scopes.func(sockets)
    assert len(queries.captured_queries) == 3  # assignments, second factors, sessions
    assert scopes[admin.pk, "berakhir"] == AlertScope()  # that session has ended
    for user_id, key in sockets[:-1]:
        user = User.objects.get(pk=user_id)
        assert scopes[user_id, key] == alert_scope(user, fresh=True), user


def test_signing_out_closes_that_sessions_socket_only(demo_users):
    async def scenario():
        user = demo_users["piket.kebonjeruk"]
        desk, phone = await signed_in_as(user), await signed_in_as(user)
        desk_tab, phone_tab = Socket(desk), Socket(phone)
        await desk_tab.open()
        await phone_tab.open()
        await database_sync_to_async(desk.logout)()
        assert await desk_tab.closed_with() == CLOSE_SIGNED_OUT
        alert = await publish()
        assert ids(await phone_tab.received()) == [alert]
        await phone_tab.close()

    run(scenario)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")
def test_sockets_that_come_and_go_give_their_database_connections_back(demo_users):
    """A day of phones reconnecting must not drain the process's connection pool: once it is
    empty every page and socket of that process waits, then fails (PoolTimeout)."""
    pool = connection.pool
    client = Client()
    client.force_login(demo_users["piket.kebonjeruk"])

    async def one_visit():
        tab = Socket(client)
        await tab.open()
        await tab.close()

    for _ in range(pool.max_size + 5):  # each visit in an event loop of its own
        run(one_visit)
    stats = pool.get_stats()
    assert stats["pool_size"] - stats["pool_available"] <= 1  # at most this test's own


def test_garbage_from_the_browser_is_ignored(demo_users):
    async def scenario():
        tab = Socket(await signed_in_as(demo_users["piket.kebonjeruk"]))
        assert await tab.connect()
        await tab.communicator.send_to(text_data="bukan json")
        await tab.communicator.send_json_to(["resume"])
        replayed, ready = await tab.resume(last_id="semua", seen="x")
        assert ready["type"] == "ready"
        alert = await publish()
        assert ids(await tab.received()) == [alert]
        await tab.close()

    run(scenario)


# --- The matrix: persona × alert, pushed live and replayed, agree with the page --------------


@dataclass(frozen=True)
class Probe:
    area: str
    min_depth: int
    kind: str = "kejadian_baru"
    action: str = ""  # only grants whose role allows it
    maintainer: str = ""  # and that organisation's technicians


PROBES = [
    Probe("31", 1, "pengumuman"),  # province-wide: everyone
    Probe("31.73", 1, "pengumuman"),  # Jakarta Barat
    Probe("31.73.05.1001", 4),  # Kebon Jeruk, kelurahan level
    Probe("31.73.05.1001.002", 4),  # an RW in Kebon Jeruk
    Probe("31.73.05.1001.002.003", 3),  # an RT in Kebon Jeruk, escalated to the kecamatan
    Probe("31.73.05.1001", 2, "kejadian_dinaikkan"),  # escalated to the kota
    Probe("31.73.05.1001", 1, "kejadian_dinaikkan"),  # escalated to the province
    Probe("31.73.05.1001.002.003", 1, "kamera_offline"),  # a camera in an RT
    Probe("31.73.05.1002", 4),  # Sukabumi Utara, the neighbour
    Probe("31.73.05.1002", 3, "piket_belum_masuk"),
    Probe("31.74.01.1002", 4),  # Tebet Barat
    Probe("31.74.01.1002", 3, "kejadian_dinaikkan"),
    Probe("31.74.01.1001", 1, "kamera_offline"),  # Tebet Timur
    Probe("31.71.06.1001", 1, "kamera_online"),  # Menteng, Jakarta Pusat
    # A data request's deadline: those who handle requests there, not piket or FKDM.
    Probe("31.73.05.1001", 1, "permohonan_batas_dekat", "manage_requests"),
    Probe("31.74.01.1002", 1, "permohonan_terlambat", "manage_requests"),
    # Tickets: those who work tickets there, and the camera's maintainer's technicians.
    Probe("31.73.05.1001.002", 4, "tiket_dibuka", "view_tickets", "barat"),
    Probe("31.73.05.1001", 2, "tiket_terlambat", "view_tickets", "barat"),
    Probe("31.74.01.1002", 4, "tiket_dibuka", "view_tickets", "dinas"),
    Probe("31", 1, "tiket_terlambat", "view_tickets", "dinas"),  # a province-wide one
]

# Who may act, written apart from kelurahan/roles.py.
ACTORS = {
    "manage_requests": {"admin_provinsi", "operator", "staf_kelurahan"},
    "view_tickets": {"admin_provinsi", "operator", "staf_kelurahan", "teknisi"},
}


def _expected(grants, probe):
    """Written apart from the code: a grant sees what lies in its area at its depth or above
    (the province sees all), and a province-wide alert concerns anyone with a live grant; an
    alert asking an action counts only the grants whose role may do it; a technician (a grant
    for an organisation, no area) sees its organisation's ticket alerts and nothing else."""
    if any(maintainer and maintainer == probe.maintainer for _c, _r, maintainer in grants):
        return True
    scope = [
        c for c, role, _m in grants if c and (not probe.action or role in ACTORS[probe.action])
    ]
    if not scope:
        return False
    if probe.area == "31":
        return True
    for code in scope:
        inside = probe.area == code or probe.area.startswith(code + ".")
        if inside and (code == "31" or len(code.split(".")) >= probe.min_depth):
            return True
    return False


@pytest.fixture
def maintainers():
    from kelurahan.models import Maintainer

    return {
        "barat": Maintainer.objects.create(name="CV Teknik Barat", kind="vendor"),
        "dinas": Maintainer.objects.create(name="Diskominfotik", kind="diskominfotik"),
    }


@pytest.fixture
def matrix_personas(demo_users, lapsed_users, maintainers):
    """{username: (user, its live grants as (area code, role, maintainer key))}."""
    enrol_totp(demo_users["admin.provinsi"])
    people = {
        d.username: (demo_users[d.username], ((d.area_code, d.role, ""),)) for d in DEMO_USERS
    }
    both = make_user("operator.dan.staf", "operator", "31.73")
    RoleAssignment.objects.create(user=both, role="staf_kelurahan", area_id=KEBON_JERUK)
    people[both.username] = (both, (("31.73", "operator", ""), (KEBON_JERUK, "staf_kelurahan", "")))
    rw = make_user("fkdm.rw002", "relawan_fkdm", "31.73.05.1001.002")
    people[rw.username] = (rw, (("31.73.05.1001.002", "relawan_fkdm", ""),))
    for key, maintainer in maintainers.items():
        teknisi = make_user(f"teknisi.{key}", "teknisi", maintainer=maintainer)
        people[teknisi.username] = (teknisi, ((None, "teknisi", key),))
    for username, user in lapsed_users.items():
        people[username] = (user, ())
    return people


def test_matrix_push_and_replay_agree_with_the_page(matrix_personas, maintainers):
    cases = 0
    users = {name: User.objects.get(pk=user.pk) for name, (user, _scope) in matrix_personas.items()}
    clients = {name: session_of(user) for name, user in users.items()}
    start = AlertEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    async def scenario():
        nonlocal cases
        sockets = {}
        for name, (_user, scope) in matrix_personas.items():
            socket = Socket(clients[name])
            assert await socket.connect()
            if scope:
                await socket.resume(last_id=start)
                sockets[name] = socket
            else:
                assert await socket.closed_with() in {CLOSE_NO_ACCESS, CLOSE_SIGNED_OUT}, name
                cases += 1
        published = {}
        for probe in PROBES:
            maintainer = maintainers[probe.maintainer].pk if probe.maintainer else None
            alert = await publish(
                area=probe.area,
                min_depth=probe.min_depth,
                kind=probe.kind,
                action=probe.action,
                maintainer_id=maintainer,
            )
            published[alert] = probe
        for name, socket in sockets.items():
            scope = matrix_personas[name][1]
            pushed = ids(await socket.received())
            assert len(pushed) == len(set(pushed)), name  # never twice
            expected = [pk for pk, probe in published.items() if _expected(scope, probe)]
            assert sorted(pushed) == expected, name
            replay, _ready = await Socket(clients[name]).open(last_id=start)
            assert ids(replay) == expected, name
            await socket.close()
            cases += 2 * len(PROBES)
        return published

    published = async_to_sync(scenario)()
    for name, (_user, scope) in matrix_personas.items():
        client = clients[name]
        page = client.get("/peringatan/")
        body = page.content.decode() if page.status_code == 200 else ""
        visible = set(AlertEvent.objects.visible_to(users[name]).values_list("pk", flat=True))
        for pk, probe in published.items():
            expected = _expected(scope, probe)
            where = f"{name} → {probe}"
            assert (pk in visible) is expected, where
            assert (f'data-alert="{pk}"' in body) is expected, where
            status = client.post(f"/peringatan/{pk}/dibaca/").status_code
            assert status == (302 if expected else 404) if scope else status in {302, 403}, where
            cases += 3
    MATRIX_CASES["alerts: socket push and replay, page, mark read"] = cases


def test_a_technician_hears_live_of_its_organisations_tickets_only(demo_users, demo_cameras):
    """The real sweep opens a ticket for a Kebon Jeruk camera (maintained by a vendor): the
    vendor's technician hears of it live, then of it being overdue; the other organisation's
    technician and the kelurahan's piket officer hear nothing of it; an incident in the area
    never reaches a technician."""
    from datetime import timedelta

    from maintenance.sweep import sweep
    from tests.maintenance.helpers import KJ, maintainers, went

    people = maintainers(demo_cameras)
    start = timezone.now() - timedelta(days=3)
    for camera in demo_cameras.values():
        went(camera, True, start - timedelta(days=1))
    went(demo_cameras[KJ], False, start)

    async def scenario():
        barat = Socket(await signed_in_as(people["teknisi.barat"]))
        dinas = Socket(await signed_in_as(people["teknisi.dinas"]))
        piket = Socket(await signed_in_as(demo_users["piket.kebonjeruk"]))
        staf = Socket(await signed_in_as(demo_users["staf.kebonjeruk"]))
        for socket in (barat, dinas, piket, staf):
            await socket.open()
        await database_sync_to_async(sweep)(now=start + timedelta(minutes=31))
        [opened] = [m for m in await barat.received() if m["type"] == "alert"]
        assert (opened["kind"], opened["maintainer"]) == ("tiket_dibuka", people["vendor"].pk)
        assert opened["payload"]["camera"] == KJ
        assert ids(await staf.received()) == [opened["id"]]
        await database_sync_to_async(sweep)(now=start + timedelta(hours=49))
        [overdue] = [m for m in await barat.received() if m["type"] == "alert"]
        assert overdue["kind"] == "tiket_terlambat"
        incident = await publish(title="Kejadian di Kebon Jeruk")
        assert await barat.received() == []
        assert ids(await staf.received()) == [overdue["id"], incident]
        assert ids(await dinas.received()) == []
        assert ids(await piket.received()) == [incident]  # the incident, never the tickets
        for socket in (barat, dinas, piket, staf):
            await socket.close()

    run(scenario)
