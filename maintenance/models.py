"""Maintenance tickets: a camera that needs repairing, who must repair it, and what was done."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cameras.models import Camera
from kelurahan.access import maintainer_ids, scope_codes
from kelurahan.models import Area, Maintainer, in_areas
from kelurahan.roles import Action


class Status(models.TextChoices):
    OPEN = "terbuka", _("Terbuka")
    REPAIRED = "diperbaiki", _("Diperbaiki, menunggu konfirmasi")
    CLOSED = "ditutup", _("Ditutup")


class Reason(models.TextChoices):
    OFFLINE = "offline", _("Offline terlalu lama")
    LOW_UPTIME = "uptime_rendah", _("Uptime 24 jam rendah")
    DAMAGED = "rusak", _("Rusak")
    MOVED = "bergeser", _("Bergeser")
    OBSTRUCTED = "terhalang", _("Pandangan terhalang")


AUTOMATIC_REASONS = {Reason.OFFLINE, Reason.LOW_UPTIME}
MANUAL_REASONS = [(r.value, r.label) for r in Reason if r not in AUTOMATIC_REASONS]


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW_TICKETS):
        """Tickets of cameras in the user's areas, and a technician's organisation's tickets."""
        in_scope = in_areas("area__code", scope_codes(user, action))
        if maintainers := maintainer_ids(user, action):
            in_scope |= Q(maintainer_id__in=maintainers)
        return self.filter(in_scope)

    def unresolved(self):
        """Open or repaired-but-not-yet-confirmed: at most one per camera."""
        return self.exclude(status=Status.CLOSED)


class Ticket(models.Model):
    camera = models.ForeignKey(
        Camera, verbose_name=_("kamera"), on_delete=models.PROTECT, related_name="tickets"
    )
    # Copied from the camera at opening: scoping and reports need no join, and a ticket stays
    # with the organisation that had to repair it.
    area = models.ForeignKey(
        Area, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="+"
    )
    maintainer = models.ForeignKey(
        Maintainer,
        verbose_name=_("pemelihara"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    reason = models.CharField(_("alasan"), max_length=16, choices=Reason.choices)
    description = models.TextField(_("keterangan"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default="terbuka")
    opened_at = models.DateTimeField(_("dibuka pada"), default=timezone.now, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuka oleh"),
        null=True,  # the sweep
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateTimeField(_("batas perbaikan"))
    # The camera failed again after "repaired" or before it was confirmed back.
    reopen_count = models.PositiveIntegerField(_("dibuka ulang"), default=0)
    repaired_at = models.DateTimeField(_("diperbaiki pada"), null=True, blank=True)
    repaired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diperbaiki oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("ditutup pada"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(_("peringatan terlambat"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("tiket perbaikan")
        verbose_name_plural = pgettext_lazy("jamak", "tiket perbaikan")
        constraints = [
            # One unresolved ticket per camera: the sweep and a person opening one at the same
            # moment cannot make two.
            models.UniqueConstraint(
                fields=["camera"], condition=~Q(status="ditutup"), name="ticket_one_open_per_camera"
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return f"#{self.pk} {self.camera.code}: {self.get_reason_display()}"

    def get_absolute_url(self):
        return reverse("maintenance:ticket-detail", args=[self.pk])

    @property
    def is_overdue(self):
        return self.status != Status.CLOSED and self.deadline < timezone.now()


class TicketNote(models.Model):
    """A technician's or officer's note on a ticket, with an optional photo."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("penulis"),
        null=True,  # the sweep's own entries (opened, closed, reopened)
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("catatan"))
    photo = models.ImageField(_("foto"), upload_to="tiket/%Y/%m/", blank=True)
    photo_removed_at = models.DateTimeField(_("foto dihapus pada"), null=True, blank=True)
    created_at = models.DateTimeField(_("waktu"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("catatan tiket")
        verbose_name_plural = pgettext_lazy("jamak", "catatan tiket")

    def __str__(self):
        return f"#{self.ticket_id} {self.created_at:%Y-%m-%d %H:%M}"
