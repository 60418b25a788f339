"""The maintenance sweep: opens once, closes once, reopens counting, never duplicates, and costs
the same few queries whatever the number of cameras."""

import asyncio
import io
import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from alerts.models import AlertEvent
from cameras.models import Camera, CameraStatusChange, MediaNode
from maintenance.models import Reason, Status, Ticket
from maintenance.services import TicketRefused, ticket_open, ticket_repaired
from maintenance.sweep import sweep
from tests.maintenance.helpers import KJ, TB, maintainers, went

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 WIB


@pytest.fixture
def setup(demo_cameras, demo_users, settings):
    settings.MAINTENANCE_AFTER = 30
    settings.MAINTENANCE_CONFIRM = 15
    found = maintainers(demo_cameras)
    for camera in demo_cameras.values():
        went(camera, True, T0 - timedelta(days=2))
    return {**found, **demo_users, "cameras": demo_cameras}


def tickets(code):
    return list(Ticket.objects.filter(camera__code=code).order_by("pk"))


def test_offline_camera_gets_one_ticket_for_its_maintainer_then_closes(setup):
    kj = setup["cameras"][KJ]
    went(kj, False, T0)
    assert sweep(now=T0 + timedelta(minutes=29))["opened"] == 0  # not yet
    assert sweep(now=T0 + timedelta(minutes=31))["opened"] == 1
    assert sweep(now=T0 + timedelta(minutes=40))["opened"] == 0  # never twice
    [ticket] = tickets(KJ)
    assert ticket.maintainer == setup["vendor"] and ticket.area_id == kj.area_id
    assert ticket.reason == Reason.OFFLINE and ticket.status == Status.OPEN
    assert ticket.deadline == T0 + timedelta(minutes=31, hours=48)  # the vendor's 48 hours

    went(kj, True, T0 + timedelta(hours=1))
    assert sweep(now=T0 + timedelta(hours=1, minutes=14))["settled"] == 0  # not confirmed yet
    assert sweep(now=T0 + timedelta(hours=1, minutes=15))["settled"] == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at == T0 + timedelta(
        hours=1, minutes=15
    )
    assert sweep(now=T0 + timedelta(hours=2)) == {"opened": 0, "settled": 0, "overdue": 0}


def test_repaired_ticket_that_fails_again_is_reopened_and_counted(setup):
    kj = setup["cameras"][KJ]
    went(kj, False, T0)
    sweep(now=T0 + timedelta(minutes=31))
    [ticket] = tickets(KJ)
    ticket_repaired(by=setup["teknisi.barat"], ticket_id=ticket.pk, now=T0 + timedelta(hours=1))
    went(kj, True, T0 + timedelta(hours=1))
    went(kj, False, T0 + timedelta(hours=1, minutes=5))  # the repair did not hold
    assert sweep(now=T0 + timedelta(hours=1, minutes=6))["settled"] == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count, ticket.repaired_at) == (Status.OPEN, 1, None)
    assert len(tickets(KJ)) == 1


def test_ticket_opened_by_hand_closes_only_once_repaired_and_confirmed(setup):
    staf = setup["staf.kebonjeruk"]
    ticket = ticket_open(
        by=staf, camera_id=setup["cameras"][KJ].pk, reason=Reason.OBSTRUCTED, now=T0
    )
    assert sweep(now=T0 + timedelta(hours=3))["settled"] == 0  # online all along: not repaired
    with pytest.raises(TicketRefused) as twice:
        ticket_open(by=staf, camera_id=setup["cameras"][KJ].pk, reason=Reason.DAMAGED, now=T0)
    assert twice.value.status == 409
    ticket_repaired(by=setup["teknisi.barat"], ticket_id=ticket.pk, now=T0 + timedelta(hours=3))
    assert sweep(now=T0 + timedelta(hours=3, minutes=15))["settled"] == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_overdue_ticket_is_reported_once(setup):
    went(setup["cameras"][KJ], False, T0)
    sweep(now=T0 + timedelta(minutes=31))
    assert sweep(now=T0 + timedelta(hours=48))["overdue"] == 0
    assert sweep(now=T0 + timedelta(hours=49))["overdue"] == 1
    assert sweep(now=T0 + timedelta(hours=50))["overdue"] == 0


