"""Piket shift services: slots, the current shift at its boundaries, check-in/out, handover,
notes and their revisions. Times are fixed WIB moments passed as `now`."""

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from shifts.models import Shift, ShiftDuty, ShiftNote, ShiftNoteRevision, ShiftSlot
from shifts.services import (
    ShiftRefused,
    note_add,
    note_add_current,
    note_edit,
    shift_check_in,
    shift_check_out,
    shift_close,
    shift_current,
    slot_save,
)
from tests.personas import KEBON_JERUK, TEBET_BARAT, make_user

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")


def wib(day, hour, minute=0, second=0):
    return datetime(2026, 3, day, hour, minute, second, tzinfo=WIB)


def refused(status, call, **kwargs):
    with pytest.raises(ShiftRefused) as caught:
        call(**kwargs)
    assert caught.value.status == status, caught.value.message
    return caught.value


# --- Slots ------------------------------------------------------------------------------------


def test_default_slots_come_once_and_only_when_a_kelurahan_has_none(demo_users):
    assert not ShiftSlot.objects.filter(kelurahan_id=KEBON_JERUK).exists()
    shift_current(kelurahan_code=KEBON_JERUK, now=wib(2, 10))
    shift_current(kelurahan_code=KEBON_JERUK, now=wib(2, 16))
    slots = ShiftSlot.objects.filter(kelurahan_id=KEBON_JERUK)
    assert [(s.name, f"{s.starts:%H:%M}", f"{s.ends:%H:%M}") for s in slots] == [
        ("pagi", "07:00", "15:00"),
        ("siang", "15:00", "23:00"),
        ("malam", "23:00", "07:00"),
    ]
    assert not ShiftSlot.objects.filter(kelurahan_id=TEBET_BARAT).exists()
    slots.update(is_active=False)  # a kelurahan that stops piket keeps it that way
    assert shift_current(kelurahan_code=KEBON_JERUK, now=wib(3, 10)) is None
    assert slots.count() == 3


@pytest.mark.parametrize(
    ("now", "slot", "day", "starts", "ends"),
    [
        (wib(2, 6, 59, 59), "malam", 1, wib(1, 23), wib(2, 7)),
        (wib(2, 7), "pagi", 2, wib(2, 7), wib(2, 15)),
        (wib(2, 14, 59, 59), "pagi", 2, wib(2, 7), wib(2, 15)),
        (wib(2, 15), "siang", 2, wib(2, 15), wib(2, 23)),
        (wib(2, 22, 59, 59), "siang", 2, wib(2, 15), wib(2, 23)),
        (wib(2, 23), "malam", 2, wib(2, 23), wib(3, 7)),
        (wib(3, 0), "malam", 2, wib(2, 23), wib(3, 7)),  # after midnight: the shift of the 2nd
        (wib(3, 3, 30), "malam", 2, wib(2, 23), wib(3, 7)),
    ],
)
def test_current_shift_at_the_boundaries(demo_areas, now, slot, day, starts, ends):
    shift = shift_current(kelurahan_code=KEBON_JERUK, now=now)
    assert (shift.slot.name, shift.date) == (slot, date(2026, 3, day))
    assert (shift.starts_at, shift.ends_at) == (starts, ends)
    # The same moment seen from UTC (the server's clock) gives the same shift.
    assert shift_current(kelurahan_code=KEBON_JERUK, now=now.astimezone(ZoneInfo("UTC"))) == shift


def test_the_malam_shift_is_one_row_across_midnight(demo_areas):
    before = shift_current(kelurahan_code=KEBON_JERUK, now=wib(2, 23, 30))
    after = shift_current(kelurahan_code=KEBON_JERUK, now=wib(3, 6, 30))
    assert before.pk == after.pk
    assert Shift.objects.filter(kelurahan_id=KEBON_JERUK).count() == 1
    other = shift_current(kelurahan_code=TEBET_BARAT, now=wib(2, 23, 30))
    assert other.pk != before.pk  # one per kelurahan


