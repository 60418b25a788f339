"""Live alerts, stored side: what raises an alert, who may see it, the alerts page, marking read,
and the installable app (manifest, service worker, offline page). The sockets are in
test_alerts_consumer.py, several server processes in test_alerts_daphne.py."""

import io
import json
import signal
import threading
from datetime import datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from alerts.management.commands.check_shift_checkins import Command as CheckinCommand
from alerts.models import AlertEvent, mark_all_read
from alerts.publish import publish_alert
from alerts.shifts import check_shift_checkins
from cameras.health import record_status
from cameras.models import Camera
from incidents.models import Agency
from incidents.services import (
    incident_acknowledge,
    incident_comment,
    incident_create,
    incident_escalate,
    incident_forward,
    sla_sweep,
)
from kelurahan.models import RoleAssignment
from shifts.models import Shift, ShiftDuty, ShiftSlot
from tests.personas import KEBON_JERUK, TEBET_BARAT, make_user

pytestmark = pytest.mark.django_db
WIB = timezone.get_default_timezone()


def _raise(by, **fields):
    defaults = {
        "category": "kebakaran",
        "severity": "darurat",
        "title": "Kebakaran rumah warga",
        "area_code": KEBON_JERUK,
    }
    return incident_create(by=by, **{**defaults, **fields})


def _alerts(**filters):
    return list(AlertEvent.objects.filter(**filters).order_by("pk"))


def _sees(user, event):
    return AlertEvent.objects.visible_to(user).filter(pk=event.pk).exists()


# --- Sources -----------------------------------------------------------------------------------


def test_incident_raised_escalated_forwarded_each_alert_the_right_people(
    demo_users, django_capture_on_commit_callbacks
):
    piket = demo_users["piket.kebonjeruk"]
    with django_capture_on_commit_callbacks() as pushed:
        incident = _raise(piket)
    (created,) = _alerts()
    assert (created.kind, created.area_id, created.min_depth) == ("kejadian_baru", KEBON_JERUK, 4)
    assert (created.severity, created.title) == ("darurat", "Kebakaran rumah warga")
    assert created.link == f"/kejadian/{incident.pk}/"
    assert created.payload == {
        "incident": incident.pk,
        "category": "kebakaran",
        "level": "kelurahan",
    }
    assert len(pushed) == 1  # pushed once, after commit
    assert _sees(piket, created) and _sees(demo_users["fkdm.kebonjeruk"], created)
    assert _sees(demo_users["admin.provinsi"], created)
    # The kota operator learns of it only once it reaches the kota (as with the incident itself).
    assert not _sees(demo_users["operator.jakbar"], created)
    assert not _sees(demo_users["piket.tebetbarat"], created)

    incident_acknowledge(incident_id=incident.pk, by=piket)
    incident_comment(incident_id=incident.pk, by=piket, note="Damkar sudah dihubungi")
    assert len(_alerts()) == 1  # acknowledging and commenting are not alerts

    incident_escalate(incident_id=incident.pk, by=piket)
    incident_escalate(incident_id=incident.pk, by=demo_users["staf.kebonjeruk"])
    to_kecamatan, to_kota = _alerts(kind="kejadian_dinaikkan")
    assert (to_kecamatan.min_depth, to_kota.min_depth) == (3, 2)
    assert to_kota.payload["level"] == "kota"
    assert _sees(demo_users["operator.jakbar"], to_kota)
    assert not _sees(demo_users["operator.jakbar"], to_kecamatan)

    damkar = Agency.objects.create(name="Sudin Gulkarmat Jakarta Barat", kind="damkar")
    bpbd = Agency.objects.create(name="BPBD DKI", kind="bpbd")
    incident_forward(incident_id=incident.pk, by=piket, agencies=[damkar, bpbd])
    forwarded = _alerts(kind="kejadian_diteruskan")
    assert [a.payload["agency"] for a in forwarded] == [damkar.name, bpbd.name]


def test_sweep_alerts_auto_escalation_and_overdue(demo_users, settings):
    settings.INCIDENT_ACK_SECONDS = {**settings.INCIDENT_ACK_SECONDS, "tinggi": 60}
    start = timezone.now() - timedelta(days=7)
    incident = _raise(demo_users["staf.kebonjeruk"], severity="tinggi", now=start)
    sla_sweep()
    escalated = _alerts(kind="kejadian_dinaikkan")
    assert len(escalated) == 1 and escalated[0].payload["automatic"] is True
    assert _alerts(kind="kejadian_terlambat")[0].payload["incident"] == incident.pk
    sla_sweep(now=start + timedelta(days=7, seconds=1))
    assert len(_alerts(kind="kejadian_terlambat")) == 1  # the sweep does nothing twice


