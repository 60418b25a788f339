"""What the cameras app keeps for a while (common/retention.py): viewing sessions, recordings."""

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cameras.models import ViewingSession
from cameras.recording_retention import delete_hours, expired_hours
from common.retention import keep


def register():
    keep(
        "sesi_menonton",
        _("Sesi menonton"),
        "RETENTION_VIEWING_DAYS",
        expired=lambda cutoff: ViewingSession.objects.filter(last_seen_at__lt=cutoff),
    )
    # Days differ per camera and area (cameras/recording_retention.py): the registry's cutoff is
    # RECORDING_DAYS before now, so now is recovered from it; held hours are never expired.
    keep(
        "rekaman",
        _("Jam rekaman"),
        "RECORDING_DAYS",
        expired=lambda cutoff: expired_hours(cutoff + timedelta(days=settings.RECORDING_DAYS)),
        remove=delete_hours,
    )
