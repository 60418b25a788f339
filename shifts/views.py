"""Piket pages: the current shift (note box first), past shifts, the handover list, slots.

Every page starts from `visible_to(request.user)` (an outsider gets 404) and asks `can()` or the
shift services for the right (403 without it). Writes go through kelurahan/shifts.py; a refused
write re-renders the form with the user's text and the reason, nothing typed is lost.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.idempotency import idempotent_page
from incidents.models import Incident
from kelurahan.access import can
from kelurahan.codes import level_of_code
from kelurahan.models import Area, in_areas
from kelurahan.roles import Action, Level
from shifts import services as services
from shifts.forms import HandoverForm, NoteEditForm, NoteForm, SlotForm
from shifts.models import Shift, ShiftDuty, ShiftNote, ShiftNoteRevision, ShiftSlot

CHOSEN_KELURAHAN = "piket_kelurahan"  # session key: the kelurahan last chosen
HISTORY_PAGE_SIZE = 30
CHOOSER_PAGE_SIZE = 60


# --- The shift page ---------------------------------------------------------------------------


@login_required
def shift_current(request):
    kelurahan = _chosen_kelurahan(request)
    if kelurahan is None:
        return _choose_kelurahan(request, "shift-current")
    shift = services.shift_current(kelurahan_code=kelurahan.code)
    if shift is None:
        context = {"kelurahan": kelurahan, **_kelurahan_links(request, kelurahan)}
        return render(request, "shifts/shift_none.html", context)
    shift = get_object_or_404(_shifts(request.user), pk=shift.pk)
    return _shift_page(request, shift, is_current=True)


@login_required
def shift_detail(request, pk):
    shift = get_object_or_404(_shifts(request.user), pk=pk)
    current = services.shift_current(kelurahan_code=shift.kelurahan_id)
    return _shift_page(request, shift, is_current=current is not None and current.pk == shift.pk)


def _shift_page(request, shift, *, is_current, note_form=None, handover_form=None, status=200):
    user, now = request.user, timezone.now()
    duties = list(shift.duties.select_related("user"))
    mine = next((duty for duty in duties if duty.user_id == user.pk), None)
    kind = services.note_kind(user, shift)
    is_open = shift.closed_at is None
    may_write = can(user, Action.WRITE_SHIFT_NOTES, shift)
    context = {
        "shift": shift,
        "is_current": is_current,
        "previous": _shifts(user)
        .filter(kelurahan_id=shift.kelurahan_id, starts_at__lt=shift.starts_at)
        .first(),
        "unclosed": _unclosed(user, shift, now) if is_current else [],
        "duties": duties,
        "my_duty": mine,
        "notes": _notes(user, shift),
        "note_kind": kind,
        # A refused note stays on screen even when its shift can take no more.
        "note_form": note_form or (_note_form(user, shift) if kind and is_open else None),
        "handover_form": (handover_form or HandoverForm())
        if is_open and services.may_close(user, shift)
        else None,
        "may_check_in": may_write and is_open and now < shift.ends_at and mine is None,
        "may_check_out": mine is not None and mine.checked_in_at and not mine.checked_out_at,
        "may_report": can(user, Action.CREATE_INCIDENT, shift),
        "kelurahan": shift.kelurahan,
        **_kelurahan_links(request, shift.kelurahan),
    }
    return render(request, "shifts/shift_detail.html", context, status=status)


def _shifts(user):
    return Shift.objects.visible_to(user).select_related("kelurahan", "slot", "closed_by")


def _notes(user, shift):
    revisions = ShiftNoteRevision.objects.select_related("edited_by").order_by("-edited_at")
    notes = ShiftNote.objects.visible_to(user).filter(shift=shift)
    notes = notes.select_related("author", "camera", "incident")
    notes = list(notes.prefetch_related(Prefetch("revisions", queryset=revisions)))
    staff = can(user, Action.MANAGE_SHIFTS, shift)
    writes = services.note_kind(user, shift) is not None
    # An operator above the kelurahan reads its notes before a linked incident reaches them.
    linked = {note.incident_id for note in notes if note.incident_id}
    seen = set(Incident.objects.visible_to(user).filter(pk__in=linked).values_list("pk", flat=True))
    for note in notes:
        note.editable = staff or (writes and note.author_id == user.pk)
        note.incident_seen = note.incident if note.incident_id in seen else None
        note.author_label = services.person_label(user, note, note.author)
        for revision in note.revisions.all():
            revision.editor_label = services.person_label(user, note, revision.edited_by)
    return notes


def _unclosed(user, shift, now):
    """Earlier shifts of the kelurahan still waiting for their handover."""
    earlier = _shifts(user).open().filter(kelurahan_id=shift.kelurahan_id, ends_at__lte=now)
    return list(earlier.exclude(pk=shift.pk)[:5])


def _note_form(user, shift, data=None):
    return NoteForm(data, user=user, kelurahan_code=shift.kelurahan_id)


def _page_url(shift):
    """Where a shift is shown: /piket/ while it is the kelurahan's current one."""
    current = services.shift_current(kelurahan_code=shift.kelurahan_id)
    if current is not None and current.pk == shift.pk:
        return _for_kelurahan("shift-current", shift.kelurahan_id)
    return reverse("shift-detail", args=[shift.pk])