def test_low_uptime_opens_a_ticket_on_the_uptime_round(setup, settings):
    settings.MAINTENANCE_UPTIME_MIN = 80
    tb = setup["cameras"][TB]
    for hour in range(1, 24):  # offline 29 minutes every hour: never 30 in a row
        went(tb, False, T0 + timedelta(hours=hour))
        went(tb, True, T0 + timedelta(hours=hour, minutes=29))
    now = T0 + timedelta(hours=24)
    assert sweep(now=now)["opened"] == 0
    settings.MAINTENANCE_UPTIME_MIN = 50  # up 773 of 1,440 minutes: 53.7%
    assert sweep(now=now, uptime=True)["opened"] == 0
    settings.MAINTENANCE_UPTIME_MIN = 54
    assert sweep(now=now, uptime=True)["opened"] == 1
    [ticket] = tickets(TB)
    assert ticket.reason == Reason.LOW_UPTIME and ticket.maintainer == setup["dinas"]
    # Online now, yet not repaired: it stays open until a technician's repair is confirmed.
    assert sweep(now=now + timedelta(hours=1))["settled"] == 0
    ticket_repaired(by=setup["teknisi.dinas"], ticket_id=ticket.pk, now=now + timedelta(hours=1))
    assert sweep(now=now + timedelta(hours=1, minutes=15))["settled"] == 1


def test_cameras_of_a_media_node_that_does_not_answer_get_no_ticket_until_it_does(setup):
    """A node outage takes all its cameras offline at once: one alert for the node, not one
    ticket per camera; a camera still offline once its node answers again gets its ticket."""
    node = MediaNode.objects.create(
        name="n1", api_url="http://n1:9997", hls_url="/hls/n1/", capacity=10
    )
    kj, tb = setup["cameras"][KJ], setup["cameras"][TB]
    Camera.objects.filter(pk__in=[kj.pk, tb.pk]).update(node=node)
    MediaNode.objects.filter(pk=node.pk).update(reachable=False)
    went(kj, False, T0)
    went(tb, False, T0)
    assert sweep(now=T0 + timedelta(hours=1))["opened"] == 0
    assert not Ticket.objects.exists()

    MediaNode.objects.filter(pk=node.pk).update(reachable=True)
    went(tb, True, T0 + timedelta(hours=1))  # back with its node; Kebon Jeruk's camera is not
    assert sweep(now=T0 + timedelta(hours=1, minutes=1))["opened"] == 1
    assert [t.camera_id for t in Ticket.objects.all()] == [kj.pk]


def test_retired_cameras_get_no_ticket(setup):
    kj = setup["cameras"][KJ]
    went(kj, False, T0)
    Camera.objects.filter(pk=kj.pk).update(status=Camera.Status.RETIRED)
    assert sweep(now=T0 + timedelta(hours=1))["opened"] == 0


def test_retiring_a_camera_closes_its_ticket_saying_why(setup, client, tmp_path):
    """A retired camera is never confirmed back online: its ticket closes when it is retired,
    by hand (the admin's form saves the camera) or by the camera import, with the reason on
    the ticket's page; an active camera's ticket stays open."""
    from cameras.importing import import_cameras

    kj, tb = setup["cameras"][KJ], setup["cameras"][TB]
    went(kj, False, T0)
    went(tb, False, T0)
    sweep(now=T0 + timedelta(minutes=31))
    [kj_ticket], [tb_ticket] = tickets(KJ), tickets(TB)

    camera = Camera.objects.get(pk=kj.pk)
    camera.status = Camera.Status.RETIRED
    camera.save()
    kj_ticket.refresh_from_db()
    assert kj_ticket.status == Status.CLOSED and kj_ticket.closed_at is not None
    tb_ticket.refresh_from_db()
    assert tb_ticket.status == Status.OPEN
    client.force_login(setup["staf.kebonjeruk"])
    page = client.get(f"/perbaikan/{kj_ticket.pk}/").content.decode()
    assert "Kamera dinonaktifkan: tiket ditutup otomatis." in page
    camera.save()  # saved again while retired: nothing more to close, no second note
    assert kj_ticket.notes.count() == 1

    path = tmp_path / "kamera.csv"
    path.write_text(
        f"code,name,area_code,lat,lon,status\n{TB},{tb.name},{tb.area_id},"
        f"{tb.lat},{tb.lon},nonaktif\n",
        encoding="utf-8",
    )
    result = import_cameras(path)
    assert [change.code for change in result.updated] == [TB]
    tb_ticket.refresh_from_db()
    assert tb_ticket.status == Status.CLOSED
    assert [n.text for n in tb_ticket.notes.all()] == [
        "Kamera dinonaktifkan: tiket ditutup otomatis."
    ]
    assert sweep(now=T0 + timedelta(hours=2))["opened"] == 0  # retired: no new ticket