@pytest.mark.django_db(transaction=True)  # real concurrent transactions, one per thread
def test_creating_the_current_shift_is_race_safe(demo_areas):
    """Several requests asking for a new kelurahan's shift at once get the same one row (and
    the kelurahan its three default slots, once)."""
    for moment in (wib(2, 8), wib(2, 16), wib(3, 1)):
        barrier, found, errors = threading.Barrier(6), [], []

        def ask(moment=moment, barrier=barrier, found=found, errors=errors):
            try:
                barrier.wait()
                found.append(shift_current(kelurahan_code=KEBON_JERUK, now=moment).pk)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=ask) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert len(found) == 6 and len(set(found)) == 1
    assert Shift.objects.filter(kelurahan_id=KEBON_JERUK).count() == 3
    assert ShiftSlot.objects.filter(kelurahan_id=KEBON_JERUK).count() == 3


def test_staff_edit_slots_without_overlaps(demo_users):
    staf = demo_users["staf.kebonjeruk"]
    shift_current(kelurahan_code=KEBON_JERUK, now=wib(2, 10))
    siang = ShiftSlot.objects.get(kelurahan_id=KEBON_JERUK, name="siang")
    save = {"by": staf, "kelurahan_code": KEBON_JERUK}

    clash = refused(400, slot_save, **save, label="Sore", starts=time(14), ends=time(18))
    assert clash.message == "Jam ini bertabrakan dengan jadwal Pagi (07.00–15.00)."
    assert clash.field == "starts"
    # Shorten siang, then a slot fits between siang and malam.
    slot_save(**save, slot_id=siang.pk, label="Siang", starts=time(15), ends=time(22))
    late = slot_save(**save, label="Larut", starts=time(22), ends=time(23))
    assert late.name == "larut" and late.is_active
    # Crossing midnight is fine as long as nothing else is in the way.
    refused(400, slot_save, **save, label="Malam panjang", starts=time(22, 30), ends=time(6))
    malam = ShiftSlot.objects.get(kelurahan_id=KEBON_JERUK, name="malam")
    slot_save(
        **save,
        slot_id=malam.pk,
        label="Malam",
        starts=malam.starts,
        ends=malam.ends,
        is_active=False,
    )
    night = slot_save(**save, label="Malam panjang", starts=time(23), ends=time(6, 30))
    shift = shift_current(kelurahan_code=KEBON_JERUK, now=wib(3, 2))
    assert (shift.slot, shift.starts_at, shift.ends_at) == (night, wib(2, 23), wib(3, 6, 30))
    assert shift_current(kelurahan_code=KEBON_JERUK, now=wib(3, 6, 45)) is None  # a gap
    # A 24-hour slot (piket 24 jam) clashes with every other.
    refused(400, slot_save, **save, label="Sehari", starts=time(7), ends=time(7))
    # Reactivating malam now clashes with the long night.
    refused(400, slot_save, **save, slot_id=malam.pk, label="Malam", starts=time(23), ends=time(7))
    refused(400, slot_save, **save, label="  ", starts=time(1), ends=time(2))


def test_who_may_edit_slots(demo_users):
    kwargs = {"kelurahan_code": KEBON_JERUK, "label": "Sore", "starts": time(15), "ends": time(16)}
    refused(403, slot_save, by=demo_users["piket.kebonjeruk"], **kwargs)
    refused(403, slot_save, by=demo_users["fkdm.kebonjeruk"], **kwargs)
    refused(404, slot_save, by=demo_users["staf.tebetbarat"], **kwargs)
    refused(404, slot_save, by=demo_users["operator.tebet"], **kwargs)
    operator = demo_users["operator.jakbar"]
    shift_current(kelurahan_code=KEBON_JERUK, now=wib(2, 10))  # the default slots
    siang = ShiftSlot.objects.get(kelurahan_id=KEBON_JERUK, name="siang")
    slot_save(by=operator, slot_id=siang.pk, **kwargs)  # an operator above the kelurahan may
    siang.refresh_from_db()
    assert (siang.name, siang.label, siang.starts, siang.ends) == (
        "siang",
        "Sore",
        time(15),
        time(16),
    )
    refused(
        404,
        slot_save,
        by=operator,
        kelurahan_code="31.73.05",
        label="X",
        starts=time(1),
        ends=time(2),
    )


