"""Nobody without `see_reporter_identity` learns who reported an incident, by any path: the
note the incident was raised from (notes API, piket page), later notes and edits by the
reporter, the incident page and API with their timeline, the incident list, the trail and its
CSV, the alerts (issue 11). A matrix: every persona × every path, the reporter's name and
username must be absent wherever the persona may not see reporters of Kebon Jeruk."""

import pytest
from django.test import Client

from incidents.models import Incident
from incidents.services import incident_comment, incident_create, shift_note_link_incident
from kelurahan.demo import DEMO_USERS
from kelurahan.roles import PERMISSIONS, Action, Role
from shifts.services import note_add, note_edit, shift_current
from tests.figures import MATRIX_CASES
from tests.personas import KEBON_JERUK, enrol_totp, make_user
from tests.shift_helpers import wait_past_shift_change

pytestmark = pytest.mark.django_db
# How the reporter could be recognised: username, names, email.
MARKERS = ("saksi.kj", "Wiryo", "Saksono", "saksi.kj@jakcctv.test")


@pytest.fixture(autouse=True)
def _not_at_a_shift_change():
    wait_past_shift_change(90)


@pytest.fixture
def raised_from_a_note(demo_users):
    """A piket officer writes a note, raises an incident from it, edits the note, comments on
    the incident and writes a later note about it."""
    reporter = make_user("saksi.kj", Role.PETUGAS_PIKET, KEBON_JERUK)
    reporter.first_name, reporter.last_name = "Wiryo", "Saksono"
    reporter.save()
    shift = shift_current(kelurahan_code=KEBON_JERUK)
    note = note_add(shift_id=shift.pk, by=reporter, text="Tawuran pelajar di gang 5")
    incident = incident_create(
        by=reporter,
        category="tawuran",
        severity="tinggi",
        title="Tawuran pelajar",
        area_code=KEBON_JERUK,
        source=Incident.Source.NOTE,
    )
    shift_note_link_incident(note_id=note.pk, incident=incident, by=reporter)
    note_edit(note_id=note.pk, by=reporter, text="Tawuran pelajar di gang 5, sekitar 20 orang")
    incident_comment(incident_id=incident.pk, by=reporter, note="Sudah bubar sebagian")
    later = note_add(shift_id=shift.pk, by=reporter, text="Gang 5 sudah aman", incident=incident)
    # A colleague's note about the same incident still names its author: they did not report.
    colleague = note_add(
        shift_id=shift.pk,
        by=demo_users["piket.kebonjeruk"],
        text="Ikut memantau",
        incident=incident,
    )
    return {"shift": shift, "notes": (note, later), "colleague": colleague, "incident": incident}


def _personas(demo_users):
    people = []
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        if demo.role == Role.ADMIN_PROVINSI:
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        covers = KEBON_JERUK == demo.area_code or KEBON_JERUK.startswith(demo.area_code + ".")
        sees = covers and Action.SEE_REPORTER_IDENTITY in PERMISSIONS[demo.role]
        people.append((demo.username, client, sees))
    people.append(("anonymous", Client(), False))
    return people


def _bodies(client, case):
    incident, shift = case["incident"], case["shift"]
    paths = [
        *(f"/api/v1/notes/{note.pk}/" for note in case["notes"]),
        f"/api/v1/notes/?area={KEBON_JERUK}",
        f"/api/v1/notes/?shift={shift.pk}",
        f"/piket/{shift.pk}/",
        "/piket/riwayat/",
        f"/kejadian/{incident.pk}/",
        "/kejadian/",
        f"/api/v1/incidents/{incident.pk}/",
        "/api/v1/incidents/",
        f"/api/v1/shifts/{shift.pk}/",
        "/jejak/",
        f"/jejak/?q={incident.pk}",
        "/peringatan/",
    ]
    for path in paths:
        response = client.get(path)
        yield path, response.status_code, response.content.decode()
    trail_csv = client.get("/jejak/csv/")
    body = b"".join(trail_csv).decode() if trail_csv.status_code == 200 else ""
    yield "/jejak/csv/", trail_csv.status_code, body


def test_leak_matrix_reporter_identity(demo_users, raised_from_a_note):
    cases = 0
    for name, client, sees in _personas(demo_users):
        for path, status, body in _bodies(client, raised_from_a_note):
            if not sees:
                for marker in MARKERS:
                    assert marker not in body, f"{name} → {path} ({status}) names the reporter"
            cases += 1
    MATRIX_CASES["reporter identity"] = MATRIX_CASES.get("reporter identity", 0) + cases


def test_the_note_an_incident_was_raised_from_keeps_its_reporter_confidential(
    demo_users, raised_from_a_note
):
    note, _later = raised_from_a_note["notes"]
    colleague = raised_from_a_note["colleague"]

    def read(username, pk):
        client = Client()
        client.force_login(demo_users[username])
        return client.get(f"/api/v1/notes/{pk}/").json()

    for username in ("fkdm.kebonjeruk", "piket.kebonjeruk"):
        answer = read(username, note.pk)
        assert (answer["author"], answer["author_name"]) == (None, "Pelapor (dirahasiakan)")
        assert [r["edited_by"] for r in answer["revisions"]] == [None]
        assert answer["incident"] == raised_from_a_note["incident"].pk  # the link stays
        assert read(username, colleague.pk)["author"] == "piket.kebonjeruk"
    answer = read("staf.kebonjeruk", note.pk)  # staff may see reporters
    assert (answer["author"], answer["author_name"]) == ("saksi.kj", "Wiryo Saksono")
    assert [r["edited_by"] for r in answer["revisions"]] == ["saksi.kj"]
    fkdm = Client()
    fkdm.force_login(demo_users["fkdm.kebonjeruk"])
    page = fkdm.get(f"/piket/{raised_from_a_note['shift'].pk}/").content.decode()
    assert "Pelapor (dirahasiakan)" in page and "piket.kebonjeruk" in page
