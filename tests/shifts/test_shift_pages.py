"""The piket pages and API: the shift page with its note box, check-in/out, handover, note edits
with their history, past shifts, slots; clear refusals; and the leak matrix for all of them."""

import re
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.utils import timezone

from kelurahan.codes import covers
from kelurahan.demo import DEMO_USERS
from shifts.models import Shift, ShiftDuty, ShiftNote, ShiftNoteRevision, ShiftSlot
from shifts.services import note_add, shift_check_in, shift_close, shift_current
from tests.answers import shows
from tests.figures import MATRIX_CASES
from tests.personas import KEBON_JERUK, TEBET_BARAT, enrol_totp, make_user
from tests.shift_helpers import wait_past_shift_change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _not_at_a_shift_change():
    wait_past_shift_change(90)


def _current(code):
    return shift_current(kelurahan_code=code)


def _body(response):
    return response.content.decode()


def _textarea(body, name):
    found = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', body, re.S)
    return found.group(1).strip() if found else None


# --- The shift page ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/piket/", "/piket/riwayat/", "/piket/jadwal/", "/piket/{pk}/"])
def test_anonymous_visitors_are_sent_to_sign_in(demo_areas, path):
    response = Client().get(path.format(pk=_current(KEBON_JERUK).pk))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_shift_page_opens_on_the_note_box(signed_in):
    body = _body(signed_in("piket.kebonjeruk").get("/piket/"))
    shift = Shift.objects.get(kelurahan_id=KEBON_JERUK)  # created on first use
    assert shift.starts_at <= timezone.now() < shift.ends_at
    assert f"<h1>{shift.slot.label} · " in body and "Kebon Jeruk" in body
    form = body.index("data-note-form")
    assert form < body.index('id="duty-title"') < body.index('id="notes-title"')
    assert re.search(r"<textarea[^>]*data-autofocus[^>]*data-submit-shortcut", body)
    assert "Simpan catatan" in body and "Masuk shift" in body
    assert 'src="/static/js/shift.js"' in body
    assert '<a href="/piket/" aria-current="page">' in body  # the Piket item in the navigation


def test_a_note_appears_as_soon_as_it_is_posted(signed_in):
    client = signed_in("piket.kebonjeruk")
    shift = _current(KEBON_JERUK)
    response = client.post(
        f"/piket/{shift.pk}/catatan/", {"text": "Simpang aman, lalu lintas padat"}
    )
    assert response.status_code == 302 and response["Location"] == f"/piket/?wilayah={KEBON_JERUK}"
    body = _body(client.get(response["Location"]))
    note = ShiftNote.objects.get()
    assert (note.shift, note.author.username, note.kind) == (shift, "piket.kebonjeruk", "catatan")
    item = body[body.index(f'id="catatan-{note.pk}"') :]
    assert "Simpang aman, lalu lintas padat" in item
    assert f">{timezone.localtime(note.created_at):%H.%M} WIB</time>" in item
    assert f'href="/kejadian/baru/?catatan={note.pk}"' in item  # raise an incident from it
    assert "Laporkan sebagai kejadian" in item


def test_a_volunteer_observation_is_shown_as_theirs(signed_in, demo_users):
    user = demo_users["fkdm.kebonjeruk"]
    user.first_name, user.last_name = "Rudi", "Hartono"
    user.save()
    client = signed_in("fkdm.kebonjeruk")
    page = _body(client.get("/piket/"))
    assert "Kirim pengamatan" in page and "Masuk shift" not in page  # volunteers do not check in
    shift = _current(KEBON_JERUK)
    client.post(f"/piket/{shift.pk}/catatan/", {"text": "Pohon miring di RT 02"})
    note = ShiftNote.objects.get()
    assert note.kind == "pengamatan"
    body = _body(signed_in("staf.kebonjeruk").get("/piket/"))
    item = body[body.index(f'id="catatan-{note.pk}"') :]
    assert re.search(
        r"<strong>Rudi Hartono</strong>\s*<span class=\"badge[^\"]*\">Relawan FKDM", item
    )


