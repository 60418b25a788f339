"""Viewing history: everyone's own, and their scope's for those who audit (Action.VIEW_AUDIT).

Rows come only from `ViewingSession.objects.visible_to(user)`, and are only ever read here.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from audit.exports import csv_download, wib_text
from audit.forms import AuditFilterForm
from cameras.models import ViewingSession
from kelurahan.access import can
from kelurahan.roles import Action

PER_PAGE = 50


class ViewingFilterForm(AuditFilterForm):
    camera = forms.CharField(label=gettext_lazy("Kamera"), required=False, max_length=120)
    field_order = ["person", "camera", "area", "date_from", "date_to"]

    def filter(self, viewings):
        """Apply the filters that are valid (an invalid one is shown as an error, not applied)."""
        people = self.people()
        if people is not None:
            viewings = viewings.filter(user__in=people)
        camera = self.valid_data().get("camera")
        if camera:
            viewings = viewings.filter(
                Q(camera__code__icontains=camera) | Q(camera__name__icontains=camera)
            )
        viewings = self.filter_area(viewings, "camera__area__code")
        return self.filter_period(viewings, "started_at")


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
    return render(request, "audit/viewing_history.html", context)


@require_safe
@login_required
def viewing_audit(request):
    """Everyone's viewing sessions in the auditor's scope, filtered."""
    _require_audit(request.user)
    form = ViewingFilterForm(request.GET, user=request.user)
    viewings = form.filter(ViewingSession.objects.visible_to(request.user))
    context = {"form": form, "page": _page(request, viewings)}
    return render(request, "audit/viewing_audit.html", context)


@require_safe
@login_required
def viewing_audit_csv(request):
    """The same rows as the audit page (same filters, all pages) as a CSV for Excel."""
    _require_audit(request.user)
    form = ViewingFilterForm(request.GET, user=request.user)
    viewings = _with_details(form.filter(ViewingSession.objects.visible_to(request.user)))
    return csv_download(
        request,
        viewings,
        what="viewing_audit_csv",
        form=form,
        header=_csv_header(),
        row=_csv_row,
        filename="riwayat-menonton",
    )


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
        _("Rekaman dari (WIB)"),
        _("Rekaman sampai (WIB)"),
    ]


def _csv_row(viewing):
    user = viewing.user
    return [
        user.username if user else _("anonim"),
        user.get_full_name() if user else "",
        viewing.camera.code,
        viewing.camera.name,
        viewing.camera.area_id,
        wib_text(viewing.started_at),
        wib_text(viewing.last_seen_at),
        wib_text(viewing.ended_at),
        viewing.ip or "",
        viewing.user_agent,
        str(ViewingSession.Mode(viewing.mode).label),  # not get_mode_display(): slow per row
        wib_text(viewing.playback_start),
        wib_text(viewing.playback_end),
    ]
