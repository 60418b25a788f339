"""Web Push: devices subscribe through the API, the worker sends alerts encrypted (RFC 8291) to
the push service, which here is a local receiver decrypting with the device's own key."""

import os
import signal
import subprocess
import sys
import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from alerts.push import services
from alerts.push.keys import generate_pair
from alerts.push.models import PushDelivery, PushSubscription
from alerts.push.services import claim_due, fan_out, push_round, send_due
from cameras.signals import camera_status_changed
from incidents.services import sla_sweep
from kelurahan.demo import DEMO_USERS
from kelurahan.models import RoleAssignment, User
from kelurahan.roles import Role
from tests.figures import MATRIX_CASES
from tests.incident_helpers import kecamatan_operators, raise_incident
from tests.personas import KEBON_JERUK, KEBON_JERUK_RT, SUKABUMI_UTARA, TEBET_BARAT
from tests.push_receiver import PushReceiver

JSON = "application/json"


@pytest.fixture
def receiver(settings):
    public, private = generate_pair()
    with PushReceiver() as running:
        settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = public, private
        settings.VAPID_SUBJECT = "mailto:piket@jakcctv.test"
        settings.PUSH_SERVICE_HOSTS = [running.origin]
        yield running


def subscribe(client, device, min_severity="sedang"):
    answer = client.post(
        "/api/v1/push/subscriptions/", device.subscription(min_severity), content_type=JSON
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def later():
    return timezone.now() + timezone.timedelta(seconds=1)


def test_the_key_and_a_device_subscribed_through_the_api(signed_in, receiver, settings):
    fkdm = signed_in("fkdm.kebonjeruk")
    key = fkdm.get("/api/v1/push/key/").json()
    assert key == {"public_key": settings.VAPID_PUBLIC_KEY, "enabled": True}
    device = receiver.device()
    made = subscribe(fkdm, device, "tinggi")
    assert made["endpoint"] == device.endpoint and made["min_severity"] == "tinggi"
    assert "keys" not in made and "p256dh" not in str(made)
    listed = fkdm.get("/api/v1/push/subscriptions/").json()
    assert [row["id"] for row in listed["results"]] == [made["id"]]


def test_a_new_kebon_jeruk_incident_reaches_kebon_jeruk_devices_only(signed_in, receiver):
    kebon_jeruk, tebet_barat = receiver.device(), receiver.device()
    subscribe(signed_in("fkdm.kebonjeruk"), kebon_jeruk)
    subscribe(signed_in("fkdm.tebetbarat"), tebet_barat)
    incident = raise_incident(title="Tawuran di gang 5", severity="tinggi")
    assert push_round(now=later()) == (1, 1)
    assert kebon_jeruk.messages == [
        {
            "id": kebon_jeruk.messages[0]["id"],
            "kind": "kejadian_baru",
            "severity": "tinggi",
            "title": "Kejadian baru: Tawuran di gang 5",
            "body": kebon_jeruk.messages[0]["body"],
            "url": f"/kejadian/{incident.pk}/",
            "tag": f"jakcctv-alert-{kebon_jeruk.messages[0]['id']}",
        }
    ]
    assert kebon_jeruk.messages[0]["body"].startswith("Kebon Jeruk · ")
    assert kebon_jeruk.headers[0].get("urgency") == "high"
    assert tebet_barat.messages == [] and receiver.problems == []
    assert push_round(now=later()) == (0, 0)  # nothing twice


def test_the_device_threshold_holds_back_milder_incidents(signed_in, receiver):
    calm, all_of_it = receiver.device(), receiver.device()
    subscribe(signed_in("piket.kebonjeruk"), calm, "darurat")
    subscribe(signed_in("staf.kebonjeruk"), all_of_it, "rendah")
    raise_incident(severity="sedang")
    push_round(now=later())
    assert calm.messages == [] and len(all_of_it.messages) == 1


def test_a_person_revoked_before_sending_gets_nothing(signed_in, receiver, demo_users):
    device = receiver.device()
    subscribe(signed_in("piket.kebonjeruk"), device)
    raise_incident()

    assert fan_out(now=later()) == 1
    RoleAssignment.objects.filter(user=demo_users["piket.kebonjeruk"]).update(
        revoked_at=timezone.now()
    )
    assert push_round(now=later()) == (0, 0)
    assert device.messages == []
    assert PushDelivery.objects.get().state == PushDelivery.State.DROPPED


def test_a_gone_device_is_removed_and_a_failing_one_is_tried_again(signed_in, receiver):
    gone, failing = receiver.device(), receiver.device()
    subscribe(signed_in("piket.kebonjeruk"), gone)
    subscribe(signed_in("staf.kebonjeruk"), failing)
    gone.answer, failing.answer = 410, 503
    raise_incident()
    now = later()
    push_round(now=now)
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [failing.endpoint]
    delivery = PushDelivery.objects.get(subscription__endpoint=failing.endpoint)
    assert (delivery.state, delivery.attempts) == (PushDelivery.State.WAITING, 1)
    assert delivery.next_attempt_at == now + timezone.timedelta(seconds=5)
    failing.answer = 201
    assert push_round(now=now + timezone.timedelta(seconds=2)) == (0, 0)  # not yet
    assert push_round(now=now + timezone.timedelta(seconds=5)) == (0, 1)
    assert len(failing.messages) == 1


def test_camera_offline_goes_to_the_staff_of_its_area_only(signed_in, receiver, demo_cameras):
    staff, volunteer, elsewhere = receiver.device(), receiver.device(), receiver.device()
    subscribe(signed_in("staf.kebonjeruk"), staff)
    subscribe(signed_in("fkdm.kebonjeruk"), volunteer)
    subscribe(signed_in("staf.tebetbarat"), elsewhere)
    camera = demo_cameras["kebonjeruk-simpang"]
    camera_status_changed.send(None, camera=camera, online=False, at=timezone.now())
    push_round(now=later())
    assert [m["kind"] for m in staff.messages] == ["kamera_offline"]
    assert volunteer.messages == [] and elsewhere.messages == []


def test_devices_are_ones_own(signed_in, receiver):
    """Leak matrix: nobody lists or removes another person's device."""
    devices = {name: receiver.device() for name in ("fkdm.kebonjeruk", "fkdm.tebetbarat")}
    ids = {name: subscribe(signed_in(name), device)["id"] for name, device in devices.items()}
    cases = 0
    for name in ids:
        for other, other_id in ids.items():
            client = signed_in(name)
            listed = [
                row["id"] for row in client.get("/api/v1/push/subscriptions/").json()["results"]
            ]
            assert (other_id in listed) == (name == other)
            cases += 1
            if name != other:
                assert client.delete(f"/api/v1/push/subscriptions/{other_id}/").status_code == 404
                cases += 1
    assert PushSubscription.objects.count() == 2
    own = signed_in("fkdm.tebetbarat").delete(
        f"/api/v1/push/subscriptions/{ids['fkdm.tebetbarat']}/"
    )
    assert own.status_code == 204 and PushSubscription.objects.count() == 1
    MATRIX_CASES["push devices"] = MATRIX_CASES.get("push devices", 0) + cases


def test_bad_subscriptions_are_refused_in_indonesian(signed_in, receiver):
    fkdm = signed_in("fkdm.kebonjeruk")
    device = receiver.device()
    body = device.subscription()
    outside = fkdm.post(
        "/api/v1/push/subscriptions/",
        {**body, "endpoint": "https://10.0.0.5/push/1"},
        content_type=JSON,
    )
    assert outside.status_code == 400
    assert outside.json() == {"endpoint": ["Alamat layanan push ini tidak dikenal."]}
    short = fkdm.post(
        "/api/v1/push/subscriptions/",
        {**body, "keys": {"p256dh": "AAAA", "auth": body["keys"]["auth"]}},
        content_type=JSON,
    )
    assert short.status_code == 400 and "p256dh" in short.json()["keys"]
    assert not PushSubscription.objects.exists()
    anonymous = fkdm.__class__().post("/api/v1/push/subscriptions/", body, content_type=JSON)
    assert anonymous.status_code == 403


def test_push_leak_matrix(signed_in, receiver, demo_users, lapsed_users):
    """Every persona × a new incident in their kelurahan, an RT under it, the neighbour kelurahan
    and another kota: pushed exactly when the person sees it at its level (kelurahan-level
    incidents reach the kelurahan's people and provincial admins, not the kota or kecamatan
    operators yet); people whose role lapsed get nothing."""
    devices = {}
    for name in demo_users:
        devices[name] = receiver.device()
        subscribe(signed_in(name), devices[name], "rendah")
    for name, user in lapsed_users.items():  # subscribed while their role still held
        devices[name] = receiver.device()
        sub = devices[name].subscription("rendah")
        PushSubscription.objects.create(
            user=user, endpoint=sub["endpoint"], min_severity="rendah", **sub["keys"]
        )
    places = [KEBON_JERUK, KEBON_JERUK_RT, SUKABUMI_UTARA, TEBET_BARAT]
    urls = {code: f"/kejadian/{raise_incident(area_code=code).pk}/" for code in places}
    push_round(now=later())
    homes = {d.username: d.area_code for d in DEMO_USERS}
    cases = 0
    for name, device in devices.items():
        got = {message["url"] for message in device.messages}
        for code, url in urls.items():
            home = homes.get(name)
            expected = home is not None and (
                home == "31" or (code.startswith(home) and home.count(".") >= 3)
            )
            assert (url in got) == expected, (name, code)
            cases += 1
    assert receiver.problems == []
    MATRIX_CASES["push deliveries"] = MATRIX_CASES.get("push deliveries", 0) + cases


def test_the_devices_page_lists_and_removes_ones_own_only(signed_in, receiver):
    mine, theirs = receiver.device(), receiver.device()
    fkdm = signed_in("fkdm.kebonjeruk")
    own = subscribe(fkdm, mine)
    other = subscribe(signed_in("fkdm.tebetbarat"), theirs)
    page = fkdm.get("/akun/notifikasi/").content.decode()
    assert mine.endpoint in page and theirs.endpoint not in page
    assert "Tambahkan ke Layar Utama" in page and 'id="push-config"' in page
    assert fkdm.post(f"/akun/notifikasi/{other['id']}/hapus/").status_code == 404
    removed = fkdm.post(f"/akun/notifikasi/{own['id']}/hapus/")
    assert removed.status_code == 302 and removed["Location"] == "/akun/notifikasi/"
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [theirs.endpoint]
    MATRIX_CASES["push devices"] = MATRIX_CASES.get("push devices", 0) + 2


def test_escalation_and_sla_breach_reach_who_must_act(signed_in, receiver):
    """The sweep escalates an unacknowledged incident to the kecamatan and finds it overdue: the
    kecamatan operator hears of both, the volunteer of the escalation only (they cannot follow
    it up), the kota operator of neither yet, Tebet Barat of nothing."""
    operators = kecamatan_operators()
    names = ["staf.kebonjeruk", "fkdm.kebonjeruk", "operator.jakbar", "fkdm.tebetbarat"]
    devices = {name: receiver.device() for name in [*names, "operator.kec.kebonjeruk"]}
    for name in names:
        subscribe(signed_in(name), devices[name], "rendah")
    operator = Client()  # a kecamatan operator (not a demo persona)
    operator.force_login(operators["operator.kec.kebonjeruk"])
    subscribe(operator, devices["operator.kec.kebonjeruk"], "rendah")
    raise_incident(severity="tinggi")
    push_round(now=later())
    later_on = timezone.now() + timezone.timedelta(days=7)
    sla_sweep(now=later_on)
    push_round(now=timezone.now() + timezone.timedelta(seconds=2))
    kinds = {name: [m["kind"] for m in device.messages] for name, device in devices.items()}
    assert kinds == {
        "staf.kebonjeruk": ["kejadian_baru", "kejadian_dinaikkan", "kejadian_terlambat"],
        "fkdm.kebonjeruk": ["kejadian_baru", "kejadian_dinaikkan"],
        "operator.jakbar": [],
        "fkdm.tebetbarat": [],
        "operator.kec.kebonjeruk": ["kejadian_dinaikkan", "kejadian_terlambat"],
    }


def test_admins_see_devices_and_deliveries_without_their_keys(signed_in, receiver):
    device = receiver.device()
    made = subscribe(signed_in("fkdm.kebonjeruk"), device)
    raise_incident()
    push_round(now=later())
    admin = signed_in("admin.provinsi")
    devices = admin.get("/django-admin/alerts/pushsubscription/").content.decode()
    assert "fkdm.kebonjeruk" in devices and device.endpoint not in devices
    one = admin.get(f"/django-admin/alerts/pushsubscription/{made['id']}/change/").content.decode()
    assert device.endpoint not in one and device.subscription()["keys"]["auth"] not in one
    deliveries = admin.get("/django-admin/alerts/pushdelivery/").content.decode()
    assert "Terkirim" in deliveries


# --- Several senders sharing the queue ------------------------------------------------------


def many_devices(receiver, count, *, gone=()):
    """`count` Kebon Jeruk volunteers with one device each (those numbered in `gone` answer
    410), subscribed straight in the table; returns the devices."""
    users = User.objects.bulk_create(
        [User(username=f"fkdm.many.{n}", password="!") for n in range(count)]  # noqa: S106
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.RELAWAN_FKDM, area_id=KEBON_JERUK) for u in users]
    )
    devices = []
    for number, user in enumerate(users):
        device = receiver.device()
        device.answer = 410 if number in gone else 201
        keys = device.subscription("rendah")["keys"]
        PushSubscription.objects.create(user=user, endpoint=device.endpoint, **keys)
        devices.append(device)
    return devices