def test_a_refused_note_keeps_its_text_and_says_why(signed_in, demo_users, demo_cameras):
    client = signed_in("piket.kebonjeruk")
    shift = _current(KEBON_JERUK)
    empty = client.post(f"/piket/{shift.pk}/catatan/", {"text": "  "})
    assert empty.status_code == 400 and "Catatan tidak boleh kosong." in _body(empty)
    tebet = demo_cameras["tebet-eco-park-utara"]
    wrong = client.post(f"/piket/{shift.pk}/catatan/", {"text": "Lihat kamera", "camera": tebet.pk})
    assert wrong.status_code == 400
    assert "Pilih kamera di kelurahan shift ini." in _body(wrong)
    assert _textarea(_body(wrong), "text") == "Lihat kamera"
    ours = demo_cameras["kebonjeruk-simpang"]
    client.post(f"/piket/{shift.pk}/catatan/", {"text": "Lihat kamera", "camera": ours.pk})
    assert ShiftNote.objects.get().camera == ours
    # A note sent to a shift handed over meanwhile is not lost from the screen either.
    shift_close(shift_id=shift.pk, by=demo_users["staf.kebonjeruk"], handover="Aman")
    # ... it comes back in the box of the shift that took over, one tap from being saved there.
    late = client.post(f"/piket/{shift.pk}/catatan/", {"text": "Terlambat sedikit"})
    assert late.status_code == 409 and _textarea(_body(late), "text") == "Terlambat sedikit"
    assert "Shift ini sudah ditutup" in _body(late) and "Catatan Anda belum tersimpan." in _body(
        late
    )
    following = _current(KEBON_JERUK)
    assert f'action="/piket/{following.pk}/catatan/"' in _body(late)
    assert following.pk != shift.pk


def test_the_camera_and_incident_choices_are_the_kelurahan_s_own(signed_in, demo_cameras):
    body = _body(signed_in("piket.kebonjeruk").get("/piket/"))
    choices = re.search(r'<select name="camera".*?</select>', body, re.S).group(0)
    assert f'value="{demo_cameras["kebonjeruk-gang-masjid"].pk}"' in choices
    assert f'value="{demo_cameras["tebet-eco-park-utara"].pk}"' not in choices
    assert f'value="{demo_cameras["sukabumiutara-arjuna"].pk}"' not in choices


def test_check_in_and_out(signed_in):
    client = signed_in("piket.kebonjeruk")
    shift = _current(KEBON_JERUK)
    assert client.post(f"/piket/{shift.pk}/masuk/").status_code == 302
    body = _body(client.get("/piket/"))
    assert 'data-duty="piket.kebonjeruk"' in body and "Keluar shift" in body
    assert "Anda tercatat masuk shift." in body
    again = client.post(f"/piket/{shift.pk}/masuk/", follow=True)
    assert "Anda sudah tercatat masuk di shift ini." in _body(again)
    assert signed_in("fkdm.kebonjeruk").post(f"/piket/{shift.pk}/masuk/").status_code == 403
    assert signed_in("piket.tebetbarat").post(f"/piket/{shift.pk}/masuk/").status_code == 404
    assert client.get(f"/piket/{shift.pk}/masuk/").status_code == 405
    client.post(f"/piket/{shift.pk}/keluar/")
    assert ShiftDuty.objects.get(shift=shift).checked_out_at is not None


def test_closing_hands_over_to_the_next_shift_which_shows_it_first(signed_in):
    staf, shift = signed_in("staf.kebonjeruk"), _current(KEBON_JERUK)
    page = _body(staf.get("/piket/"))
    assert 'id="serah-terima"' in page
    assert 'id="serah-terima"' not in _body(signed_in("piket.kebonjeruk").get("/piket/"))
    assert (
        signed_in("fkdm.kebonjeruk")
        .post(f"/piket/{shift.pk}/tutup/", {"handover": "x"})
        .status_code
        == 403
    )
    assert (
        signed_in("staf.tebetbarat")
        .post(f"/piket/{shift.pk}/tutup/", {"handover": "x"})
        .status_code
        == 404
    )
    empty = staf.post(f"/piket/{shift.pk}/tutup/", {"handover": ""})
    assert empty.status_code == 400
    assert "Tulis ringkasan serah terima sebelum menutup shift." in _body(empty)

    handover = "Kamera Simpang buram.\nWarga RT 03 minta patroli malam."
    done = staf.post(f"/piket/{shift.pk}/tutup/", {"handover": handover})
    assert done.status_code == 302 and done["Location"] == f"/piket/?wilayah={KEBON_JERUK}"
    shift.refresh_from_db()
    assert shift.closed_at and shift.handover == handover
    body = _body(signed_in("piket.kebonjeruk").get("/piket/"))
    following = _current(KEBON_JERUK)
    assert following.pk != shift.pk and following.starts_at == shift.ends_at
    main = body[body.index("<main") :]
    first = re.search(r"data-(handover|note-form|duty|unclosed)", main).group(1)
    assert first == "handover"
    assert "Kamera Simpang buram.<br>Warga RT 03 minta patroli malam." in main
    assert f"Serah terima dari shift {shift.slot.label}" in main
    # The closed shift's own page shows its handover and takes no more notes.
    closed = _body(staf.get(f"/piket/{shift.pk}/"))
    assert "data-own-handover" in closed and "data-note-form" not in closed


