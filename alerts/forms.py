from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.models import Kind
from incidents.models import Severity

INCIDENT_KINDS = "kejadian"  # every incident alert at once


class AlertFilterForm(forms.Form):
    """The alerts page's query string (kind, severity, read or not)."""

    jenis = forms.ChoiceField(
        label=_("Jenis"),
        required=False,
        choices=[("", _("Semua jenis")), (INCIDENT_KINDS, _("Semua kejadian")), *Kind.choices],
    )
    tingkat = forms.ChoiceField(
        label=_("Tingkat bahaya"),
        required=False,
        choices=[("", _("Semua tingkat")), *Severity.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua")), ("belum", _("Belum dibaca")), ("sudah", _("Sudah dibaca"))],
    )


def filter_alerts(alerts, data, user):
    if data.get("jenis") == INCIDENT_KINDS:
        alerts = alerts.filter(kind__startswith="kejadian_")
    elif data.get("jenis"):
        alerts = alerts.filter(kind=data["jenis"])
    if data.get("tingkat"):
        alerts = alerts.filter(severity=data["tingkat"])
    if data.get("status") == "belum":
        alerts = alerts.unread_by(user)
    elif data.get("status") == "sudah":
        alerts = alerts.exclude(pk__in=alerts.unread_by(user).values("pk"))
    return alerts
