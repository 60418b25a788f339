"""Idempotency keys: a note or a report sent twice with the same key (a phone resending after
the network came back) is made once, and the second answer is the first one again."""

import io

from PIL import Image

from common.models import IdempotencyKey
from incidents.models import Incident
from shifts.models import ShiftNote
from shifts.services import shift_current
from tests.personas import KEBON_JERUK

JSON = "application/json"


def _photo():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(out, "JPEG")
    out.seek(0)
    out.name = "foto.jpg"
    return out


def test_a_note_sent_twice_through_the_api_is_written_once(signed_in):
    piket = signed_in("piket.kebonjeruk")
    body = {"area": KEBON_JERUK, "text": "Genangan di gang 3"}
    first = piket.post("/api/v1/notes/", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="catat-0001")
    again = piket.post("/api/v1/notes/", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="catat-0001")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert ShiftNote.objects.filter(text="Genangan di gang 3").count() == 1
    other = piket.post("/api/v1/notes/", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="catat-0002")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert ShiftNote.objects.filter(text="Genangan di gang 3").count() == 2


def test_the_same_key_from_another_person_is_their_own(signed_in):
    body = {"area": KEBON_JERUK, "text": "Lampu jalan mati"}
    key = {"HTTP_IDEMPOTENCY_KEY": "sama-sama-01"}
    piket = signed_in("piket.kebonjeruk").post("/api/v1/notes/", body, content_type=JSON, **key)
    fkdm = signed_in("fkdm.kebonjeruk").post("/api/v1/notes/", body, content_type=JSON, **key)
    assert piket.status_code == fkdm.status_code == 201
    assert piket.json()["id"] != fkdm.json()["id"]
    assert (piket.json()["author"], fkdm.json()["author"]) == (
        "piket.kebonjeruk",
        "fkdm.kebonjeruk",
    )


def test_a_refused_request_keeps_no_key_and_a_bad_key_is_refused(signed_in):
    piket = signed_in("piket.kebonjeruk")
    key = {"HTTP_IDEMPOTENCY_KEY": "coba-lagi-01"}
    empty = piket.post(
        "/api/v1/notes/", {"area": KEBON_JERUK, "text": " "}, content_type=JSON, **key
    )
    assert empty.status_code == 400 and not IdempotencyKey.objects.exists()
    fixed = piket.post(
        "/api/v1/notes/", {"area": KEBON_JERUK, "text": "Aman"}, content_type=JSON, **key
    )
    assert fixed.status_code == 201
    bad = piket.post(
        "/api/v1/notes/",
        {"area": KEBON_JERUK, "text": "Aman"},
        content_type=JSON,
        HTTP_IDEMPOTENCY_KEY="pendek",
    )
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["detail"]
    elsewhere = piket.post(
        "/api/v1/incidents/",
        {"category": "banjir", "severity": "sedang", "area": KEBON_JERUK},
        content_type=JSON,
        **key,
    )
    assert elsewhere.status_code == 409 and "sudah dipakai" in elsewhere.json()["detail"]
    assert not Incident.objects.exists()


def test_an_incident_sent_twice_through_the_api_is_made_once(signed_in):
    fkdm = signed_in("fkdm.kebonjeruk")
    fields = {"category": "banjir", "severity": "tinggi", "area": KEBON_JERUK}
    answers = [
        fkdm.post("/api/v1/incidents/", fields, content_type=JSON, HTTP_IDEMPOTENCY_KEY="lapor-777")
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Incident.objects.get().pk == answers[0].json()["id"]


def test_the_page_forms_sent_twice_make_one_note_and_one_incident(signed_in):
    piket = signed_in("piket.kebonjeruk")
    shift = shift_current(kelurahan_code=KEBON_JERUK)
    key = {"HTTP_IDEMPOTENCY_KEY": "halaman-catatan-1"}
    notes = [
        piket.post(f"/piket/{shift.pk}/catatan/", {"text": "Patroli RW 02"}, **key)
        for _ in range(2)
    ]
    assert [n.status_code for n in notes] == [302, 302]
    assert notes[0]["Location"] == notes[1]["Location"]
    assert ShiftNote.objects.filter(text="Patroli RW 02").count() == 1

    report = {
        "category": "pohon_tumbang",
        "severity": "sedang",
        "where": "wilayah",
        "area": KEBON_JERUK,
        "description": "Pohon tumbang",
    }
    made = [
        piket.post(
            "/kejadian/baru/", {**report, "photo": _photo()}, HTTP_IDEMPOTENCY_KEY="lapor-hal-1"
        )
        for _ in range(2)
    ]
    incident = Incident.objects.get()
    assert [m["Location"] for m in made] == [f"/kejadian/{incident.pk}/"] * 2
    assert incident.attachments.count() == 1
