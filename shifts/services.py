"""Piket shift services: slots, the current shift, check-in/out, handover (serah terima), notes.

Every write runs in one transaction with the row it changes locked (the shift for check-in,
check-out, closing and new notes, so no note lands in a shift after its handover; the note for
an edit; the kelurahan for slot changes, so two editors cannot create overlapping slots). Each
checks the actor through the scoping door and refuses with `ShiftRefused` (an HTTP status and a
message for the user). Nothing here deletes anything: notes are append-only, an edit keeps the
earlier text as a ShiftNoteRevision.
"""

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cameras.models import Camera
from common.refusals import Refused
from incidents.models import Incident
from kelurahan.access import can
from kelurahan.codes import covers
from kelurahan.models import Area
from kelurahan.roles import Action, Level
from shifts.models import DEFAULT_SLOTS, Shift, ShiftDuty, ShiftNote, ShiftNoteRevision, ShiftSlot

NOTE_MAX_LENGTH = 4000
HANDOVER_MAX_LENGTH = 8000
DAY_MINUTES = 24 * 60


class ShiftRefused(Refused):
    """A shift, slot or note action that cannot be done."""


# --- Slots ------------------------------------------------------------------------------------


def ensure_slots(kelurahan_code):
    """Give a kelurahan the default slots (pagi, siang, malam) the first time it needs them.

    Only when it has none at all: a kelurahan that deactivated every slot keeps it that way.
    Two requests doing this at once are fine: the unique (kelurahan, name) drops the second.
    """
    if ShiftSlot.objects.filter(kelurahan_id=kelurahan_code).exists():
        return
    ShiftSlot.objects.bulk_create(default_slots(kelurahan_code), ignore_conflicts=True)


def default_slots(kelurahan_code):
    """The default pagi/siang/malam slots of a kelurahan, not saved."""
    return [
        ShiftSlot(
            kelurahan_id=kelurahan_code,
            name=name,
            label=str(label),
            starts=time.fromisoformat(starts),
            ends=time.fromisoformat(ends),
        )
        for name, label, starts, ends in DEFAULT_SLOTS
    ]


def active_slots(kelurahan_code):
    ensure_slots(kelurahan_code)
    return list(ShiftSlot.objects.filter(kelurahan_id=kelurahan_code, is_active=True))


def slot_spans(starts, ends):
    """The minutes of the day a slot covers, as [start, end) spans: 23.00–07.00 is two spans.
    Equal start and end means a 24-hour slot (piket 24 jam)."""
    start, end = starts.hour * 60 + starts.minute, ends.hour * 60 + ends.minute
    if start < end:
        return [(start, end)]
    if start == end:
        return [(0, DAY_MINUTES)]
    return [(start, DAY_MINUTES), (0, end)]


def slots_overlap(a, b):
    """Do two slots (anything with `starts` and `ends`) share a minute of the day?"""
    return any(
        x0 < y1 and y0 < x1
        for x0, x1 in slot_spans(a.starts, a.ends)
        for y0, y1 in slot_spans(b.starts, b.ends)
    )


def slot_at(slots, when):
    """(slot, date) of the slot containing `when`; the date is the day the slot began, so 02.00
    on the 2nd falls in the malam slot of the 1st. None in a gap between slots."""
    today = timezone.localtime(when).date()
    for slot in slots:
        for day in (today, today - timedelta(days=1)):
            start, end = slot.bounds_on(day)
            if start <= when < end:
                return slot, day
    return None


def _next_slot(slots, after):
    """(slot, date) of the first slot beginning after `after`."""
    first = timezone.localtime(after).date() - timedelta(days=1)
    upcoming = [
        (slot.bounds_on(day)[0], slot.pk, slot, day)
        for slot in slots
        for day in (first + timedelta(days=n) for n in range(4))
        if slot.bounds_on(day)[0] > after
    ]
    if not upcoming:
        return None
    _start, _pk, slot, day = min(upcoming, key=lambda item: item[:2])
    return slot, day


