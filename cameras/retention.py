"""What the cameras app keeps for a while (common/retention.py): viewing sessions."""

from django.utils.translation import gettext_lazy as _

from cameras.models import ViewingSession
from common.retention import keep


def register():
    keep(
        "sesi_menonton",
        _("Sesi menonton"),
        "RETENTION_VIEWING_DAYS",
        expired=lambda cutoff: ViewingSession.objects.filter(last_seen_at__lt=cutoff),
    )
