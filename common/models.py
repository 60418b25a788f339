"""What the bottom layer keeps: the idempotency keys of requests (common/idempotency.py)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IdempotencyKey(models.Model):
    """One request a person sent with an `Idempotency-Key` header, and the answer it got: the
    same key from the same person gets that answer again and changes nothing (a phone that
    resends a note after the network came back must not write it twice)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("kunci"), max_length=100)
    # Which operation used the key ("api:notes"): the key names one request, not one per route.
    scope = models.CharField(_("operasi"), max_length=60)
    status = models.PositiveSmallIntegerField(_("status jawaban"))
    body = models.JSONField(_("jawaban"), encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_user")
        ]
        verbose_name = _("kunci idempotensi")
        verbose_name_plural = pgettext_lazy("jamak", "kunci idempotensi")

    def __str__(self):
        return f"{self.user_id} · {self.scope} · {self.key}"