def test_alert_rolls_back_with_the_change_that_raised_it(
    demo_users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as pushed:
        with pytest.raises(RuntimeError), transaction.atomic():
            _raise(demo_users["piket.kebonjeruk"])
            raise RuntimeError("something after the incident failed")
    assert not AlertEvent.objects.exists()
    assert pushed == []  # nothing reached any socket either


def test_camera_offline_and_back_online(demo_cameras):
    camera = demo_cameras["kebonjeruk-simpang"]
    now = timezone.now()
    record_status(camera.pk, online=True, at=now - timedelta(minutes=10))
    assert not AlertEvent.objects.exists()  # a camera's first sign of life is not news
    record_status(camera.pk, online=False, at=now - timedelta(minutes=5))
    record_status(camera.pk, online=True, at=now)
    offline, online = _alerts()
    assert (offline.kind, offline.severity, offline.area_id) == (
        "kamera_offline",
        "sedang",
        camera.area_id,
    )
    assert offline.payload["camera"] == camera.code and offline.link == f"/kamera/{camera.pk}/"
    assert (online.kind, online.severity) == ("kamera_online", "rendah")

    retired = demo_cameras["kebonjeruk-gang-masjid"]
    record_status(retired.pk, online=True, at=now - timedelta(minutes=3))
    Camera.objects.filter(pk=retired.pk).update(status=Camera.Status.MAINTENANCE)
    record_status(retired.pk, online=False, at=now)
    assert len(_alerts()) == 2  # stopped on purpose: no alert


def _at(day, hhmm):
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=WIB)


def test_shift_nobody_checked_in_alerts_once(demo_users, settings):
    settings.SHIFT_CHECKIN_GRACE_MINUTES = 15
    day = timezone.localdate() + timedelta(days=1)  # the assignments start now
    assert check_shift_checkins(now=_at(day, "07:10")) == 0  # still within the grace time
    # Both demo kelurahan have piket officers; nobody has checked in to the pagi shift.
    assert check_shift_checkins(now=_at(day, "07:20")) == 2
    assert check_shift_checkins(now=_at(day, "08:00")) == 0  # once per shift
    alert = AlertEvent.objects.get(area_id=KEBON_JERUK)
    assert (alert.kind, alert.title, alert.min_depth) == (
        "piket_belum_masuk",
        "Pagi 07.00–15.00",
        3,
    )
    assert alert.link == f"/piket/?wilayah={KEBON_JERUK}"
    assert not _sees(demo_users["operator.jakbar"], alert)  # the kecamatan and below
    assert not _sees(demo_users["piket.tebetbarat"], alert)

    # Tebet Barat's siang shift starts with someone on duty; Kebon Jeruk's does not.
    slot = ShiftSlot.objects.create(
        kelurahan_id=TEBET_BARAT, name="siang", label="Siang", starts=time(15), ends=time(23)
    )
    starts, ends = slot.bounds_on(day)
    shift = Shift.objects.create(
        kelurahan_id=TEBET_BARAT, slot=slot, date=day, starts_at=starts, ends_at=ends
    )
    ShiftDuty.objects.create(
        shift=shift,
        user=demo_users["piket.tebetbarat"],
        checked_in_at=starts + timedelta(minutes=3),
    )
    assert check_shift_checkins(now=_at(day, "15:30")) == 1
    assert AlertEvent.objects.filter(area_id=KEBON_JERUK).count() == 2
    # Tebet Barat now has its own slots (only "siang"): its default pagi no longer applies.
    assert check_shift_checkins(now=_at(day + timedelta(days=1), "07:30")) == 1


def test_shift_check_command_and_kelurahan_without_piket(demo_areas):
    make_user("staf.only", "staf_kelurahan", KEBON_JERUK)
    out = io.StringIO()
    call_command("check_shift_checkins", stdout=out, skip_checks=False)  # as manage.py runs it
    assert "0 peringatan" in out.getvalue()  # no piket officer: no shift is expected


