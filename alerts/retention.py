"""What the alerts app keeps for a while (common/retention.py): alert events (an event takes
its read marks with it)."""

from django.utils.translation import gettext_lazy as _

from alerts.models import AlertEvent
from common.retention import keep


def register():
    keep(
        "peringatan",
        _("Peringatan"),
        "RETENTION_ALERT_DAYS",
        expired=lambda cutoff: AlertEvent.objects.filter(created_at__lt=cutoff),
    )
