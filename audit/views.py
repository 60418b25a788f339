"""The accountability trail page and its CSV, for those who audit (Action.VIEW_AUDIT).

Rows come only from `TrailEntry.objects.visible_to(user)`; nothing here writes to the trail
except the export's own row (through the `exported` signal).
"""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from audit.exports import csv_download, wib_text
from audit.forms import TrailFilterForm
from audit.models import Kind, TrailEntry
from cameras.models import ViewingSession
from incidents.models import IncidentEvent, IncidentLevel, Status
from kelurahan.access import can
from kelurahan.roles import Action, Role

PER_PAGE = 50


def _entries(request):
    if not can(request.user, Action.VIEW_AUDIT):
        raise PermissionDenied(
            _("Hanya Admin Provinsi dan Operator yang dapat melihat jejak akuntabilitas.")
        )
    form = TrailFilterForm(request.GET, user=request.user)
    entries = form.filter(TrailEntry.objects.visible_to(request.user))
    return form, entries.select_related("actor", "area").order_by("-at", "-pk")


@require_safe
@login_required
def trail(request):
    form, entries = _entries(request)
    return _page(request, form, entries)


@require_safe
@login_required
def trail_csv(request):
    """The same rows as the page (same filters, all pages) as a CSV for Excel."""
    form, entries = _entries(request)
    if form.errors:
        # Exporting everything instead of what was asked for would be worse than nothing.
        return _page(request, form, entries)
    # The rows as they stand now: not the export's own row, nor any recorded while it streams.
    newest = TrailEntry.objects.aggregate(newest=Max("pk"))["newest"] or 0
    return csv_download(
        request,
        entries.filter(pk__lte=newest).values(*_CSV_FIELDS),
        what="trail_csv",
        form=form,
        header=_csv_header(),
        row=_csv_row,
        filename="jejak-akuntabilitas",
    )


def _page(request, form, entries):
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    rows = [(entry, Kind(entry.kind).label, _details(entry)) for entry in page]
    context = {"form": form, "page": page, "rows": rows}
    return render(request, "audit/trail.html", context, status=400 if form.errors else 200)


# How the detail of a row reads on the page: its keys, and the values that have a label.
_DETAIL_LABELS = {
    "role": gettext_lazy("Peran"),
    "user": gettext_lazy("Pengguna"),
    "valid_until": gettext_lazy("Berlaku sampai"),
    "username": gettext_lazy("Nama yang dicoba"),
    "blocked": gettext_lazy("Diblokir (terlalu sering gagal)"),
    "event": gettext_lazy("Tindakan"),
    "from": gettext_lazy("Dari"),
    "to": gettext_lazy("Menjadi"),
    "level": gettext_lazy("Tingkat"),
    "reason": gettext_lazy("Alasan"),
    "agency": gettext_lazy("Instansi"),
    "what": gettext_lazy("Data"),
    "rows": gettext_lazy("Baris"),
    "filters": gettext_lazy("Saringan"),
    "mode": gettext_lazy("Mode"),
    "action": gettext_lazy("Aksi"),
    "change": gettext_lazy("Perubahan"),
    "object": gettext_lazy("Objek"),
    "counts": gettext_lazy("Dihapus"),
    "days": gettext_lazy("Masa simpan (hari)"),
}
_VALUE_LABELS = {
    "role": [Role],
    "event": [IncidentEvent.Kind],
    "from": [Status, IncidentLevel],
    "to": [Status, IncidentLevel],
    "mode": [ViewingSession.Mode],
}


def _details(entry):
    """(label, text) pairs of the row's detail that mean something to a reader."""
    shown = []
    for key, label in _DETAIL_LABELS.items():
        value = entry.detail.get(key)
        if value in (None, "", {}):
            continue
        named = [c for c in _VALUE_LABELS.get(key, []) if value in c.values]
        if value is True:
            value = _("ya")
        elif named:
            value = named[0](value).label
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        shown.append((label, value))
    return shown


def _csv_header():
    return [
        _("Waktu (WIB)"),
        _("Jenis"),
        _("Pengguna"),
        _("Nama"),
        _("Jenis objek"),
        _("ID objek"),
        _("Objek"),
        _("Wilayah"),
        _("Alamat IP"),
        _("Peramban"),
        _("Rincian"),
    ]


# Read as plain values: building three model instances per row would halve the CSV's speed.
# (values(), not values_list(): Django's aiterator() runs values_list's query in the event loop.)
_CSV_FIELDS = [
    "at",
    "kind",
    "actor_name",
    "actor__first_name",
    "actor__last_name",
    "object_type",
    "object_id",
    "object_label",
    "area_id",
    "ip",
    "user_agent",
    "detail",
]


def _csv_row(values):
    first, last = values["actor__first_name"], values["actor__last_name"]
    return [
        wib_text(values["at"]),
        str(Kind(values["kind"]).label),  # not get_kind_display(): it hashes every choice
        values["actor_name"],
        " ".join(part for part in (first, last) if part),
        values["object_type"],
        values["object_id"],
        values["object_label"],
        values["area_id"] or "",
        values["ip"] or "",
        values["user_agent"],
        json.dumps(values["detail"], ensure_ascii=False, sort_keys=True)
        if values["detail"]
        else "",
    ]
