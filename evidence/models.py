"""Clips of recordings kept as evidence of an incident, and their chain of custody."""

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cameras.models import Camera
from incidents.models import Agency, Incident
from kelurahan.roles import Action

# A clip's hold while its incident is open: no end is known yet (RecordingHour.held_until is a
# date, so "until further notice" is the last one there is).
OPEN_HOLD = datetime(9999, 12, 31, tzinfo=UTC)


class ClipQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW_RECORDINGS):
        """Clips of incidents the user sees, where they may also `action` (watch recordings)."""
        return self.filter(incident__in=Incident.objects.visible_to(user, action))

    def holding(self, now=None):
        return self.filter(held_until__gt=now or timezone.now())


class Clip(models.Model):
    """An MP4 cut by stream copy from a camera's recorded segments, attached to an incident."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("kejadian"), on_delete=models.PROTECT, related_name="clips"
    )
    camera = models.ForeignKey(
        Camera, verbose_name=_("kamera"), on_delete=models.PROTECT, related_name="clips"
    )
    start = models.DateTimeField(_("mulai"))
    end = models.DateTimeField(_("selesai"))
    file = models.FileField(_("berkas"), upload_to="bukti/", blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    bytes = models.BigIntegerField(_("ukuran (byte)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat pada"), default=timezone.now)
    # On hold (the clip and its source hours kept whatever retention says) until this moment:
    # OPEN_HOLD while the incident is open, its end + EVIDENCE_HOLD_DAYS after; None once lifted.
    held_until = models.DateTimeField(_("ditahan sampai"), null=True, blank=True)
    hold_lifted_at = models.DateTimeField(_("penahanan dicabut pada"), null=True, blank=True)
    removed_at = models.DateTimeField(_("berkas dihapus pada"), null=True, blank=True)

    objects = ClipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("klip bukti")
        verbose_name_plural = pgettext_lazy("jamak", "klip bukti")

    def __str__(self):
        return f"Klip #{self.pk} · kejadian #{self.incident_id} · {self.camera_id}"

    def get_absolute_url(self):
        return reverse("evidence:clip-detail", args=[self.pk])

    @property
    def area_id(self):
        """Where the clip belongs (the trail places its rows there): the incident's area."""
        return self.incident.area_id

    @property
    def seconds(self):
        return (self.end - self.start).total_seconds()

    @property
    def held_while_open(self):
        return self.held_until == OPEN_HOLD

    @property
    def has_file(self):
        return bool(self.file) and self.removed_at is None


class ClipEvent(models.Model):
    """One act in a clip's chain of custody: who, when, why, with the hash at that moment.
    Append-only; each is also written to the accountability trail."""

    class Kind(models.TextChoices):
        CREATED = "dibuat", _("Dibuat")
        VIEWED = "dilihat", _("Dilihat")
        DOWNLOADED = "diunduh", _("Diunduh")
        LINK_GIVEN = "tautan_dibuat", _("Tautan untuk instansi dibuat")
        LINK_USED = "tautan_dipakai", _("Diunduh lewat tautan instansi")
        LINK_REVOKED = "tautan_dicabut", _("Tautan untuk instansi dicabut")
        HOLD_LIFTED = "penahanan_dicabut", _("Penahanan dicabut")
        REMOVED = "dihapus", _("Berkas dihapus (masa simpan berakhir)")

    clip = models.ForeignKey(Clip, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,  # an agency's link, or retention
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("instansi"), null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("waktu"), default=timezone.now)
    reason = models.CharField(_("alasan"), max_length=300, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    ip = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)

    class Meta:
        ordering = ["clip_id", "at", "pk"]
        verbose_name = _("riwayat penanganan klip")
        verbose_name_plural = pgettext_lazy("jamak", "riwayat penanganan klip")

    def __str__(self):
        return f"klip #{self.clip_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class AgencyLink(models.Model):
    """A time-limited download link for an agency the incident was forwarded to. The URL
    carries a signed token naming this row; revoking or expiry ends it."""

    clip = models.ForeignKey(Clip, on_delete=models.PROTECT, related_name="links")
    agency = models.ForeignKey(Agency, verbose_name=_("instansi"), on_delete=models.PROTECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    reason = models.CharField(_("alasan"), max_length=300)
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)
    uses = models.PositiveIntegerField(_("dipakai"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tautan instansi")
        verbose_name_plural = pgettext_lazy("jamak", "tautan instansi")

    def __str__(self):
        return f"klip #{self.clip_id} → {self.agency}"

    @property
    def state(self):
        """ "dicabut", "kedaluwarsa" or "berlaku" (for the clip page's list of links)."""
        if self.revoked_at is not None:
            return "dicabut"
        return "berlaku" if self.usable() else "kedaluwarsa"

    def usable(self, now=None):
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at