@transaction.atomic
def slot_save(*, by, kelurahan_code, label, starts, ends, is_active=True, slot_id=None):
    """Add a slot (slot_id=None) or change one: its name, times, or whether it is used.

    Active slots of one kelurahan may not overlap; a slot crossing midnight is fine. Existing
    shifts keep the times they had; the change applies from the next shift of that slot.
    """
    kelurahan = Area.objects.visible_to(by).select_for_update()
    kelurahan = kelurahan.filter(code=kelurahan_code, level=Level.KELURAHAN).first()
    if kelurahan is None:
        raise ShiftRefused(404, _("Kelurahan tidak ditemukan."))
    if not can(by, Action.MANAGE_SHIFTS, kelurahan):
        raise ShiftRefused(403, _("Hanya staf kelurahan yang dapat mengatur jadwal piket."))
    ensure_slots(kelurahan.code)  # the defaults first, so a new slot is checked against them
    slots = ShiftSlot.objects.filter(kelurahan=kelurahan)
    slot = ShiftSlot(kelurahan=kelurahan) if slot_id is None else slots.filter(pk=slot_id).first()
    if slot is None:
        raise ShiftRefused(404, _("Jadwal piket tidak ditemukan."))
    label = (label or "").strip()
    if not label:
        raise ShiftRefused(400, _("Beri nama jadwal, misalnya Pagi."), "label")
    if len(label) > ShiftSlot._meta.get_field("label").max_length:
        raise ShiftRefused(400, _("Nama jadwal paling panjang 40 karakter."), "label")
    if starts is None or ends is None:
        raise ShiftRefused(400, _("Isi jam mulai dan jam selesai."), "starts")
    slot.label = label
    slot.starts, slot.ends = (
        starts.replace(second=0, microsecond=0),
        ends.replace(second=0, microsecond=0),
    )
    slot.is_active = is_active
    if is_active:
        for other in slots.filter(is_active=True).exclude(pk=slot.pk):
            if slots_overlap(slot, other):
                raise ShiftRefused(
                    400,
                    _("Jam ini bertabrakan dengan jadwal %(label)s (%(starts)s–%(ends)s).")
                    % {
                        "label": other.label,
                        "starts": f"{other.starts:%H.%M}",
                        "ends": f"{other.ends:%H.%M}",
                    },
                    "starts",
                )
    if slot.pk is None:
        slot.name = _free_slot_name(slots, label)
    slot.save()
    return slot


def _free_slot_name(slots, label):
    base = slugify(label)[:16] or "jadwal"
    taken = set(slots.values_list("name", flat=True))
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


# --- The current shift ------------------------------------------------------------------------


def shift_for(*, kelurahan_code, slot, day):
    """The shift of `slot` on `day`, created if it does not exist yet.

    Race-safe: two requests creating it at once both get the same row (the unique
    kelurahan+slot+date constraint makes the second insert fail, and get_or_create then reads
    the first one's row).
    """
    starts_at, ends_at = slot.bounds_on(day)
    shift, _created = Shift.objects.get_or_create(
        kelurahan_id=kelurahan_code,
        slot=slot,
        date=day,
        defaults={"starts_at": starts_at, "ends_at": ends_at},
    )
    return shift


def shift_current(*, kelurahan_code, now=None):
    """The shift of a kelurahan now: the one of the slot containing `now` (in WIB), created on
    first use. When that shift has already been handed over (closed before its end), the next
    slot's shift has taken over and is the current one. None when no slot covers `now`."""
    now = now or timezone.now()
    slots = active_slots(kelurahan_code)
    found = slot_at(slots, now)
    if found is None:
        return None
    shift = shift_for(kelurahan_code=kelurahan_code, slot=found[0], day=found[1])
    for _step in range(len(slots)):  # at most one day ahead, whatever was closed early
        if shift.closed_at is None:
            break
        upcoming = _next_slot(slots, shift.starts_at)
        if upcoming is None:
            break
        shift = shift_for(kelurahan_code=kelurahan_code, slot=upcoming[0], day=upcoming[1])
    return shift


# --- Duty: check-in, check-out, close ---------------------------------------------------------


def _locked_shift(shift_id, by):
    """The shift, locked for this transaction, if `by` may see it (else 404)."""
    shift = Shift.objects.select_for_update().visible_to(by).filter(pk=shift_id).first()
    if shift is None:
        raise ShiftRefused(404, _("Shift tidak ditemukan."))
    return shift