# --- Duty -------------------------------------------------------------------------------------


@pytest.fixture
def pagi(demo_users):
    """The pagi shift of 2 March in Kebon Jeruk."""
    return shift_current(kelurahan_code=KEBON_JERUK, now=wib(2, 8))


def test_check_in_and_out_rules(demo_users, pagi):
    piket, fkdm = demo_users["piket.kebonjeruk"], demo_users["fkdm.kebonjeruk"]
    duty = shift_check_in(shift_id=pagi.pk, by=piket, now=wib(2, 7, 5))
    assert duty.checked_in_at == wib(2, 7, 5) and duty.checked_out_at is None
    assert refused(409, shift_check_in, shift_id=pagi.pk, by=piket, now=wib(2, 8)).message == (
        "Anda sudah tercatat masuk di shift ini."
    )
    refused(403, shift_check_in, shift_id=pagi.pk, by=fkdm, now=wib(2, 8))
    refused(404, shift_check_in, shift_id=pagi.pk, by=demo_users["piket.tebetbarat"], now=wib(2, 8))
    refused(409, shift_check_out, shift_id=pagi.pk, by=demo_users["staf.kebonjeruk"], now=wib(2, 9))
    # Checking out after the end of the shift is fine (forgot to); twice is not.
    shift_check_out(shift_id=pagi.pk, by=piket, now=wib(2, 15, 20))
    refused(409, shift_check_out, shift_id=pagi.pk, by=piket, now=wib(2, 15, 30))
    refused(409, shift_check_in, shift_id=pagi.pk, by=piket, now=wib(2, 15, 30))
    # Nobody checks in to a shift that is over.
    late = refused(
        409, shift_check_in, shift_id=pagi.pk, by=demo_users["staf.kebonjeruk"], now=wib(2, 15)
    )
    assert late.message == "Shift ini sudah berakhir; masuk ke shift yang sedang berjalan."
    assert ShiftDuty.objects.get(shift=pagi, user=piket).checked_out_at == wib(2, 15, 20)


def test_closing_needs_a_handover_and_someone_on_duty(demo_users, pagi):
    piket, staf = demo_users["piket.kebonjeruk"], demo_users["staf.kebonjeruk"]
    # A piket officer who did not check in to it may not close it; a volunteer never.
    refused(403, shift_close, shift_id=pagi.pk, by=piket, handover="Aman", now=wib(2, 14))
    refused(403, shift_close, shift_id=pagi.pk, by=demo_users["fkdm.kebonjeruk"], handover="Aman")
    refused(404, shift_close, shift_id=pagi.pk, by=demo_users["staf.tebetbarat"], handover="Aman")
    shift_check_in(shift_id=pagi.pk, by=piket, now=wib(2, 7))
    empty = refused(400, shift_close, shift_id=pagi.pk, by=piket, handover="  \n ", now=wib(2, 14))
    assert (empty.message, empty.field) == (
        "Tulis ringkasan serah terima sebelum menutup shift.",
        "handover",
    )
    shift_close(shift_id=pagi.pk, by=piket, handover=" Pompa RW 02 mati. ", now=wib(2, 14, 50))
    pagi.refresh_from_db()
    assert (pagi.handover, pagi.closed_by, pagi.closed_at) == (
        "Pompa RW 02 mati.",
        piket,
        wib(2, 14, 50),
    )
    # Whoever was still checked in leaves with the handover.
    assert ShiftDuty.objects.get(shift=pagi, user=piket).checked_out_at == wib(2, 14, 50)
    refused(409, shift_close, shift_id=pagi.pk, by=staf, handover="Lagi", now=wib(2, 15))
    refused(409, shift_check_in, shift_id=pagi.pk, by=staf, now=wib(2, 14, 55))