def test_an_unclosed_earlier_shift_is_pointed_out(signed_in, demo_users):
    earlier = shift_current(kelurahan_code=KEBON_JERUK, now=timezone.now() - timedelta(hours=8))
    body = _body(signed_in("piket.kebonjeruk").get("/piket/"))
    assert "data-unclosed" in body and f'href="/piket/{earlier.pk}/"' in body
    staf = signed_in("staf.kebonjeruk")
    assert (
        staf.post(f"/piket/{earlier.pk}/tutup/", {"handover": "Ditutup belakangan"}).status_code
        == 302
    )
    assert "data-unclosed" not in _body(staf.get("/piket/"))


def test_editing_a_note_keeps_a_visible_history(signed_in, demo_users):
    shift = _current(KEBON_JERUK)
    note = note_add(shift_id=shift.pk, by=demo_users["piket.kebonjeruk"], text="Dua motor parkir")
    author = signed_in("piket.kebonjeruk")
    form = author.get(f"/piket/catatan/{note.pk}/ubah/")
    assert form.status_code == 200 and _textarea(_body(form), "text") == "Dua motor parkir"
    empty = author.post(f"/piket/catatan/{note.pk}/ubah/", {"text": ""})
    assert empty.status_code == 400 and "Catatan tidak boleh kosong." in _body(empty)
    saved = author.post(f"/piket/catatan/{note.pk}/ubah/", {"text": "Tiga motor parkir"})
    assert saved.status_code == 302 and saved["Location"].endswith(f"#catatan-{note.pk}")
    body = _body(author.get("/piket/"))
    item = body[body.index(f'id="catatan-{note.pk}"') :]
    assert "Tiga motor parkir" in item
    history = item[item.index("data-note-history") :]
    assert "Riwayat perubahan" in history and "Dua motor parkir" in history
    assert ShiftNoteRevision.objects.get(note=note).text == "Dua motor parkir"

    other = make_user("piket2.kebonjeruk", "petugas_piket", KEBON_JERUK)
    client = Client()
    client.force_login(other)
    assert client.get(f"/piket/catatan/{note.pk}/ubah/").status_code == 403
    assert client.post(f"/piket/catatan/{note.pk}/ubah/", {"text": "x"}).status_code == 403
    assert f'href="/piket/catatan/{note.pk}/ubah/"' not in _body(client.get("/piket/"))
    assert signed_in("staf.tebetbarat").get(f"/piket/catatan/{note.pk}/ubah/").status_code == 404
    assert signed_in("staf.kebonjeruk").get(f"/piket/catatan/{note.pk}/ubah/").status_code == 200


def test_someone_with_several_kelurahan_chooses_one(signed_in):
    client = signed_in("operator.jakbar")
    chooser = _body(client.get("/piket/"))
    assert f'data-kelurahan="{KEBON_JERUK}"' in chooser
    assert f'data-kelurahan="{TEBET_BARAT}"' not in chooser
    assert f'href="/piket/?wilayah={KEBON_JERUK}"' in chooser
    assert "data-note-form" in _body(client.get(f"/piket/?wilayah={KEBON_JERUK}"))
    assert "data-note-form" in _body(client.get("/piket/"))  # remembered
    assert 'href="/piket/?pilih=1"' in _body(client.get("/piket/"))
    assert "data-note-form" not in _body(client.get("/piket/?pilih=1"))
    assert client.get(f"/piket/?wilayah={TEBET_BARAT}").status_code == 404
    assert client.get("/piket/?wilayah=bukan-kode").status_code == 404
    search = _body(client.get("/piket/?pilih=1&q=kebon"))
    assert (
        f'data-kelurahan="{KEBON_JERUK}"' in search
        and 'data-kelurahan="31.73.05.1002"' not in search
    )


def test_the_history_lists_handovers(signed_in, demo_users):
    past = shift_current(kelurahan_code=KEBON_JERUK, now=timezone.now() - timedelta(days=1))
    shift_close(shift_id=past.pk, by=demo_users["staf.kebonjeruk"], handover="Genangan surut")
    theirs = shift_current(kelurahan_code=TEBET_BARAT, now=timezone.now() - timedelta(days=1))
    shift_close(shift_id=theirs.pk, by=demo_users["staf.tebetbarat"], handover="Rahasia Tebet")
    client = signed_in("piket.kebonjeruk")
    body = _body(client.get("/piket/riwayat/"))
    assert f'data-shift="{past.pk}"' in body and "Genangan surut" in body
    assert "Rahasia Tebet" not in body and f'data-shift="{theirs.pk}"' not in body
    day = timezone.localtime(past.starts_at).date().isoformat()
    assert f'data-shift="{past.pk}"' in _body(client.get(f"/piket/riwayat/?tanggal={day}"))
    other_day = _body(client.get("/piket/riwayat/?tanggal=2020-01-01"))
    assert f'data-shift="{past.pk}"' not in other_day
    bad = client.get("/piket/riwayat/?tanggal=kemarin")
    assert bad.status_code == 400 and "Tanggal tidak valid" in _body(bad)
    assert "Rahasia Tebet" not in _body(client.get(f"/piket/riwayat/?wilayah={TEBET_BARAT}"))