@pytest.mark.django_db(transaction=True)  # the loop closes and reopens its connection
def test_shift_check_worker_repeats_until_stopped(demo_users, settings):
    """`check_shift_checkins --every 60` (the shifts worker): each round checks, only rounds
    that raised something print, a stop signal ends it, and the handlers are put back."""
    settings.SHIFT_CHECKIN_GRACE_MINUTES = 15
    handler = signal.getsignal(signal.SIGTERM)
    day = timezone.localdate() + timedelta(days=1)
    ticks = iter([_at(day, "07:10"), _at(day, "07:20"), _at(day, "07:30")])
    stop = threading.Event()

    def clock():
        moment = next(ticks, None)
        if moment is None:
            stop.set()  # as SIGTERM does
            return _at(day, "07:40")
        return moment

    out = io.StringIO()
    CheckinCommand(stdout=out).loop(0.01, clock, stop=stop)
    assert out.getvalue().splitlines() == [
        "Pemeriksaan piket setiap 0.01 detik (Ctrl-C untuk berhenti).",
        "2 peringatan piket belum masuk",  # 07.20: both demo kelurahan, once
        "Pemeriksaan piket dihentikan.",
    ]
    assert AlertEvent.objects.filter(kind="piket_belum_masuk").count() == 2
    assert signal.getsignal(signal.SIGTERM) == handler


def test_shift_check_every_must_be_positive():
    with pytest.raises(CommandError, match="lebih dari 0"):
        call_command("check_shift_checkins", every=0)


def test_announce_reaches_everyone_in_jakarta(demo_users):
    out = io.StringIO()
    call_command(
        "announce", "Waspada banjir rob di pesisir utara", "--severity", "tinggi", stdout=out
    )
    alert = AlertEvent.objects.get()
    assert (alert.kind, alert.area_id, alert.severity) == ("pengumuman", "31", "tinggi")
    for user in demo_users.values():
        assert _sees(user, alert), user
    with pytest.raises(Exception, match="tidak dikenal"):
        call_command("announce", "x", "--area", "99")


def test_publish_with_a_key_is_idempotent(demo_areas):
    first = publish_alert(
        kind="pengumuman", area_code="31", severity="rendah", title="Uji", key="uji-1"
    )
    again = publish_alert(
        kind="pengumuman", area_code="31", severity="rendah", title="Uji", key="uji-1"
    )
    assert first is not None and again is None and AlertEvent.objects.count() == 1


def test_user_with_two_grants_sees_by_the_deeper_one(demo_areas):
    """A kota operator who is also staff of one kelurahan: the kelurahan grant lets them see its
    incidents from the start, although the kota grant alone would not."""
    both = make_user("operator.dan.staf", "operator", "31.73")
    RoleAssignment.objects.create(user=both, role="staf_kelurahan", area_id=KEBON_JERUK)
    here = publish_alert(
        kind="kejadian_baru", area_code=KEBON_JERUK, severity="tinggi", title="A", min_depth=4
    )
    next_door = publish_alert(
        kind="kejadian_baru", area_code="31.73.05.1002", severity="tinggi", title="B", min_depth=4
    )
    assert _sees(both, here) and not _sees(both, next_door)


# --- The alerts page and read marks ------------------------------------------------------------


def _publish(area=KEBON_JERUK, **fields):
    defaults = {"kind": "kejadian_baru", "severity": "tinggi", "title": "Tawuran", "min_depth": 4}
    return publish_alert(area_code=area, **{**defaults, **fields})