def on_duty(user, shift):
    """Has `user` checked in to `shift` (whether or not they have left since)?"""
    return ShiftDuty.objects.filter(shift=shift, user=user, checked_in_at__isnull=False).exists()


def may_close(user, shift):
    """Kelurahan staff (and those above them), or a piket officer who checked in to it."""
    if can(user, Action.MANAGE_SHIFTS, shift):
        return True
    return can(user, Action.WRITE_SHIFT_NOTES, shift) and on_duty(user, shift)


@transaction.atomic
def shift_check_in(*, shift_id, by, now=None):
    now = now or timezone.now()
    shift = _locked_shift(shift_id, by)
    if not can(by, Action.WRITE_SHIFT_NOTES, shift):
        raise ShiftRefused(403, _("Hanya petugas piket dan staf kelurahan yang masuk shift."))
    if shift.closed_at is not None:
        raise ShiftRefused(409, _("Shift ini sudah ditutup."))
    if now >= shift.ends_at:
        raise ShiftRefused(409, _("Shift ini sudah berakhir; masuk ke shift yang sedang berjalan."))
    duty, _created = ShiftDuty.objects.get_or_create(shift=shift, user=by)
    if duty.checked_out_at is not None:
        raise ShiftRefused(409, _("Anda sudah keluar dari shift ini."))
    if duty.checked_in_at is not None:
        raise ShiftRefused(409, _("Anda sudah tercatat masuk di shift ini."))
    duty.checked_in_at = now
    duty.save(update_fields=["checked_in_at"])
    return duty


@transaction.atomic
def shift_check_out(*, shift_id, by, now=None):
    """Leave a shift; also after its end time (an officer who forgot to check out)."""
    now = now or timezone.now()
    shift = _locked_shift(shift_id, by)
    duty = ShiftDuty.objects.filter(shift=shift, user=by, checked_in_at__isnull=False).first()
    if duty is None:
        raise ShiftRefused(409, _("Anda belum tercatat masuk di shift ini."))
    if duty.checked_out_at is not None:
        raise ShiftRefused(409, _("Anda sudah tercatat keluar dari shift ini."))
    duty.checked_out_at = now
    duty.save(update_fields=["checked_out_at"])
    return duty


@transaction.atomic
def shift_close(*, shift_id, by, handover, now=None):
    """Close a shift with its handover summary (serah terima), which the next shift sees first.
    Also after its end time. Officers still checked in are checked out at closing time."""
    now = now or timezone.now()
    shift = _locked_shift(shift_id, by)
    if not may_close(by, shift):
        raise ShiftRefused(
            403,
            _("Hanya petugas piket yang masuk di shift ini atau staf kelurahan yang menutupnya."),
        )
    if shift.closed_at is not None:
        raise ShiftRefused(409, _("Shift ini sudah ditutup."))
    handover = (handover or "").strip()
    if not handover:
        raise ShiftRefused(
            400, _("Tulis ringkasan serah terima sebelum menutup shift."), "handover"
        )
    if len(handover) > HANDOVER_MAX_LENGTH:
        raise ShiftRefused(
            400,
            _("Serah terima paling panjang %(n)d karakter.") % {"n": HANDOVER_MAX_LENGTH},
            "handover",
        )
    shift.handover, shift.closed_at, shift.closed_by = handover, now, by
    shift.save(update_fields=["handover", "closed_at", "closed_by"])
    ShiftDuty.objects.filter(
        shift=shift, checked_in_at__isnull=False, checked_out_at__isnull=True
    ).update(checked_out_at=now)
    return shift


# --- Notes ------------------------------------------------------------------------------------


def note_kind(user, area):
    """The kind of note `user` writes in `area`: a piket note, a volunteer's observation, or
    None when they may write neither."""
    if can(user, Action.WRITE_SHIFT_NOTES, area):
        return ShiftNote.Kind.NOTE
    if can(user, Action.ADD_OBSERVATION, area):
        return ShiftNote.Kind.OBSERVATION
    return None


def conceals_reporter(user, note, person_id):
    """Whether `user` must not be told that `person_id` wrote or edited `note`.

    A note linked to an incident its author (or editor) reported would name the reporter to
    people the incident itself keeps them from (FKDM volunteers, piket officers): the timeline
    says "Pelapor" for the reporter's own entries, and so do such notes. The reporter sees
    themselves; those who may see reporters see everyone. Needs `note.incident` loaded.
    """
    incident = note.incident
    return (
        incident is not None
        and person_id is not None
        and person_id == incident.reporter_id
        and person_id != user.pk
        and not can(user, Action.SEE_REPORTER_IDENTITY, incident)
    )