def test_staff_manage_slots_on_their_page(signed_in):
    staf = signed_in("staf.kebonjeruk")
    page = _body(staf.get("/piket/jadwal/"))
    assert re.findall(r'data-slot="([^"]+)"', page) == ["pagi", "siang", "malam"]
    assert signed_in("piket.kebonjeruk").get("/piket/jadwal/").status_code == 403
    assert (
        signed_in("staf.tebetbarat").get(f"/piket/jadwal/?wilayah={KEBON_JERUK}").status_code == 404
    )
    clash = staf.post("/piket/jadwal/", {"label": "Sore", "starts": "14:00", "ends": "18:00"})
    assert clash.status_code == 400
    assert "Jam ini bertabrakan dengan jadwal Pagi (07.00–15.00)." in _body(clash)
    bad = staf.post("/piket/jadwal/", {"label": "Sore", "starts": "jam dua", "ends": "18:00"})
    assert bad.status_code == 400 and "Tulis jam seperti 07:00." in _body(bad)
    malam = ShiftSlot.objects.get(kelurahan_id=KEBON_JERUK, name="malam")
    off = staf.post(
        f"/piket/jadwal/{malam.pk}/", {"label": "Malam", "starts": "23:00", "ends": "07:00"}
    )
    assert off.status_code == 302  # the checkbox left empty: no longer used
    malam.refresh_from_db()
    assert not malam.is_active
    added = staf.post(
        "/piket/jadwal/",
        {"label": "Malam Panjang", "starts": "23:00", "ends": "06:00", "is_active": "on"},
    )
    assert added.status_code == 302
    slot = ShiftSlot.objects.get(kelurahan_id=KEBON_JERUK, name="malam-panjang")
    assert (slot.starts, slot.ends, slot.is_active) == (time(23), time(6), True)
    assert signed_in("piket.kebonjeruk").get(f"/piket/jadwal/{slot.pk}/").status_code == 403
    assert signed_in("staf.tebetbarat").get(f"/piket/jadwal/{slot.pk}/").status_code == 404


def test_no_page_or_admin_deletes_notes(signed_in, demo_users):
    note = note_add(
        shift_id=_current(KEBON_JERUK).pk, by=demo_users["piket.kebonjeruk"], text="Aman"
    )
    for model in (ShiftNote, ShiftNoteRevision, Shift):
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            request = RequestFactory().get("/")
            request.user = demo_users["admin.provinsi"]
            assert not model_admin.has_delete_permission(request, None), model
    client = signed_in("admin.provinsi")
    deleting = client.post(f"/django-admin/shifts/shiftnote/{note.pk}/delete/", {"post": "yes"})
    # Not in the admin at all (404); were it ever added, read-only (403).
    assert deleting.status_code == (403 if ShiftNote in admin.site._registry else 404)
    assert ShiftNote.objects.filter(pk=note.pk).exists()


# --- API --------------------------------------------------------------------------------------


def test_api_lists_shifts_with_filters(signed_in, demo_users):
    yesterday = shift_current(kelurahan_code=KEBON_JERUK, now=timezone.now() - timedelta(days=1))
    shift_close(shift_id=yesterday.pk, by=demo_users["staf.kebonjeruk"], handover="Aman")
    now = _current(KEBON_JERUK)
    _current(TEBET_BARAT)
    client = signed_in("operator.jakbar")
    data = client.get("/api/v1/shifts/").json()
    assert [s["id"] for s in data["results"]] == [now.pk, yesterday.pk]
    first = data["results"][0]
    assert first["area"] == KEBON_JERUK and first["area_name"] == "Kebon Jeruk"
    assert first["is_open"] is True and first["slot"] == now.slot.name and first["duties"] == []
    closed = client.get("/api/v1/shifts/?open=false").json()["results"]
    assert [(s["id"], s["handover"], s["closed_by"]) for s in closed] == [
        (yesterday.pk, "Aman", "staf.kebonjeruk")
    ]
    day = yesterday.date.isoformat()
    assert [s["id"] for s in client.get(f"/api/v1/shifts/?date={day}").json()["results"]] == [
        yesterday.pk
    ]
    assert client.get(f"/api/v1/shifts/?area={TEBET_BARAT}").json()["count"] == 0
    admin_view = signed_in("admin.provinsi").get(f"/api/v1/shifts/?area={TEBET_BARAT}").json()
    assert admin_view["count"] == 1
    current = client.get(f"/api/v1/shifts/current/?area={KEBON_JERUK}")
    assert current.status_code == 200 and current.json()["id"] == now.pk
    assert client.get(f"/api/v1/shifts/current/?area={TEBET_BARAT}").status_code == 404


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date=kemarin", "date", "Tanggal tidak valid; tulis YYYY-MM-DD."),
        ("area=semua", "area", "Kode wilayah tidak valid."),
        ("open=mungkin", "open", "Tulis true atau false."),
    ],
)
def test_api_bad_shift_filters_get_a_400_in_indonesian(signed_in, query, field, message):
    response = signed_in("staf.kebonjeruk").get(f"/api/v1/shifts/?{query}")
    assert response.status_code == 400 and response.json() == {field: [message]}