def test_staff_close_an_open_shift_after_its_end(demo_users, pagi):
    staf = demo_users["staf.kebonjeruk"]
    siang = shift_current(kelurahan_code=KEBON_JERUK, now=wib(2, 16))
    assert siang.pk != pagi.pk and pagi.closed_at is None
    shift_close(shift_id=pagi.pk, by=staf, handover="Terlambat ditutup", now=wib(2, 18))
    pagi.refresh_from_db()
    assert pagi.closed_at == wib(2, 18) and pagi.closed_by == staf


def test_after_an_early_handover_the_next_shift_takes_over(demo_users, pagi):
    staf = demo_users["staf.kebonjeruk"]
    shift_close(shift_id=pagi.pk, by=staf, handover="Diserahkan", now=wib(2, 14, 45))
    current = shift_current(kelurahan_code=KEBON_JERUK, now=wib(2, 14, 50))
    assert (current.slot.name, current.date, current.starts_at) == (
        "siang",
        date(2026, 3, 2),
        wib(2, 15),
    )
    assert shift_current(kelurahan_code=KEBON_JERUK, now=wib(2, 16)) == current
    # Notes written in those last minutes go to the shift that took over.
    note = note_add_current(
        kelurahan_code=KEBON_JERUK, by=staf, text="Tim siang sudah datang", now=wib(2, 14, 55)
    )
    assert note.shift == current
    refused(409, note_add, shift_id=pagi.pk, by=staf, text="Terlambat", now=wib(2, 14, 56))


# --- Notes ------------------------------------------------------------------------------------


def test_notes_by_officers_and_observations_by_volunteers(demo_users, demo_cameras, pagi):
    piket, fkdm = demo_users["piket.kebonjeruk"], demo_users["fkdm.kebonjeruk"]
    camera = demo_cameras["kebonjeruk-gang-masjid"]  # an RT camera of Kebon Jeruk
    note = note_add(
        shift_id=pagi.pk, by=piket, text=" Gang Masjid ramai ", camera=camera, now=wib(2, 9)
    )
    assert (note.kind, note.text, note.camera, note.created_at) == (
        "catatan",
        "Gang Masjid ramai",
        camera,
        wib(2, 9),
    )
    seen = note_add(shift_id=pagi.pk, by=fkdm, text="Ada genangan di RT 03", now=wib(2, 9, 5))
    assert seen.kind == "pengamatan" and seen.author == fkdm
    refused(404, note_add, shift_id=pagi.pk, by=demo_users["fkdm.tebetbarat"], text="x")
    refused(400, note_add, shift_id=pagi.pk, by=piket, text=" ")
    refused(400, note_add, shift_id=pagi.pk, by=piket, text="x" * 4001)
    wrong = refused(
        400,
        note_add,
        shift_id=pagi.pk,
        by=piket,
        text="x",
        camera=demo_cameras["tebet-eco-park-utara"],
    )
    assert (wrong.field, wrong.message) == ("camera", "Pilih kamera di kelurahan shift ini.")
    lapsed = make_user("lapsed.piket", "petugas_piket", KEBON_JERUK, revoked_at=wib(1, 0))
    refused(404, note_add, shift_id=pagi.pk, by=lapsed, text="x")