def senders_at_once(count, now):
    """Run send_due in `count` threads (each its own database connection), started together;
    returns how many each sent."""
    start, sent, errors = threading.Barrier(count), [0] * count, []

    def sender(index):
        try:
            start.wait(timeout=30)
            sent[index] = send_due(now=now)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads), "a sender never finished"
    return sent


@pytest.mark.django_db(transaction=True)
def test_two_senders_send_each_delivery_once_and_forget_gone_devices(
    demo_areas, receiver, monkeypatch
):
    monkeypatch.setattr(services, "CHUNK", 4)  # many small shares: the senders interleave
    devices = many_devices(receiver, 40, gone={3, 17, 29})
    raise_incident(severity="tinggi")
    now = later()
    assert fan_out(now=now) == 40
    sent = senders_at_once(2, now)
    assert sum(sent) == 37
    assert [len(d.messages) for d in devices] == [0 if n in {3, 17, 29} else 1 for n in range(40)]
    assert receiver.problems == []
    states = set(PushDelivery.objects.values_list("state", "claim"))
    assert states == {(PushDelivery.State.SENT, "")}
    gone = {devices[n].endpoint for n in (3, 17, 29)}
    assert not PushSubscription.objects.filter(endpoint__in=gone).exists()
    assert PushSubscription.objects.count() == 37


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row locks")
def test_senders_skip_what_another_is_taking_without_waiting(demo_areas, receiver):
    devices = many_devices(receiver, 20)
    raise_incident(severity="tinggi")
    now = later()
    fan_out(now=now)
    with transaction.atomic():
        # Another sender is taking the first five: its rows stay locked until it commits.
        mine = claim_due(now=now, limit=5)
        sent = senders_at_once(2, now)  # they would wait on the lock without SKIP LOCKED
        assert sum(sent) == 15
    assert len(mine) == 5
    assert PushDelivery.objects.filter(pk__in=[d.pk for d in mine], state="menunggu").count() == 5
    assert send_due(now=now) == 0  # taken (leased): not sent twice by a later round
    assert send_due(now=now + services.LEASE) == 5  # its sender died: due again after the lease
    assert sorted(len(d.messages) for d in devices) == [1] * 20


def test_the_worker_runs_its_senders_and_stops_them_all_on_sigterm(tmp_path):
    """`send_push --workers 2`: a second sender process beside the first; SIGTERM to the
    worker ends both (the output pipe closes only when no sender holds it any more)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'push.sqlite3'}",  # never used: no keys
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "VAPID_PUBLIC_KEY": "",
        "VAPID_PRIVATE_KEY": "",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(django_settings.BASE_DIR / "manage.py")]
    process = subprocess.Popen(
        [*manage, "send_push", "--every", "60", "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = [process.stdout.readline() for _ in range(2)]
        assert all("setiap 60 detik" in line for line in started), started
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)  # not 60 s: the waits end at once
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out.splitlines() == ["Pengiriman push dihentikan."] * 2
