"""Reports for each user's scope (/laporan/ and its CSVs) and the public statistics (/statistik/).

Reports need Action.EXPORT (provincial admins, operators, kelurahan staff): the page shows the
same tables its CSVs download. The public page needs no login and shows only what
`reports.public` lets out.
"""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from common.spreadsheets import safe_cell
from kelurahan.access import can, scope_codes
from kelurahan.codes import common_ancestor
from kelurahan.roles import Action
from kelurahan.signals import exported
from reports.forms import ReportForm
from reports.maintenance import MAINTENANCE_TABLES, MaintenanceReport
from reports.public import public_figures, transparency_figures
from reports.public_tables import PublicForm, PublicStatistics
from reports.report import TABLES, Report


def _require_reports(user):
    if not can(user, Action.EXPORT):
        raise PermissionDenied(
            _("Laporan hanya untuk Admin Provinsi, Operator dan Staf Kelurahan.")
        )


def _report(request):
    """The report the query string asks for, or (None, form) with the form's errors."""
    form = ReportForm(request.GET, user=request.user)
    if not form.is_valid():
        return None, form
    data = form.cleaned_data
    report = Report(
        user=request.user,
        scope=form.scope,
        areas=form.areas,
        chosen=data["chosen"],
        period=data["period"],
        category=data["category"],
        now=form.now,
    )
    return report, form


@require_safe
@login_required
def report_page(request):
    _require_reports(request.user)
    report, form = _report(request)
    context = {"form": form, "report": report}
    return render(request, "reports/report.html", context, status=200 if report else 400)


@require_safe
@login_required
def report_csv(request, table):
    """One table of the report, with the same scope and filters, for Excel (UTF-8 with BOM)."""
    _require_reports(request.user)
    if table not in TABLES:
        raise Http404(_("Tabel laporan tidak dikenal."))
    report, form = _report(request)
    if report is None:
        errors = [f"{form.fields[name].label}: {' '.join(e)}" for name, e in form.errors.items()]
        return HttpResponse("\n".join(errors), status=400, content_type="text/plain; charset=utf-8")
    data = report.table(table)
    exported.send(
        sender=Report,
        by=request.user,
        what=f"laporan_{table.replace('-', '_')}",
        area_code=report.chosen.code if report.chosen else "",
        rows=len(data.rows),
        request=request,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="laporan-{table}-{stamp}.csv"'
    return response


PERIODS = {"30": 30, "90": 90, "365": 365}


def _maintenance_report(request):
    _require_reports(request.user)
    days = PERIODS.get(request.GET.get("hari", "90"))
    if days is None:
        return None, 90
    return MaintenanceReport(user=request.user, days=days, now=timezone.now()), days


@require_safe
@login_required
def maintenance_page(request):
    """Time to repair, dead cameras, uptime before and after repair (the reader's scope)."""
    report, days = _maintenance_report(request)
    context = {
        "tables": report.tables() if report else [],
        "days": days,
        "periods": list(PERIODS),
        "error": None if report else _("Periode harus 30, 90 atau 365 hari."),
    }
    return render(request, "reports/maintenance.html", context, status=200 if report else 400)


@require_safe
@login_required
def maintenance_csv(request, table):
    report, days = _maintenance_report(request)
    if table not in MAINTENANCE_TABLES:
        raise Http404(_("Tabel laporan tidak dikenal."))
    if report is None:
        return HttpResponse(
            _("Periode harus 30, 90 atau 365 hari."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    data = report.table(table)
    exported.send(
        sender=MaintenanceReport,
        by=request.user,
        what=f"laporan_{table.replace('-', '_')}",
        # Read by whoever audits the exporter's area (the smallest one covering their scope).
        area_code=common_ancestor(scope_codes(request.user, Action.EXPORT)) or "",
        rows=len(data.rows),
        request=request,
        filters={"hari": str(days)},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="laporan-{table}-{stamp}.csv"'
    return response


def _csv(table):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    for row in [*table.rows, *([table.total] if table.total else [])]:
        writer.writerow([csv_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8


def csv_cell(value):
    """Numbers as numbers (percentages with one decimal, dot), nothing for "no data", and no
    text Excel would run as a formula."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, str):
        return safe_cell(value)
    return value


@require_safe
def public_statistics(request):
    figures = public_figures()
    form = PublicForm(request.GET, figures=figures)
    context = {"form": form, "transparency": transparency_figures()}
    if not form.is_valid():
        return render(request, "reports/public.html", context, status=400)
    context["stats"] = PublicStatistics(figures, form.cleaned_data["area"])
    return render(request, "reports/public.html", context)