def test_alerts_page_lists_filters_and_marks_read(signed_in):
    client = signed_in("piket.kebonjeruk")
    fire = _publish(title="Kebakaran gudang", severity="darurat")
    camera = _publish(
        kind="kamera_offline", title="Simpang Kebon Jeruk", severity="sedang", min_depth=1
    )
    elsewhere = _publish(area=TEBET_BARAT, title="Banjir Tebet")
    page = client.get("/peringatan/").content.decode()
    assert f'data-alert="{fire.pk}"' in page and f'data-alert="{camera.pk}"' in page
    assert f'data-alert="{elsewhere.pk}"' not in page and "Banjir Tebet" not in page
    assert 'data-alerts-unread data-count="2"' in page  # the badge in the top bar

    only_fire = client.get("/peringatan/?tingkat=darurat").content.decode()
    assert f'data-alert="{fire.pk}"' in only_fire and f'data-alert="{camera.pk}"' not in only_fire
    incidents = client.get("/peringatan/?jenis=kejadian").content.decode()
    assert f'data-alert="{fire.pk}"' in incidents and f'data-alert="{camera.pk}"' not in incidents

    response = client.post(f"/peringatan/{fire.pk}/dibaca/", {"next": "/peringatan/?status=belum"})
    assert response.status_code == 302 and response["Location"] == "/peringatan/?status=belum"
    unread = client.get("/peringatan/?status=belum").content.decode()
    assert f'data-alert="{fire.pk}"' not in unread and f'data-alert="{camera.pk}"' in unread
    read = client.get("/peringatan/?status=sudah").content.decode()
    assert f'data-alert="{fire.pk}"' in read and f'data-alert="{camera.pk}"' not in read

    answer = client.post(
        "/peringatan/dibaca-semua/", {"up_to": camera.pk}, HTTP_ACCEPT="application/json"
    )
    assert answer.json()["unread"] == 0
    later = _publish(title="Tawuran susulan")
    page = client.get("/peringatan/").content.decode()
    assert 'data-alerts-unread data-count="1"' in page  # arrived after "all read"
    assert f'<li class="alert-row unread" data-alert="{later.pk}">' in page


def test_alerts_page_bad_input_and_outsiders(signed_in, demo_users):
    client = signed_in("piket.kebonjeruk")
    elsewhere = _publish(area=TEBET_BARAT)
    response = client.get("/peringatan/?tingkat=kiamat")
    assert (
        response.status_code == 400 and "Masukkan pilihan yang valid" in response.content.decode()
    )
    assert client.post(f"/peringatan/{elsewhere.pk}/dibaca/").status_code == 404
    assert client.post("/peringatan/999999/dibaca/").status_code == 404
    bad = client.post("/peringatan/dibaca-semua/", {"up_to": "semua"})
    assert bad.status_code == 400 and "muat ulang" in bad.content.decode()
    assert client.get(f"/peringatan/{elsewhere.pk}/dibaca/").status_code == 405
    # Marking "everything up to a huge id" cannot pre-read alerts that do not exist yet.
    client.post("/peringatan/dibaca-semua/", {"up_to": 10**12})
    later = _publish()
    piket = demo_users["piket.kebonjeruk"]
    assert AlertEvent.objects.visible_to(piket).unread_by(piket).filter(pk=later.pk).exists()
    anonymous = type(client)()
    assert anonymous.get("/peringatan/").status_code == 302


def test_mark_all_read_keeps_later_alerts_unread(demo_users):
    piket = demo_users["piket.kebonjeruk"]
    first, second = _publish(), _publish()
    mark_all_read(piket, first.pk)
    unread = AlertEvent.objects.visible_to(piket).unread_by(piket)
    assert list(unread.values_list("pk", flat=True)) == [second.pk]


def test_pages_carry_the_live_client_only_for_people_with_access(signed_in, client):
    page = signed_in("fkdm.tebetbarat").get("/").content.decode()
    config = json.loads(page.split('id="alerts-config" type="application/json">')[1].split("<")[0])
    assert config["socket"] == "/ws/alerts/" and config["kinds"]["kejadian_baru"] == "Kejadian baru"
    assert 'src="/static/js/alerts.js"' in page and 'rel="manifest"' in page
    login = client.get("/accounts/login/").content.decode()
    assert "alerts-config" not in login and "js/alerts.js" not in login


# --- Installable app -----------------------------------------------------------------------


def test_manifest_service_worker_and_offline_page(client, signed_in):
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert (data["name"], data["lang"], data["theme_color"], data["start_url"]) == (
        "JakCCTV",
        "id",
        "#b4232a",
        "/",
    )
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}

    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" in worker
    body = worker.content.decode()
    assert '"/static/css/app.css"' in body and '"/offline/"' in body
    assert "/api/" not in body.split("const OFFLINE")[0]  # nothing live is cached

    offline = signed_in("piket.kebonjeruk").get("/offline/").content.decode()
    assert "Anda sedang offline" in offline
    assert "piket.kebonjeruk" not in offline  # no one's data: the page is cached for anyone
    assert '"user": null' in offline  # the offline queue's settings name nobody