def flapping_cameras(setup, count, start):
    """`count` more cameras in Kebon Jeruk, each offline 40 minutes of every hour of the day
    before `start` + 24 h (low uptime), and one offline for good."""
    vendor = setup["vendor"]
    cameras = Camera.objects.bulk_create(
        Camera(
            code=f"ekstra-{n:03d}",
            name=f"Ekstra {n}",
            area_id="31.73.05.1001",
            lat=-6.19,
            lon=106.77,
            maintainer=vendor,
        )
        for n in range(count)
    )
    changes = [
        CameraStatusChange(camera=c, online=True, at=start - timedelta(days=2)) for c in cameras
    ]
    for camera in cameras:
        for hour in range(24):
            at = start + timedelta(hours=hour)
            changes.append(CameraStatusChange(camera=camera, online=False, at=at))
            changes.append(
                CameraStatusChange(camera=camera, online=True, at=at + timedelta(minutes=40))
            )
    CameraStatusChange.objects.bulk_create(changes)
    return cameras


@pytest.mark.parametrize("extra", [2, 49])
def test_a_round_costs_at_most_three_statements_whatever_it_does(
    setup, settings, extra, django_assert_num_queries, django_assert_max_num_queries
):
    """Every round costs at most three statements, for a few cameras or many more: the hourly
    uptime round (the uptime is computed inside the INSERT), one that opens 3 tickets or 50
    and announces them (their alerts in one statement), one that finds them overdue and
    reports them, one with nothing to do."""
    settings.MAINTENANCE_UPTIME_MIN = 80
    flapping_cameras(setup, extra, T0)
    went(setup["cameras"][KJ], False, T0)
    now = T0 + timedelta(hours=24)
    with django_assert_num_queries(3):  # open, settle, announce: the same for 3 as for 50
        found = sweep(now=now, uptime=True)
    assert found["opened"] == extra + 1
    reasons = dict(Ticket.objects.values_list("camera__code", "reason"))
    assert reasons.pop(KJ) == Reason.OFFLINE
    assert set(reasons.values()) == {Reason.LOW_UPTIME}
    assert AlertEvent.objects.filter(kind="tiket_dibuka").count() == extra + 1
    with django_assert_max_num_queries(3):
        assert sweep(now=now + timedelta(minutes=1), uptime=True)["opened"] == 0  # never twice
    with django_assert_max_num_queries(3):
        assert sweep(now=now + timedelta(minutes=2)) == {"opened": 0, "settled": 0, "overdue": 0}
    with django_assert_num_queries(3):  # the vendor's 48 hours are past for every one of them
        assert sweep(now=now + timedelta(hours=49))["overdue"] == extra + 1
    assert AlertEvent.objects.filter(kind="tiket_terlambat").count() == extra + 1
    with django_assert_max_num_queries(3):
        assert sweep(now=now + timedelta(hours=50))["overdue"] == 0  # once


def test_a_round_that_opens_and_reports_overdue_costs_three_statements(
    setup, django_assert_num_queries
):
    went(setup["cameras"][KJ], False, T0)
    sweep(now=T0 + timedelta(minutes=31))
    went(setup["cameras"][TB], False, T0 + timedelta(hours=48))
    with django_assert_num_queries(3):
        found = sweep(now=T0 + timedelta(hours=49))
    assert found == {"opened": 1, "settled": 0, "overdue": 1}
    kinds = AlertEvent.objects.filter(kind__startswith="tiket").values_list(
        "kind", "payload__camera"
    )
    assert sorted(kinds) == [("tiket_dibuka", KJ), ("tiket_dibuka", TB), ("tiket_terlambat", KJ)]


