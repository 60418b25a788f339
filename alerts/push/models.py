"""A person's devices that receive Web Push, and the queue of what is to be sent to them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidents.models import Severity

# Severities from mild to grave: a device's threshold lets through its own and graver ones.
SEVERITY_ORDER = [Severity.RENDAH, Severity.SEDANG, Severity.TINGGI, Severity.DARURAT]


class PushSubscriptionQuerySet(models.QuerySet):
    def of(self, user):
        """A person's own devices: nobody else's are ever listed or removed."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user_id=user.pk)


class PushSubscription(models.Model):
    """One browser on one device that agreed to receive notifications (the Push API's
    subscription: the push service's endpoint and the keys to encrypt for it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("alamat layanan push"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=50)
    min_severity = models.CharField(
        _("tingkat bahaya minimum"),
        max_length=10,
        choices=Severity.choices,
        default=Severity.SEDANG,
    )
    label = models.CharField(_("perangkat"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("didaftarkan"), default=timezone.now)
    last_sent_at = models.DateTimeField(_("terakhir terkirim"), null=True, blank=True)

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        app_label = "alerts"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("perangkat notifikasi")
        verbose_name_plural = pgettext_lazy("jamak", "perangkat notifikasi")

    def __str__(self):
        return f"{self.user_id} · {self.label or f'#{self.pk}'}"


class PushFanout(models.Model):
    """An alert the push worker has already turned into deliveries (so it does it once, also
    for alerts whose transactions committed out of id order)."""

    event = models.OneToOneField(
        "alerts.AlertEvent", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "alerts"

    def __str__(self):
        return f"#{self.event_id}"


class PushDelivery(models.Model):
    """One alert to one device: waiting, sent, given up on, or dropped because the person may
    no longer see it (scope is checked again right before sending)."""

    class State(models.TextChoices):
        WAITING = "menunggu", _("Menunggu")
        SENT = "terkirim", _("Terkirim")
        FAILED = "gagal", _("Gagal")
        DROPPED = "dibatalkan", _("Dibatalkan (di luar wilayah)")

    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey("alerts.AlertEvent", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The sender that has taken it (each of the worker's senders takes its own share of what is
    # due; next_attempt_at moves past its lease meanwhile, so a sender that died leaves it due
    # again afterwards).
    claim = models.CharField(max_length=32, blank=True)

    class Meta:
        app_label = "alerts"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="push_delivery_unique_event"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        verbose_name = _("kiriman notifikasi")
        verbose_name_plural = pgettext_lazy("jamak", "kiriman notifikasi")

    def __str__(self):
        return f"#{self.event_id} → {self.subscription_id} ({self.state})"
