"""Viewing history: everyone's own, and their scope's for those who audit (Action.VIEW_AUDIT).

Rows come only from `ViewingSession.objects.visible_to(user)`, and are only ever read here.
"""

import csv
from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from cameras.models import ViewingSession
from kelurahan.access import can
from kelurahan.models import Area, in_areas
from kelurahan.roles import Action, Level

PER_PAGE = 50
CSV_TIME = "%Y-%m-%d %H:%M:%S"


class ViewingFilterForm(forms.Form):
    person = forms.CharField(label=gettext_lazy("Pengguna"), required=False, max_length=150)
    camera = forms.CharField(label=gettext_lazy("Kamera"), required=False, max_length=120)
    area = forms.ModelChoiceField(
        label=gettext_lazy("Wilayah"),
        queryset=Area.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Semua wilayah"),
    )
    date_from = forms.DateField(
        label=gettext_lazy("Dari tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("Sampai tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Down to kelurahan: a list of every RW and RT would be too long to choose from.
        areas = Area.objects.visible_to(user, Action.VIEW_AUDIT)
        self.fields["area"].queryset = areas.exclude(level__in=[Level.RW, Level.RT])

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("Tanggal akhir sebelum tanggal awal."))
        return data

    def filter(self, viewings):
        """Apply the filters that are valid (an invalid one is shown as an error, not applied)."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("person"):
            person = data["person"]
            viewings = viewings.filter(
                Q(user__username__icontains=person)
                | Q(user__first_name__icontains=person)
                | Q(user__last_name__icontains=person)
            )
        if data.get("camera"):
            camera = data["camera"]
            viewings = viewings.filter(
                Q(camera__code__icontains=camera) | Q(camera__name__icontains=camera)
            )
        if data.get("area"):
            viewings = viewings.filter(in_areas("camera__area__code", [data["area"].code]))
        if data.get("date_from"):
            viewings = viewings.filter(started_at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            viewings = viewings.filter(
                started_at__lt=_start_of(data["date_to"] + timedelta(days=1))
            )
        return viewings


def _start_of(day):
    """Midnight of `day` in Jakarta time."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _with_details(viewings):
    return viewings.select_related("user", "camera", "camera__area")


def _page(request, viewings):
    return Paginator(_with_details(viewings), PER_PAGE).get_page(request.GET.get("page"))


def _require_audit(user):
    if not can(user, Action.VIEW_AUDIT):
        raise PermissionDenied(
            _("Hanya Admin Provinsi dan Operator yang dapat melihat riwayat ini.")
        )


@require_safe
@login_required
def viewing_history(request):
    """The signed-in user's own viewing sessions."""
    viewings = ViewingSession.objects.visible_to(request.user).filter(user_id=request.user.pk)
    context = {"page": _page(request, viewings), "can_audit": can(request.user, Action.VIEW_AUDIT)}
    return render(request, "cameras/viewing_history.html", context)


@require_safe
@login_required
def viewing_audit(request):
    """Everyone's viewing sessions in the auditor's scope, filtered."""
    _require_audit(request.user)
    form = ViewingFilterForm(request.GET, user=request.user)
    viewings = form.filter(ViewingSession.objects.visible_to(request.user))
    context = {"form": form, "page": _page(request, viewings)}
    return render(request, "cameras/viewing_audit.html", context)


@require_safe
@login_required
def viewing_audit_csv(request):
    """The same rows as the audit page (same filters, all pages) as a CSV for Excel."""
    _require_audit(request.user)
    form = ViewingFilterForm(request.GET, user=request.user)
    viewings = _with_details(form.filter(ViewingSession.objects.visible_to(request.user)))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_lines(viewings), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="riwayat-menonton-{stamp}.csv"'
    return response


class _Line:
    """A file-like object whose write() hands the CSV line back instead of storing it."""

    def write(self, line):
        return line


async def _csv_lines(viewings):
    # Asynchronous, so that daphne streams the rows instead of collecting them all first.
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(_csv_header())  # the BOM makes Excel read UTF-8
    async for viewing in viewings.aiterator(chunk_size=1000):
        yield writer.writerow(_csv_row(viewing))


def _csv_header():
    return [
        _("Pengguna"),
        _("Nama"),
        _("Kode kamera"),
        _("Kamera"),
        _("Wilayah"),
        _("Mulai (WIB)"),
        _("Terakhir aktif (WIB)"),
        _("Berakhir (WIB)"),
        _("Alamat IP"),
        _("Peramban"),
        _("Mode"),
    ]


def _csv_row(viewing):
    user = viewing.user
    cells = [
        user.username if user else _("anonim"),
        user.get_full_name() if user else "",
        viewing.camera.code,
        viewing.camera.name,
        viewing.camera.area_id,
        _wib(viewing.started_at),
        _wib(viewing.last_seen_at),
        _wib(viewing.ended_at),
        viewing.ip or "",
        viewing.user_agent,
        viewing.get_mode_display(),
    ]
    return [_safe_cell(cell) for cell in cells]


def _wib(moment):
    return timezone.localtime(moment).strftime(CSV_TIME) if moment else ""


def _safe_cell(value):
    """Keep Excel from running a cell as a formula: user agents are whatever a client sends."""
    value = str(value)
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value