# --- Writes -----------------------------------------------------------------------------------


@login_required
@require_POST
@idempotent_page("page:note")
def shift_note_add(request, pk):
    shift = get_object_or_404(_shifts(request.user), pk=pk)
    if services.note_kind(request.user, shift) is None:
        raise PermissionDenied(_("Peran Anda tidak dapat menulis catatan piket."))
    form = _note_form(request.user, shift, request.POST)
    if form.is_valid():
        try:
            services.note_add(shift_id=shift.pk, by=request.user, **form.cleaned_data)
        except services.ShiftRefused as refused:
            if refused.status == 409:
                return _offer_to_current(request, shift, form, refused)
            return _refused_form(request, shift, form, refused, "note_form")
        return redirect(_page_url(shift))
    return _shift_page(request, shift, is_current=_is_current(shift), note_form=form, status=400)


def _offer_to_current(request, shift, form, refused):
    """The shift was handed over while the note was being written: show the note again in the
    box of the shift that took over, one tap from being saved there."""
    current = services.shift_current(kelurahan_code=shift.kelurahan_id)
    if current is None or current.pk == shift.pk or current.closed_at is not None:
        return _refused_form(request, shift, form, refused, "note_form")
    current = get_object_or_404(_shifts(request.user), pk=current.pk)
    form = _note_form(request.user, current, request.POST)
    form.is_valid()
    form.add_error(None, f"{refused.message} {_('Catatan Anda belum tersimpan.')}")
    return _shift_page(request, current, is_current=True, note_form=form, status=409)


@login_required
@require_POST
def shift_check_in(request, pk):
    return _duty_action(request, pk, services.shift_check_in, _("Anda tercatat masuk shift."))


@login_required
@require_POST
def shift_check_out(request, pk):
    return _duty_action(request, pk, services.shift_check_out, _("Anda tercatat keluar shift."))


def _duty_action(request, pk, service, done):
    shift = get_object_or_404(_shifts(request.user), pk=pk)
    try:
        service(shift_id=shift.pk, by=request.user)
    except services.ShiftRefused as refused:
        _raise_for(refused)
        messages.error(request, refused.message)
        return redirect(_page_url(shift))
    messages.success(request, done)
    return redirect(_page_url(shift))


@login_required
@require_POST
def shift_close(request, pk):
    shift = get_object_or_404(_shifts(request.user), pk=pk)
    if not services.may_close(request.user, shift):
        raise PermissionDenied(
            _("Hanya petugas piket yang masuk di shift ini atau staf kelurahan.")
        )
    form = HandoverForm(request.POST)
    if form.is_valid():
        try:
            services.shift_close(shift_id=shift.pk, by=request.user, **form.cleaned_data)
        except services.ShiftRefused as refused:
            return _refused_form(request, shift, form, refused, "handover_form")
        messages.success(request, _("Shift ditutup; serah terima tampil di shift berikutnya."))
        return redirect(_for_kelurahan("shift-current", shift.kelurahan_id))
    return _shift_page(
        request, shift, is_current=_is_current(shift), handover_form=form, status=400
    )