def test_note_links_an_incident_of_the_kelurahan(demo_users, pagi):
    from incidents.services import incident_create

    piket = demo_users["piket.kebonjeruk"]
    ours = incident_create(
        by=piket, category="banjir", severity="sedang", title="Genangan", area_code=KEBON_JERUK
    )
    theirs = incident_create(
        by=demo_users["piket.tebetbarat"],
        category="banjir",
        severity="sedang",
        title="Banjir",
        area_code=TEBET_BARAT,
    )
    note = note_add(shift_id=pagi.pk, by=piket, text="Dipantau", incident=ours)
    assert note.incident == ours
    refused(400, note_add, shift_id=pagi.pk, by=piket, text="x", incident=theirs)


def test_an_edit_keeps_the_earlier_text(demo_users, pagi):
    piket, staf = demo_users["piket.kebonjeruk"], demo_users["staf.kebonjeruk"]
    note = note_add(shift_id=pagi.pk, by=piket, text="Tiga motor parkir liar", now=wib(2, 9))
    note_edit(note_id=note.pk, by=piket, text="Empat motor parkir liar", now=wib(2, 9, 3))
    note_edit(
        note_id=note.pk, by=staf, text="Empat motor parkir liar, sudah ditegur", now=wib(2, 10)
    )
    note_edit(
        note_id=note.pk, by=staf, text="Empat motor parkir liar, sudah ditegur", now=wib(2, 11)
    )
    note.refresh_from_db()
    assert (note.text, note.edited_at, note.author) == (
        "Empat motor parkir liar, sudah ditegur",
        wib(2, 10),
        piket,
    )
    history = list(note.revisions.values_list("text", "edited_by__username", "edited_at"))
    assert history == [
        ("Tiga motor parkir liar", "piket.kebonjeruk", wib(2, 9, 3)),
        ("Empat motor parkir liar", "staf.kebonjeruk", wib(2, 10)),
    ]  # the unchanged save made no revision


def test_only_the_author_or_staff_edit_a_note(demo_users, pagi):
    piket, fkdm = demo_users["piket.kebonjeruk"], demo_users["fkdm.kebonjeruk"]
    other_piket = make_user("piket2.kebonjeruk", "petugas_piket", KEBON_JERUK)
    note = note_add(shift_id=pagi.pk, by=piket, text="Aman")
    seen = note_add(shift_id=pagi.pk, by=fkdm, text="Lampu taman mati")
    refused(403, note_edit, note_id=note.pk, by=other_piket, text="Diubah")
    refused(403, note_edit, note_id=note.pk, by=fkdm, text="Diubah")
    refused(404, note_edit, note_id=note.pk, by=demo_users["staf.tebetbarat"], text="Diubah")
    refused(400, note_edit, note_id=note.pk, by=piket, text="")
    note_edit(note_id=seen.pk, by=fkdm, text="Dua lampu taman mati")  # their own observation
    note_edit(note_id=seen.pk, by=demo_users["operator.jakbar"], text="Dua lampu mati (dilaporkan)")
    assert ShiftNoteRevision.objects.filter(note=seen).count() == 2
    assert ShiftNote.objects.get(pk=note.pk).text == "Aman"


def test_nothing_is_deleted_by_the_app(demo_users, pagi):
    """No service deletes, and the database refuses to drop a note that has a history."""
    import shifts.services as services

    assert not [name for name in dir(services) if "delete" in name or "remove" in name]
    piket = demo_users["piket.kebonjeruk"]
    note = note_add(shift_id=pagi.pk, by=piket, text="Aman")
    note_edit(note_id=note.pk, by=piket, text="Aman terkendali")
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        note.delete()
    with pytest.raises(ProtectedError):
        Shift.objects.filter(pk=pagi.pk).delete()


def test_notes_go_to_the_current_shift_of_the_kelurahan(demo_users):
    piket = demo_users["piket.kebonjeruk"]
    note = note_add_current(kelurahan_code=KEBON_JERUK, by=piket, text="Malam sepi", now=wib(3, 2))
    assert (note.shift.slot.name, note.shift.date) == ("malam", date(2026, 3, 2))
    assert note.shift.starts_at == wib(2, 23) and note.created_at - wib(3, 2) == timedelta(0)
