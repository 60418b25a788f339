"""The maintenance figure on the public transparency page: the median time to repair."""

from datetime import timedelta
from statistics import median

from django.utils.translation import gettext as _

from kelurahan.signals import public_figures_wanted
from maintenance.models import Ticket

# The same window as the page's request figures.
WINDOW_DAYS = 365


def median_repair_hours(now):
    """Median hours from opening to closing of the tickets closed in the last year, or None."""
    since = now - timedelta(days=WINDOW_DAYS)
    spans = Ticket.objects.filter(closed_at__gte=since, closed_at__lte=now).values_list(
        "opened_at", "closed_at"
    )
    hours = [(closed - opened).total_seconds() / 3600 for opened, closed in spans]
    return round(median(hours), 1) if hours else None


def _figures(sender, now, **kwargs):
    value = median_repair_hours(now)
    if value is None:
        return []
    label = _("Median waktu perbaikan kamera (12 bulan)")
    return [{"key": "median-repair-hours", "label": label, "value": value, "unit": _("jam")}]


def connect():
    public_figures_wanted.connect(_figures, dispatch_uid="maintenance-public-figures")