def _is_current(shift):
    current = services.shift_current(kelurahan_code=shift.kelurahan_id)
    return current is not None and current.pk == shift.pk


def _raise_for(refused):
    if refused.status == 404:
        raise Http404(refused.message)
    if refused.status == 403:
        raise PermissionDenied(refused.message)


def _refused_form(request, shift, form, refused, form_name):
    """Show the form again with the user's text and why it was refused (404/403 as pages)."""
    _raise_for(refused)
    form.add_error(refused.field if refused.field in form.fields else None, refused.message)
    shift.refresh_from_db()
    page = {form_name: form}
    return _shift_page(request, shift, is_current=_is_current(shift), status=refused.status, **page)


@login_required
def note_edit(request, pk):
    notes = ShiftNote.objects.visible_to(request.user).select_related(
        "shift__kelurahan", "shift__slot", "author"
    )
    note = get_object_or_404(notes, pk=pk)
    if not services.may_edit_note(request.user, note):
        raise PermissionDenied(
            _("Hanya penulis catatan atau staf kelurahan yang dapat mengubahnya.")
        )
    form = NoteEditForm(request.POST or None, initial={"text": note.text})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.note_edit(note_id=note.pk, by=request.user, **form.cleaned_data)
            except services.ShiftRefused as refused:
                _raise_for(refused)
                form.add_error("text", refused.message)
                status = refused.status
            else:
                messages.success(request, _("Catatan diubah; isi sebelumnya tersimpan di riwayat."))
                return redirect(f"{_page_url(note.shift)}#catatan-{note.pk}")
    context = {"note": note, "form": form, "back": _page_url(note.shift)}
    return render(request, "shifts/shift_note_edit.html", context, status=status)


# --- History ----------------------------------------------------------------------------------


@login_required
def shift_history(request):
    """Past (and the running) shifts with their handovers; filters: wilayah, tanggal."""
    shifts = _shifts(request.user).filter(starts_at__lte=timezone.now())
    code, day = request.GET.get("wilayah", "").strip(), request.GET.get("tanggal", "").strip()
    errors = []
    if code:
        if level_of_code(code) is None:
            errors.append(_("Kode wilayah tidak valid."))
        shifts = shifts.filter(in_areas("kelurahan__code", [code]))
    if day:
        try:
            shifts = shifts.filter(date=datetime.date.fromisoformat(day))
        except ValueError:
            errors.append(_("Tanggal tidak valid; tulis seperti 2026-03-01."))
    duties = ShiftDuty.objects.filter(checked_in_at__isnull=False).select_related("user")
    shifts = shifts.annotate(note_count=Count("notes")).order_by("-starts_at", "-pk")
    shifts = shifts.prefetch_related(Prefetch("duties", queryset=duties))
    context = {
        "page": Paginator(shifts, HISTORY_PAGE_SIZE).get_page(request.GET.get("page")),
        "kelurahan_choices": _kelurahan_list(request.user).values_list("code", "name"),
        "code": code,
        "day": day,
        "errors": errors,
    }
    status = 400 if errors else 200
    return render(request, "shifts/shift_history.html", context, status=status)


# --- Slots ------------------------------------------------------------------------------------


@login_required
def slot_list(request):
    kelurahan = _chosen_kelurahan(request)
    if kelurahan is None:
        return _choose_kelurahan(request, "shift-slots")
    if not can(request.user, Action.MANAGE_SHIFTS, kelurahan):
        raise PermissionDenied(_("Hanya staf kelurahan yang dapat mengatur jadwal piket."))
    form, status = SlotForm(request.POST or None), 200
    del form.fields["is_active"]  # a new slot is used from the start
    if request.method == "POST":
        status = _save_slot(request, form, kelurahan.code)
        if status is None:
            return redirect(_for_kelurahan("shift-slots", kelurahan.code))
    services.ensure_slots(kelurahan.code)
    context = {
        "kelurahan": kelurahan,
        "slots": ShiftSlot.objects.visible_to(request.user).filter(kelurahan=kelurahan),
        "form": form,
        **_kelurahan_links(request, kelurahan),
    }
    return render(request, "shifts/shift_slots.html", context, status=status)


