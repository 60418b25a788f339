from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """Small utilities every app may use (the bottom layer): it imports none of the apps."""

    name = "common"
    verbose_name = "JakCCTV"

    def ready(self):
        from common.models import IdempotencyKey
        from common.retention import keep

        # A resend comes within hours of the first try; a month covers a phone left offline.
        keep(
            "kunci_idempotensi",
            _("Kunci idempotensi"),
            "RETENTION_IDEMPOTENCY_DAYS",
            expired=lambda cutoff: IdempotencyKey.objects.filter(created_at__lt=cutoff),
        )