def expected_alert(ticket, kind):
    """A ticket's alert, as the alerts app built it from the ticket in Python before it was
    built in SQL: the same kind, area, title, link, payload, depth, action and key."""
    opened = kind == "tiket_dibuka"
    payload = {"ticket": ticket.pk, "camera": ticket.camera.code}
    if opened:
        payload["reason"] = ticket.reason
    payload["maintainer"] = ticket.maintainer.name if ticket.maintainer_id else ""
    payload["deadline"] = ticket.deadline.isoformat()
    return {
        "kind": kind,
        "area_id": ticket.area_id,
        "severity": "rendah" if opened else "sedang",
        "title": ticket.camera.name,
        "link": f"/perbaikan/{ticket.pk}/",
        "payload": payload,
        "min_depth": 4 if opened else 2,
        "maintainer_id": ticket.maintainer_id,
        "action": "view_tickets",
        "key": "" if opened else f"tiket-terlambat:{ticket.pk}:{ticket.reopen_count}",
    }


def test_ticket_alerts_say_exactly_what_they_said_before_and_are_pushed_as_stored(
    setup, django_capture_on_commit_callbacks
):
    """Alerts built in SQL carry what the ticket says, deadlines with and without fractions of a
    second and a camera without a maintainer included; what the sockets get is the alert as
    stored (the message a socket that missed it replays)."""
    from asgiref.sync import async_to_sync, sync_to_async
    from channels.layers import get_channel_layer

    from alerts.groups import area_group

    staf, teknisi = setup["staf.kebonjeruk"], setup["teknisi.barat"]
    went(setup["cameras"][KJ], False, T0)
    Camera.objects.filter(code=TB).update(maintainer=None)
    went(setup["cameras"][TB], False, T0 + timedelta(hours=1))  # opened on a whole second

    def rounds():
        with django_capture_on_commit_callbacks(execute=True):  # pushed as they commit
            sweep(now=T0 + timedelta(minutes=31, microseconds=123456))
            by_hand = ticket_open(
                by=staf,
                camera_id=setup["cameras"]["kebonjeruk-pasar"].pk,
                reason=Reason.OBSTRUCTED,
                now=T0 + timedelta(hours=1, microseconds=5),
            )
            ticket_repaired(by=teknisi, ticket_id=by_hand.pk, now=T0 + timedelta(hours=2))
            went(setup["cameras"]["kebonjeruk-pasar"], False, T0 + timedelta(hours=3))
            sweep(now=T0 + timedelta(hours=4))  # opens Tebet's, reopens the one opened by hand
            sweep(now=T0 + timedelta(hours=80))  # every ticket overdue
        return AlertEvent.objects.filter(kind__startswith="tiket").count()

    async def listened():
        """Every ticket alert the two kelurahan's groups were sent (their cameras' too)."""
        layer = get_channel_layer()
        listener = await layer.new_channel()
        groups = [area_group("31.73.05.1001"), area_group("31.74.01.1002")]
        for group in groups:
            await layer.group_add(group, listener)
        count = await sync_to_async(rounds)()
        found = {}
        while len(found) < count:
            message = await asyncio.wait_for(layer.receive(listener), timeout=10)
            if message["event"]["kind"].startswith("tiket"):
                found[message["event"]["id"]] = message["event"]
        for group in groups:
            await layer.group_discard(group, listener)
        return found

    pushed = async_to_sync(listened)()
    fields = list(expected_alert(Ticket.objects.first(), "tiket_dibuka"))
    stored = AlertEvent.objects.filter(kind__startswith="tiket")
    tickets = Ticket.objects.select_related("camera", "maintainer")
    expected = [
        expected_alert(ticket, kind)
        for kind in ("tiket_dibuka", "tiket_terlambat")
        for ticket in tickets
    ]
    said = [{name: getattr(alert, name) for name in fields} for alert in stored]
    assert sorted(said, key=repr) == sorted(expected, key=repr)
    assert {t.maintainer_id for t in tickets} == {None, setup["vendor"].pk}
    assert {t.reopen_count for t in tickets} == {0, 1}
    fractions = {t.deadline.microsecond for t in tickets}
    assert 0 in fractions and len(fractions) > 1
    assert pushed == {alert.pk: alert.as_message() for alert in stored}


