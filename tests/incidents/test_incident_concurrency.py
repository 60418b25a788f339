"""Two people acting on one incident at the same moment, on PostgreSQL: each request runs in
its own thread with its own database connection, and both are made to wait on the incident's row
lock before they are let go together. No update is lost; the loser of a real conflict gets a
clean 409 with a message, never a 500.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client

from incidents.models import Incident, IncidentEvent
from incidents.services import incident_acknowledge, incident_escalate
from tests.incident_helpers import raise_incident

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL's row locks between connections (SQLite runs one writer at a "
        "time and has no SELECT ... FOR UPDATE); CI runs this suite on PostgreSQL too",
    ),
]


def _waiting_on_locks():
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing its first look at the activity view.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'active' AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def race(incident, requests):
    """Send `requests` (client, method, url, data) at once, all blocked on the incident's row lock
    until every one of them waits there; returns their responses in order."""
    responses = [None] * len(requests)
    errors = []

    def send(index, client, method, url, data):
        try:
            if method == "json":
                responses[index] = client.post(url, data, content_type="application/json")
            else:
                responses[index] = client.post(url, data)
        except Exception as error:  # noqa: BLE001 (reported below, with the thread's name)
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [
        threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)
    ]
    with transaction.atomic():
        # Someone else holds the row: every request gets as far as the lock and waits there.
        Incident.objects.select_for_update().get(pk=incident.pk)
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


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_two_officers_acknowledge_at_once_one_wins_one_gets_409(demo_users):
    incident = raise_incident(demo_users["piket.kebonjeruk"])
    url = f"/api/v1/incidents/{incident.pk}/acknowledge/"
    responses = race(
        incident,
        [
            (_client(demo_users["piket.kebonjeruk"]), "json", url, {"note": "Saya ke sana"}),
            (_client(demo_users["staf.kebonjeruk"]), "json", url, {"note": "Saya yang urus"}),
        ],
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json() == {"detail": "Kejadian ini sudah diterima."}
    events = IncidentEvent.objects.filter(incident=incident, kind="diterima")
    assert events.count() == 1
    winner = next(r for r in responses if r.status_code == 200).json()
    assert winner["status"] == "diterima" and events.get().note in {
        "Saya ke sana",
        "Saya yang urus",
    }


def test_a_comment_and_a_status_change_racing_both_land(demo_users):
    staf = demo_users["staf.kebonjeruk"]
    incident = raise_incident(staf)
    incident_acknowledge(incident_id=incident.pk, by=staf)
    responses = race(
        incident,
        [
            (
                _client(demo_users["fkdm.kebonjeruk"]),
                "json",
                f"/api/v1/incidents/{incident.pk}/comment/",
                {"note": "Api sudah padam"},
            ),
            (
                _client(staf),
                "form",
                f"/kejadian/{incident.pk}/status/",
                {"status-to": "ditangani", "status-note": "Damkar di lokasi"},
            ),
            (
                _client(demo_users["piket.kebonjeruk"]),
                "json",
                f"/api/v1/incidents/{incident.pk}/escalate/",
                {"note": "Butuh kecamatan"},
            ),
        ],
    )
    assert [r.status_code for r in responses] == [200, 302, 200]
    incident.refresh_from_db()
    # Each change kept: the status from one request, the level from another.
    assert (incident.status, incident.level) == ("ditangani", "kecamatan")
    notes = set(IncidentEvent.objects.filter(incident=incident).values_list("kind", "note"))
    assert {
        ("komentar", "Api sudah padam"),
        ("status", "Damkar di lokasi"),
        ("dinaikkan", "Butuh kecamatan"),
    } <= notes


def test_finishing_and_closing_at_once_the_second_is_refused(demo_users):
    staf = demo_users["staf.kebonjeruk"]
    incident = raise_incident(staf)
    incident_acknowledge(incident_id=incident.pk, by=staf)
    for _ in range(2):  # up to kota level, where operator.jakbar sees it
        incident_escalate(incident_id=incident.pk, by=staf)
    url = f"/api/v1/incidents/{incident.pk}/transition/"
    responses = race(
        incident,
        [
            (_client(staf), "json", url, {"to": "selesai", "note": "Sudah ditangani"}),
            (
                _client(demo_users["operator.jakbar"]),
                "json",
                url,
                {"to": "ditutup", "reason": "Laporan ganda"},
            ),
        ],
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409).json()["detail"]
    assert loser in {
        "Status Selesai tidak dapat diubah menjadi Ditutup.",
        "Status Ditutup tidak dapat diubah menjadi Selesai.",
    }
    assert IncidentEvent.objects.filter(incident=incident, kind="status").count() == 1
