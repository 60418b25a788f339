"""Incident pages: the list, raising one (from a camera page, a phone, a shift note), one
incident with its timeline and the actions the user may take, and its attachments.

Every page starts from `Incident.objects.visible_to(user)` (outsiders get 404); every change goes
through the services in kelurahan/incidents.py, whose refusals show as a message on the page
with their status (409 when the incident's status does not allow the change).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cameras.models import Camera
from common.idempotency import idempotent_page
from incidents import services as services
from incidents.forms import ACTION_FORMS, IncidentForm, IncidentListForm
from incidents.models import NEXT_LEVEL, Incident, IncidentLevel, Status
from incidents.queries import (
    agencies_for,
    attachment_response,
    deadline_of,
    filter_incidents,
    incidents_for_detail,
    reporter_of,
    timeline_of,
)
from incidents.services import IncidentRefused, report_incident
from incidents.signals import incident_page
from kelurahan.access import can, scope_codes
from kelurahan.codes import level_of_code
from kelurahan.roles import Action, Level
from shifts.models import ShiftNote

LIST_PAGE_SIZE = 50


@login_required
def incident_list(request):
    now = timezone.now()
    form = IncidentListForm(request.GET, user=request.user)
    incidents = Incident.objects.visible_to(request.user).select_related("area")
    if form.is_valid():
        incidents = filter_incidents(incidents, form.cleaned_data, now=now)
    else:
        incidents = incidents.none()
    page = Paginator(incidents, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    for incident in page:
        incident.left = time_left(incident, now)
    context = {
        "form": form,
        "page": page,
        "can_create": can(request.user, Action.CREATE_INCIDENT),
        "filtered": _filters_used(request),
    }
    return render(
        request, "incidents/incident_list.html", context, status=400 if form.errors else 200
    )


@login_required
@idempotent_page("page:incident")
def incident_create(request):
    if not can(request.user, Action.CREATE_INCIDENT):
        raise PermissionDenied(_("Peran Anda tidak mengizinkan melaporkan kejadian."))
    camera, note = _prefill(request)
    posted = request.method == "POST"
    form = IncidentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        user=request.user,
        initial=_initial(request.user, camera, note),
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                incident = report_incident(
                    request.user, form.cleaned_data, _source(camera, note, form)
                )
            except IncidentRefused as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                return _created(request, incident)
    context = {"form": form, "camera": camera, "note": note, "config": _form_config()}
    return render(request, "incidents/incident_form.html", context, status=status)


@login_required
def incident_detail(request, pk):
    return _detail_page(request, _incident(request, pk))


@login_required
def incident_act(request, pk, action):
    """POST one action (terima, status, komentar, naikkan, teruskan, lampiran) from the page."""
    if request.method != "POST":
        return redirect("incident-detail", pk)
    incident = _incident(request, pk)
    if action not in ACTION_FORMS:
        raise Http404(_("Tindakan tidak dikenal."))
    form = ACTION_FORMS[action](request.POST, request.FILES, incident=incident, user=request.user)
    if not form.is_valid():
        return _detail_page(request, incident, form, status=400)
    try:
        _PERFORM[action](incident, request.user, form.cleaned_data)
    except IncidentRefused as refused:
        if refused.status == 404:
            raise Http404(refused.message) from None
        messages.error(request, refused.message)
        return _detail_page(request, _incident(request, pk), form, status=refused.status)
    messages.success(request, _DONE[action])
    return redirect("incident-detail", pk)


@login_required
def incident_attachment(request, pk, attachment_pk):
    return attachment_response(_incident(request, pk), attachment_pk)


# --- Helpers ----------------------------------------------------------------------------------


def _incident(request, pk):
    return get_object_or_404(incidents_for_detail(request.user), pk=pk)


def _detail_page(request, incident, bound=None, status=200):
    user = request.user
    cameras = Camera.objects.visible_to(user)
    camera = cameras.filter(pk=incident.camera_id).first() if incident.camera_id else None
    context = {
        "incident": incident,
        "camera": camera,
        # "Lihat rekaman": the camera page at the incident's moment, for those who may rewind.
        "can_rewind": camera is not None and can(user, Action.VIEW_RECORDINGS, camera),
        "left": time_left(incident, timezone.now()),
        "reporter": reporter_of(incident, user),
        "is_reporter": incident.reporter_id == user.pk,
        "timeline": timeline_of(incident, user),
        "notes": ShiftNote.objects.visible_to(user)
        .filter(incident=incident)
        .select_related("shift"),
        "actions": _action_forms(user, incident, bound),
        "next_level": NEXT_LEVEL.get(IncidentLevel(incident.level)),
        # Panels of the apps above (evidence's clips), which this app cannot import.
        "panels": [
            mark_safe(html)  # noqa: S308 (rendered by the receiver's own template)
            for _receiver, html in incident_page.send(Incident, incident=incident, request=request)
            if html
        ],
    }
    return render(request, "incidents/incident_detail.html", context, status=status)


def _action_forms(user, incident, bound):
    """The forms of the actions `user` may take on `incident` now (a bound one keeps its input)."""
    possible = []
    if incident.status == Status.BARU and can(user, Action.ACKNOWLEDGE_INCIDENT, incident):
        possible.append("terima")
    choices = services.statuses_open_to(user, incident)
    if incident.status == Status.BARU:
        choices = [s for s in choices if s != Status.DITERIMA]
    if choices:
        possible.append("status")
    if incident.is_open and incident.level != IncidentLevel.PROVINSI:
        if can(user, Action.ESCALATE_INCIDENT, incident):
            possible.append("naikkan")
    if incident.is_open and can(user, Action.FORWARD_INCIDENT, incident):
        if agencies_for(incident, user).exists():
            possible.append("teruskan")
    if can(user, Action.ADD_OBSERVATION, incident):
        possible += ["komentar", "lampiran"]
    forms = {}
    for slug in possible:
        if bound is not None and bound.slug == slug:
            forms[slug] = bound
        else:
            forms[slug] = ACTION_FORMS[slug](incident=incident, user=user)
    return forms


_PERFORM = {
    "terima": lambda i, u, d: services.incident_acknowledge(incident_id=i.pk, by=u, note=d["note"]),
    "naikkan": lambda i, u, d: services.incident_escalate(incident_id=i.pk, by=u, note=d["note"]),
    "komentar": lambda i, u, d: services.incident_comment(incident_id=i.pk, by=u, note=d["note"]),
    "status": lambda i, u, d: services.incident_transition(
        incident_id=i.pk, by=u, to=d["to"], note=d["note"], reason=d["reason"]
    ),
    "teruskan": lambda i, u, d: services.incident_forward(
        incident_id=i.pk, by=u, agencies=list(d["agencies"]), note=d["note"]
    ),
    "lampiran": lambda i, u, d: services.incident_attach(
        incident_id=i.pk, by=u, image=d["photo"], note=d["note"]
    ),
}
_DONE = {
    "terima": gettext_lazy("Kejadian diterima."),
    "naikkan": gettext_lazy("Kejadian dinaikkan satu tingkat."),
    "komentar": gettext_lazy("Komentar ditambahkan."),
    "status": gettext_lazy("Status diubah."),
    "teruskan": gettext_lazy("Kejadian diteruskan ke instansi."),
    "lampiran": gettext_lazy("Gambar dilampirkan."),
}


def _prefill(request):
    """The camera (?kamera=) or shift note (?catatan=) the report starts from, if the user may
    see it (else 404)."""
    camera = note = None
    cameras = Camera.objects.visible_to(request.user, Action.CREATE_INCIDENT).select_related("area")
    if request.GET.get("catatan"):
        notes = ShiftNote.objects.visible_to(request.user).select_related("shift", "camera")
        note = get_object_or_404(notes, pk=_number(request.GET["catatan"]))
        if note.camera_id:
            camera = cameras.filter(pk=note.camera_id).first()
    if request.GET.get("kamera"):
        camera = get_object_or_404(cameras, pk=_number(request.GET["kamera"]))
    return camera, note


def _number(value):
    if not value.isdigit() or len(value) > 12:
        raise Http404
    return int(value)


def _initial(user, camera, note):
    initial = {"camera": camera.pk if camera else None}
    codes = scope_codes(user, Action.CREATE_INCIDENT)
    own = [code for code in codes if level_of_code(code) == Level.KELURAHAN]
    if len(own) == 1:
        initial["area"] = own[0]  # one kelurahan: the usual answer is already chosen
    if note is not None:
        initial["description"] = note.text
        initial["area"] = note.shift.kelurahan_id
        if note.incident_id is None:
            initial["catatan"] = note.pk
    return initial


def _source(camera, note, form):
    if form.cleaned_data.get("catatan"):
        return Incident.Source.NOTE
    if camera is not None:
        return Incident.Source.CAMERA
    if form.cleaned_data.get("where") == IncidentForm.WHERE_GPS:
        return Incident.Source.PHONE
    return Incident.Source.PORTAL


def _created(request, incident):
    messages.success(request, _("Kejadian #%d dilaporkan.") % incident.pk)
    if incidents_for_detail(request.user).filter(pk=incident.pk).exists():
        return redirect("incident-detail", incident.pk)
    return redirect("incident-list")


def _form_config():
    """What static/js/incident.js needs on the form (texts in the user's language)."""
    return {
        "maxBytes": settings.INCIDENT_ATTACHMENT_MAX_BYTES,
        "texts": {
            "locating": _("Membaca lokasi…"),
            "located": _("Lokasi Anda: %(lat)s, %(lon)s (akurasi ±%(accuracy)s m)"),
            "kept": _("Lokasi Anda: %(lat)s, %(lon)s"),
            "denied": _("Akses lokasi ditolak. Izinkan akses lokasi, atau pilih wilayah."),
            "unavailable": _("Lokasi tidak dapat dibaca. Coba lagi, atau pilih wilayah."),
            "unsupported": _("Peramban ini tidak dapat membaca lokasi. Pilih wilayah."),
            "tooBig": _("Gambar ini lebih besar dari batas %(limit)s MB."),
            "snapshot": _("Gambar dari kamera, diambil %(time)s WIB"),
        },
    }


def time_left(incident, now):
    """{"text": "sisa 12 menit" / "terlambat 2 jam 5 menit", "overdue": bool, "what": ...} for
    an open incident's current deadline; None once it is finished."""
    deadline = deadline_of(incident)
    if deadline is None:
        return None
    seconds = (deadline - now).total_seconds()
    overdue = seconds < 0
    span = _span(abs(seconds))
    text = _("terlambat %s") % span if overdue else _("sisa %s") % span
    what = _("batas diterima") if incident.status == Status.BARU else _("batas tindak lanjut")
    return {"text": text, "overdue": overdue, "what": what, "deadline": deadline}


def _span(seconds):
    minutes = int(seconds // 60)
    if minutes < 1:
        return _("kurang dari 1 menit")
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = []
    if days:
        parts.append(ngettext("%d hari", "%d hari", days) % days)
    if hours:
        parts.append(ngettext("%d jam", "%d jam", hours) % hours)
    if minutes and not days:
        parts.append(ngettext("%d menit", "%d menit", minutes) % minutes)
    return " ".join(parts)


def _filters_used(request):
    """How many filters differ from the list's defaults (the filter box opens when some do)."""
    defaults = {"status": "terbuka", "ordering": "deadline", "page": ""}
    return sum(1 for key, value in request.GET.items() if value and value != defaults.get(key))