def test_sweep_command_once(setup, capsys):
    went(setup["cameras"][KJ], False, T0)
    call_command("maintenance_sweep", now=(T0 + timedelta(hours=1)).isoformat())
    assert "1 tiket dibuka" in capsys.readouterr().out


def test_overdue_ticket_alerts_the_area_from_the_kota_down(setup):
    from alerts.models import AlertEvent

    went(setup["cameras"][KJ], False, T0)
    sweep(now=T0 + timedelta(minutes=31))
    sweep(now=T0 + timedelta(hours=49))
    sweep(now=T0 + timedelta(hours=50))
    [alert] = AlertEvent.objects.filter(kind="tiket_terlambat")
    assert alert.payload["maintainer"] == "CV Teknik Barat"
    people = ("operator.jakbar", "staf.kebonjeruk", "operator.tebet", "piket.kebonjeruk")
    people += ("teknisi.barat", "teknisi.dinas")
    visible = {u for u in people if AlertEvent.objects.visible_to(setup[u]).filter(pk=alert.pk)}
    # Those who work tickets from the kota operator down in the camera's area (not its piket
    # officer, who cannot open the ticket), and the maintainer's technician.
    assert visible == {"operator.jakbar", "staf.kebonjeruk", "teknisi.barat"}


def test_a_technician_reads_its_overdue_ticket_on_the_alerts_page(setup, client):
    went(setup["cameras"][KJ], False, T0)
    sweep(now=T0 + timedelta(minutes=31))
    sweep(now=T0 + timedelta(hours=49))
    link = f'href="/perbaikan/{tickets(KJ)[0].pk}/"'
    client.force_login(setup["teknisi.barat"])
    page = client.get("/peringatan/")
    assert page.status_code == 200 and link in page.content.decode()
    client.force_login(setup["teknisi.dinas"])
    assert link not in client.get("/peringatan/").content.decode()


def test_camera_import_sets_the_maintainer_by_name(setup, tmp_path):
    from cameras.importing import import_cameras

    path = tmp_path / "kamera.csv"
    path.write_text(
        "code,name,area_code,lat,lon,maintainer\n"
        f"{KJ},Simpang,31.73.05.1001,-6.1937,106.7695,diskominfotik\n"
        "kamera-baru,Baru,31.73.05.1001,-6.1937,106.7695,Tidak Ada\n",
        encoding="utf-8",
    )
    result = import_cameras(path)
    assert [row.line for row in result.rejected] == [3]
    assert "pemelihara Tidak Ada tidak dikenal" in " ".join(result.rejected[0].problems)
    assert Camera.objects.get(code=KJ).maintainer == setup["dinas"]


@pytest.mark.django_db(transaction=True)  # the loop closes and reopens its connection
def test_sweep_worker_repeats_until_stopped(setup):
    """`maintenance_sweep --every 60`: each round sweeps (the uptime rule on the first), only
    rounds that changed something print, a stop signal ends it, the handlers are put back."""
    from maintenance.management.commands.maintenance_sweep import Command

    handler = signal.getsignal(signal.SIGTERM)
    went(setup["cameras"][KJ], False, T0)
    ticks = iter(
        [T0 + timedelta(minutes=10), T0 + timedelta(minutes=31), T0 + timedelta(minutes=32)]
    )
    stop = threading.Event()

    def clock():
        moment = next(ticks, None)
        if moment is None:
            stop.set()  # as SIGTERM does
            return T0 + timedelta(minutes=33)
        return moment

    out = io.StringIO()
    err = io.StringIO()
    Command(stdout=out, stderr=err).loop(0.01, clock, stop=stop)
    assert err.getvalue() == ""
    assert out.getvalue().splitlines() == [
        "Penyapuan pemeliharaan setiap 0.01 detik (Ctrl-C untuk berhenti).",
        "23-11-2026 10.31.00 WIB: 1 tiket dibuka, 0 ditutup atau dibuka ulang, 0 terlambat.",
        "Penyapuan pemeliharaan dihentikan.",
    ]
    assert signal.getsignal(signal.SIGTERM) == handler
    assert len(tickets(KJ)) == 1