def test_api_check_in_out_and_close(signed_in):
    shift = _current(KEBON_JERUK)
    piket = signed_in("piket.kebonjeruk")
    answer = piket.post(f"/api/v1/shifts/{shift.pk}/check-in/")
    assert answer.status_code == 200
    assert [d["user"] for d in answer.json()["duties"]] == ["piket.kebonjeruk"]
    again = piket.post(f"/api/v1/shifts/{shift.pk}/check-in/")
    assert again.status_code == 409 and again.json() == {
        "detail": "Anda sudah tercatat masuk di shift ini."
    }
    assert (
        signed_in("fkdm.kebonjeruk").post(f"/api/v1/shifts/{shift.pk}/check-in/").status_code == 403
    )
    assert (
        signed_in("piket.tebetbarat").post(f"/api/v1/shifts/{shift.pk}/check-in/").status_code
        == 404
    )
    assert Client().post(f"/api/v1/shifts/{shift.pk}/check-in/").status_code == 403

    empty = piket.post(
        f"/api/v1/shifts/{shift.pk}/close/", {"handover": " "}, content_type="application/json"
    )
    assert empty.status_code == 400
    assert empty.json() == {"handover": ["Tulis ringkasan serah terima sebelum menutup shift."]}
    missing = piket.post(f"/api/v1/shifts/{shift.pk}/close/", {}, content_type="application/json")
    assert missing.status_code == 400 and "handover" in missing.json()
    refused = signed_in("fkdm.kebonjeruk").post(
        f"/api/v1/shifts/{shift.pk}/close/", {"handover": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    closed = piket.post(
        f"/api/v1/shifts/{shift.pk}/close/",
        {"handover": "Aman terkendali"},
        content_type="application/json",
    )
    assert closed.status_code == 200
    body = closed.json()
    assert body["is_open"] is False and body["handover"] == "Aman terkendali"
    assert body["closed_by"] == "piket.kebonjeruk" and body["duties"][0]["checked_out_at"]
    twice = piket.post(
        f"/api/v1/shifts/{shift.pk}/close/", {"handover": "x"}, content_type="application/json"
    )
    assert twice.status_code == 409
    out = piket.post(f"/api/v1/shifts/{shift.pk}/check-out/")
    assert out.status_code == 409 and out.json() == {
        "detail": "Anda sudah tercatat keluar dari shift ini."
    }


def test_api_notes_are_written_edited_and_never_deleted(signed_in, demo_cameras):
    piket = signed_in("piket.kebonjeruk")
    camera = demo_cameras["kebonjeruk-simpang"]
    made = piket.post(
        "/api/v1/notes/",
        {"area": KEBON_JERUK, "text": "Kerumunan di simpang", "camera": camera.pk},
        content_type="application/json",
    )
    assert made.status_code == 201
    note = made.json()
    shift = _current(KEBON_JERUK)
    assert (note["shift"], note["area"], note["kind"], note["author"]) == (
        shift.pk,
        KEBON_JERUK,
        "catatan",
        "piket.kebonjeruk",
    )
    assert note["camera"] == camera.pk and note["incident"] is None and note["revisions"] == []

    fkdm = signed_in("fkdm.kebonjeruk").post(
        "/api/v1/notes/",
        {"shift": shift.pk, "text": "Sudah bubar"},
        content_type="application/json",
    )
    assert fkdm.status_code == 201 and fkdm.json()["kind"] == "pengamatan"

    edited = piket.patch(
        f"/api/v1/notes/{note['id']}/",
        {"text": "Kerumunan besar di simpang"},
        content_type="application/json",
    )
    assert edited.status_code == 200
    assert edited.json()["text"] == "Kerumunan besar di simpang" and edited.json()["edited_at"]
    assert [r["text"] for r in edited.json()["revisions"]] == ["Kerumunan di simpang"]
    assert (
        piket.patch(
            f"/api/v1/notes/{fkdm.json()['id']}/", {"text": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert piket.delete(f"/api/v1/notes/{note['id']}/").status_code == 405
    assert (
        piket.put(
            f"/api/v1/notes/{note['id']}/", {"text": "x"}, content_type="application/json"
        ).status_code
        == 405
    )
    assert signed_in("admin.provinsi").delete(f"/api/v1/notes/{note['id']}/").status_code == 405
    assert ShiftNote.objects.count() == 2

    listed = piket.get(f"/api/v1/notes/?area={KEBON_JERUK}").json()
    assert [n["id"] for n in listed["results"]] == [fkdm.json()["id"], note["id"]]
    assert piket.get(f"/api/v1/notes/?shift={shift.pk + 1000}").json()["count"] == 0
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert piket.get("/api/v1/notes/", {"since": later}).json()["count"] == 0
    earlier = (timezone.now() - timedelta(minutes=1)).isoformat()
    assert piket.get("/api/v1/notes/", {"since": earlier}).json()["count"] == 2


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        ({"area": KEBON_JERUK, "text": ""}, 400, {"text": ["Catatan tidak boleh kosong."]}),
        ({"area": KEBON_JERUK}, 400, {"text": ["Catatan tidak boleh kosong."]}),
        ({"text": "x"}, 400, {"shift": ["Sebutkan shift atau wilayah (kode kelurahan)."]}),
        ({"area": "kebon", "text": "x"}, 400, {"area": ["Kode wilayah tidak valid."]}),
        ({"area": TEBET_BARAT, "text": "x"}, 404, None),
        ({"area": KEBON_JERUK, "text": "x", "camera": "tebet"}, 400, None),
        (
            {"area": KEBON_JERUK, "text": "x", "camera": "TEBET"},
            400,
            {"camera": ["Pilih kamera di kelurahan shift ini."]},
        ),
        (
            {"area": KEBON_JERUK, "text": "x", "incident": 99999},
            400,
            {"incident": ["Pilih kejadian di kelurahan shift ini."]},
        ),
    ],
)
def test_api_bad_notes_get_a_clear_answer(signed_in, demo_cameras, body, status, answer):
    if body.get("camera") == "TEBET":
        body = {**body, "camera": demo_cameras["tebet-eco-park-utara"].pk}
    response = signed_in("piket.kebonjeruk").post(
        "/api/v1/notes/", body, content_type="application/json"
    )
    assert response.status_code == status
    if answer is not None:
        assert response.json() == answer
    assert not ShiftNote.objects.exists()


@pytest.mark.parametrize(
    ("raw", "answer"),
    [
        ("{kurang kurung", {"detail": "Isi permintaan bukan JSON yang valid."}),
        ("[1, 2]", {"non_field_errors": ["Kirim objek JSON berisi isian, bukan list."]}),
        ('{"shift": "satu", "text": "x"}', {"shift": ["Isian ini harus berupa angka."]}),
        ('{"area": "31.73.05.1001", "text": ["x"]}', {"text": ["Isian ini harus berupa teks."]}),
    ],
)
def test_api_malformed_bodies_get_a_400_in_indonesian(signed_in, raw, answer):
    client = signed_in("piket.kebonjeruk")
    response = client.post("/api/v1/notes/", raw, content_type="application/json")
    assert response.status_code == 400 and response.json() == answer
    shift = _current(KEBON_JERUK)
    client.post(f"/api/v1/shifts/{shift.pk}/check-in/")
    if "text" not in raw:  # the same bodies, as a handover
        closing = client.post(
            f"/api/v1/shifts/{shift.pk}/close/", raw, content_type="application/json"
        )
        assert closing.status_code == 400 and closing.json() == answer
    assert client.get("/api/v1/shifts/99999/").json() == {"detail": "Shift tidak ditemukan."}
    assert client.get("/api/v1/notes/99999/").json() == {"detail": "Catatan tidak ditemukan."}


def test_api_bad_note_filters_get_a_400(signed_in):
    client = signed_in("staf.kebonjeruk")
    assert client.get("/api/v1/notes/?since=kemarin").json() == {
        "since": ["Waktu tidak valid; tulis seperti 2026-03-01T07:00."]
    }
    assert client.get("/api/v1/notes/?shift=satu").status_code == 400


def test_api_hides_a_linked_incident_from_those_who_do_not_see_it(signed_in, demo_users):
    from incidents.services import incident_create

    piket = demo_users["piket.kebonjeruk"]
    incident = incident_create(
        by=piket, category="banjir", severity="sedang", title="Genangan", area_code=KEBON_JERUK
    )
    note = note_add(shift_id=_current(KEBON_JERUK).pk, by=piket, text="Dipantau", incident=incident)
    assert (
        signed_in("staf.kebonjeruk").get(f"/api/v1/notes/{note.pk}/").json()["incident"]
        == incident.pk
    )
    # The kota operator reads the kelurahan's log, but the incident is not at their level yet.
    operator = signed_in("operator.jakbar")
    assert operator.get(f"/api/v1/notes/{note.pk}/").json()["incident"] is None
    assert operator.get("/api/v1/notes/").json()["results"][0]["incident"] is None
    assert "Genangan" not in _body(operator.get(f"/piket/?wilayah={KEBON_JERUK}"))
    assert "Genangan" in _body(signed_in("staf.kebonjeruk").get("/piket/"))


# --- Leak matrix ------------------------------------------------------------------------------

WRITERS = {"admin_provinsi", "operator", "staf_kelurahan", "petugas_piket"}
MANAGERS = {"admin_provinsi", "operator", "staf_kelurahan"}
ROLE_OF = {demo.username: demo.role.value for demo in DEMO_USERS}
REFUSED = {302, 403, 404}


@dataclass(frozen=True)
class Persona:
    name: str
    client: Client
    scope: tuple
    role: str = ""
    live: bool = True  # signed in with a live role (else: signed out on every request)


@dataclass(frozen=True)
class Probe:
    label: str
    area: str  # the kelurahan
    shift: int
    note: int  # a piket officer's note in that shift
    observation: int  # an FKDM volunteer's observation in that shift
    is_open: bool
    secrets: tuple  # texts that must never reach anyone who does not see the shift


def _sees(persona, probe):
    return persona.live and any(
        probe.area == s or probe.area.startswith(s + ".") for s in persona.scope
    )


@pytest.fixture
def personas(demo_users, lapsed_users):
    people = []
    for demo in DEMO_USERS:
        user = demo_users[demo.username]
        if demo.username == "admin.provinsi":
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        people.append(Persona(demo.username, client, (demo.area_code,), demo.role.value))
    for name, user in lapsed_users.items():
        client = Client()
        client.force_login(user)
        people.append(Persona(name, client, (), live=False))
    people.append(Persona("anonymous", Client(), (), live=False))
    return people


@pytest.fixture
def probes(demo_users):
    """Kebon Jeruk's and Tebet Barat's current (open) shift and yesterday's (closed) one, each
    with a piket note and an FKDM observation; each piket officer checked in to the current."""
    made = []
    for code, place in ((KEBON_JERUK, "kebonjeruk"), (TEBET_BARAT, "tebetbarat")):
        piket, fkdm = demo_users[f"piket.{place}"], demo_users[f"fkdm.{place}"]
        past = shift_current(kelurahan_code=code, now=timezone.now() - timedelta(days=1))
        now = _current(code)
        shift_check_in(shift_id=now.pk, by=piket)
        for shift, is_open in ((now, True), (past, False)):
            text = f"rahasia-catatan-{place}-{shift.pk}"
            note = note_add(shift_id=shift.pk, by=piket, text=text)
            seen = note_add(
                shift_id=shift.pk, by=fkdm, text=f"rahasia-pengamatan-{place}-{shift.pk}"
            )
            secrets = (text, f"rahasia-pengamatan-{place}-{shift.pk}")
            if not is_open:
                handover = f"rahasia-serah-{place}"
                shift_close(shift_id=shift.pk, by=demo_users[f"staf.{place}"], handover=handover)
                secrets += (handover,)
            made.append(
                Probe(f"{place}-{shift.pk}", code, shift.pk, note.pk, seen.pk, is_open, secrets)
            )
    return made


def _check(persona, probe, response, expected, where):
    """To someone who sees the shift, `expected`; to anyone else a refusal that gives nothing
    away (a signed-in user with a live role gets 404, as if it did not exist)."""
    if _sees(persona, probe):
        assert response.status_code == expected, where
        return
    assert response.status_code in ({404} if persona.live else REFUSED), where
    body = _body(response)
    assert not any(secret in body for secret in probe.secrets), where


def _listed(persona, probe, body, marker, where):
    assert shows(body, marker) is _sees(persona, probe), where
    if not _sees(persona, probe):
        assert not any(secret in body for secret in probe.secrets), where


def _lists(persona, probe):
    """Every list a shift or its notes can appear in: (where, body, marker)."""
    c = persona.client
    yield "history", _body(c.get("/piket/riwayat/")), f'data-shift="{probe.shift}"'
    by_area = _body(c.get(f"/piket/riwayat/?wilayah={probe.area}"))
    yield "history by area", by_area, f'data-shift="{probe.shift}"'
    yield "api shifts", _body(c.get("/api/v1/shifts/?page_size=1000")), {"id": probe.shift}
    by_area = _body(c.get(f"/api/v1/shifts/?area={probe.area}&page_size=1000"))
    yield "api shifts by area", by_area, {"id": probe.shift}
    notes = _body(c.get("/api/v1/notes/?page_size=1000"))
    yield "api notes", notes, {"id": probe.note}
    yield "api notes (observation)", notes, {"id": probe.observation}
    by_area = _body(c.get(f"/api/v1/notes/?area={probe.area}&page_size=1000"))
    yield "api notes by area", by_area, {"shift": probe.shift}
    by_shift = _body(c.get(f"/api/v1/notes/?shift={probe.shift}&page_size=1000"))
    yield "api notes by shift", by_shift, {"shift": probe.shift}


def _single(persona, probe):
    """Every page and API call on one shift or note: (where, response, expected if seen)."""
    c, role, json = persona.client, persona.role, "application/json"
    manages, writes = role in MANAGERS, role in WRITERS
    author = role == "petugas_piket"  # the probe notes are the kelurahan's piket officer's
    may_close = manages or (author and probe.is_open)  # the piket officer is checked in to it
    written = 302 if probe.is_open else 409
    yield "page", c.get(f"/piket/{probe.shift}/"), 200
    yield "current page", c.get(f"/piket/?wilayah={probe.area}"), 200
    yield "slots page", c.get(f"/piket/jadwal/?wilayah={probe.area}"), 200 if manages else 403
    edit = c.get(f"/piket/catatan/{probe.note}/ubah/")
    yield "edit note", edit, 200 if manages or author else 403
    edit = c.get(f"/piket/catatan/{probe.observation}/ubah/")
    yield "edit observation", edit, 200 if manages or role == "relawan_fkdm" else 403
    yield "post note", c.post(f"/piket/{probe.shift}/catatan/", {"text": "matrix"}), written
    yield "check in", c.post(f"/piket/{probe.shift}/masuk/"), 302 if writes else 403
    closing = c.post(f"/piket/{probe.shift}/tutup/", {"handover": ""})
    yield "close", closing, 400 if may_close else 403
    yield "api shift", c.get(f"/api/v1/shifts/{probe.shift}/"), 200
    yield "api note", c.get(f"/api/v1/notes/{probe.note}/"), 200
    yield "api current", c.get(f"/api/v1/shifts/current/?area={probe.area}"), 200
    # Checked in by the page already (or the shift is closed): 409, not 200.
    yield "api check in", c.post(f"/api/v1/shifts/{probe.shift}/check-in/"), 409 if writes else 403
    closing = c.post(f"/api/v1/shifts/{probe.shift}/close/", {"handover": ""}, content_type=json)
    yield "api close", closing, (400 if probe.is_open else 409) if may_close else 403
    same = {"text": probe.secrets[0]}  # an edit to the same text changes nothing
    patch = c.patch(f"/api/v1/notes/{probe.note}/", same, content_type=json)
    yield "api edit note", patch, 200 if manages or author else 403
    post = c.post("/api/v1/notes/", {"shift": probe.shift, "text": "matrix"}, content_type=json)
    yield "api post note", post, 201 if probe.is_open else 409
    post = c.post("/api/v1/notes/", {"area": probe.area, "text": "matrix"}, content_type=json)
    yield "api post note by area", post, 201


def test_leak_matrix_piket_pages_and_api(personas, probes):
    """Every persona (demo roles, lapsed users, anonymous) × every piket page and API call ×
    the shifts and notes of Kebon Jeruk and Tebet Barat."""
    cases = 0
    for persona in personas:
        for probe in probes:
            for name, body, marker in _lists(persona, probe):
                _listed(persona, probe, body, marker, f"{persona.name} → {name} → {probe.label}")
                cases += 1
            for name, response, expected in _single(persona, probe):
                _check(
                    persona, probe, response, expected, f"{persona.name} → {name} → {probe.label}"
                )
                cases += 1
            delete = persona.client.delete(f"/api/v1/notes/{probe.note}/")
            assert delete.status_code == (405 if persona.live else 403), persona.name
            cases += 1
    # Nothing was deleted, and what the matrix wrote landed only where its writer works.
    assert ShiftNote.objects.filter(pk__in=[p.note for p in probes]).count() == len(probes)
    for note in ShiftNote.objects.select_related("author", "shift"):
        scope = next(p.scope for p in personas if p.name == note.author.username)
        assert any(covers(s, note.shift.kelurahan_id) for s in scope), note.author
    assert not ShiftNoteRevision.objects.exists()  # same-text edits made no revision
    MATRIX_CASES["piket shifts and notes (pages, API)"] = cases