@login_required
def slot_edit(request, pk):
    slots = ShiftSlot.objects.visible_to(request.user).select_related("kelurahan")
    slot = get_object_or_404(slots, pk=pk)
    if not can(request.user, Action.MANAGE_SHIFTS, slot.kelurahan):
        raise PermissionDenied(_("Hanya staf kelurahan yang dapat mengatur jadwal piket."))
    initial = {f: getattr(slot, f) for f in ("label", "starts", "ends", "is_active")}
    form, status = SlotForm(request.POST or None, initial=initial), 200
    back = _for_kelurahan("shift-slots", slot.kelurahan_id)
    if request.method == "POST":
        status = _save_slot(request, form, slot.kelurahan_id, slot_id=slot.pk)
        if status is None:
            return redirect(back)
    context = {"slot": slot, "form": form, "back": back}
    return render(request, "shifts/shift_slot_edit.html", context, status=status)


def _save_slot(request, form, kelurahan_code, slot_id=None):
    """None when saved, else the HTTP status to show the form again with."""
    if not form.is_valid():
        return 400
    try:
        services.slot_save(
            by=request.user, kelurahan_code=kelurahan_code, slot_id=slot_id, **form.cleaned_data
        )
    except services.ShiftRefused as refused:
        _raise_for(refused)
        form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        return refused.status
    messages.success(request, _("Jadwal piket disimpan."))
    return None


# --- Which kelurahan --------------------------------------------------------------------------


def _for_kelurahan(url_name, code):
    return f"{reverse(url_name)}?{urlencode({'wilayah': code})}"


def _kelurahan_list(user):
    return Area.objects.visible_to(user).of_level(Level.KELURAHAN).order_by("code")


def _chosen_kelurahan(request):
    """The kelurahan asked for (?wilayah=), else the one chosen last, else the only one.
    None: let the user choose (several kelurahan, or ?pilih=1)."""
    kelurahan = _kelurahan_list(request.user)
    code = request.GET.get("wilayah", "").strip()
    if code:
        area = get_object_or_404(kelurahan, code=code)
        request.session[CHOSEN_KELURAHAN] = area.code
        return area
    if request.GET.get("pilih"):
        return None
    remembered = request.session.get(CHOSEN_KELURAHAN)
    area = kelurahan.filter(code=remembered).first() if remembered else None
    if area is not None:
        return area
    first_two = list(kelurahan[:2])
    return first_two[0] if len(first_two) == 1 else None


def _choose_kelurahan(request, url_name):
    query = request.GET.get("q", "").strip()
    kelurahan = _kelurahan_list(request.user)
    if query:
        kelurahan = kelurahan.filter(Q(name__icontains=query) | Q(code__startswith=query))
    page = Paginator(kelurahan, CHOOSER_PAGE_SIZE).get_page(request.GET.get("page"))
    parents = Area.objects.in_bulk({area.parent_id for area in page})
    on_duty = _on_duty_counts(request.user, [area.code for area in page])
    for area in page:
        area.parent_name = str(parents.get(area.parent_id, ""))
        area.on_duty = on_duty.get(area.code, 0)
    context = {"page": page, "query": query, "target": reverse(url_name)}
    return render(request, "shifts/shift_choose.html", context)


def _on_duty_counts(user, codes):
    """How many officers are checked in to an open shift, per kelurahan."""
    duties = ShiftDuty.objects.filter(
        shift__in=Shift.objects.visible_to(user).open().filter(kelurahan_id__in=codes),
        checked_in_at__isnull=False,
        checked_out_at__isnull=True,
    )
    counts = duties.values("shift__kelurahan_id").annotate(n=Count("id"))
    return {row["shift__kelurahan_id"]: row["n"] for row in counts}


def _kelurahan_links(request, kelurahan):
    return {
        "several_kelurahan": _kelurahan_list(request.user)[:2].count() > 1,
        "may_manage_slots": can(request.user, Action.MANAGE_SHIFTS, kelurahan),
    }