def person_label(user, note, person):
    """How `person` (a note's author or editor) is named to `user`: see conceals_reporter."""
    if conceals_reporter(user, note, person.pk):
        return _("Pelapor (dirahasiakan)")
    return str(person)


def may_edit_note(user, note):
    """The author (while they may still write there), or kelurahan staff and those above."""
    area = note.shift.kelurahan_id
    if can(user, Action.MANAGE_SHIFTS, area):
        return True
    return note.author_id == user.pk and note_kind(user, area) is not None


def _clean_text(text):
    text = (text or "").strip()
    if not text:
        raise ShiftRefused(400, _("Catatan tidak boleh kosong."), "text")
    if len(text) > NOTE_MAX_LENGTH:
        raise ShiftRefused(
            400,
            _("Catatan paling panjang %(n)d karakter.") % {"n": NOTE_MAX_LENGTH},
            "text",
        )
    return text


def _check_links(by, kelurahan_code, camera, incident):
    """A linked camera or incident must be one `by` sees, in the shift's kelurahan."""
    if camera is not None:
        seen = Camera.objects.visible_to(by).filter(pk=camera.pk).exists()
        if not seen or not covers(kelurahan_code, camera.area_id):
            raise ShiftRefused(400, _("Pilih kamera di kelurahan shift ini."), "camera")
    if incident is not None:
        seen = Incident.objects.visible_to(by).filter(pk=incident.pk).exists()
        if not seen or not covers(kelurahan_code, incident.area_id):
            raise ShiftRefused(400, _("Pilih kejadian di kelurahan shift ini."), "incident")


@transaction.atomic
def note_add(*, shift_id, by, text, camera=None, incident=None, now=None):
    """Append a timestamped note to an open shift. Piket officers and staff write notes; FKDM
    volunteers' entries are stored as observations (pengamatan), shown as theirs."""
    now = now or timezone.now()
    shift = _locked_shift(shift_id, by)
    kind = note_kind(by, shift)
    if kind is None:
        raise ShiftRefused(403, _("Peran Anda tidak dapat menulis catatan piket."))
    if shift.closed_at is not None:
        raise ShiftRefused(
            409, _("Shift ini sudah ditutup; tulis catatan di shift yang sedang berjalan.")
        )
    text = _clean_text(text)
    _check_links(by, shift.kelurahan_id, camera, incident)
    return ShiftNote.objects.create(
        shift=shift,
        author=by,
        kind=kind,
        text=text,
        camera=camera,
        incident=incident,
        created_at=now,
    )


def note_add_current(*, kelurahan_code, by, text, camera=None, incident=None, now=None):
    """Append a note to the kelurahan's current shift (the caller has checked it may see the
    kelurahan)."""
    now = now or timezone.now()
    shift = shift_current(kelurahan_code=kelurahan_code, now=now)
    if shift is None:
        raise ShiftRefused(409, _("Tidak ada jadwal piket yang berlaku pada jam ini."))
    return note_add(shift_id=shift.pk, by=by, text=text, camera=camera, incident=incident, now=now)


@transaction.atomic
def note_edit(*, note_id, by, text, now=None):
    """Change a note's text; the earlier text is kept as a revision, shown under the note."""
    now = now or timezone.now()
    notes = ShiftNote.objects.select_for_update(of=("self",)).visible_to(by)
    note = notes.select_related("shift").filter(pk=note_id).first()
    if note is None:
        raise ShiftRefused(404, _("Catatan tidak ditemukan."))
    if not may_edit_note(by, note):
        raise ShiftRefused(
            403, _("Hanya penulis catatan atau staf kelurahan yang dapat mengubahnya.")
        )
    text = _clean_text(text)
    if text == note.text:
        return note
    ShiftNoteRevision.objects.create(note=note, text=note.text, edited_by=by, edited_at=now)
    note.text, note.edited_at = text, now
    note.save(update_fields=["text", "edited_at"])
    return note
