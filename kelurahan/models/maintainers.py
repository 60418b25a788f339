"""Maintainer organisations: who repairs a camera (Diskominfotik, a CSR sponsor, a vendor) and
within how long. Their technicians hold the Teknisi role for the organisation (people.py)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Maintainer(models.Model):
    class Kind(models.TextChoices):
        DISKOMINFOTIK = "diskominfotik", _("Diskominfotik")
        CSR = "csr", _("Sponsor CSR")
        VENDOR = "vendor", _("Vendor")

    name = models.CharField(_("nama"), max_length=120, unique=True)
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    # The repair deadline of its tickets, counted from opening (3x24 hours unless agreed).
    repair_hours = models.PositiveIntegerField(
        _("batas waktu perbaikan (jam)"),
        default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 90)],
    )
    contact = models.CharField(_("kontak"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("pemelihara")
        verbose_name_plural = pgettext_lazy("jamak", "pemelihara")

    def __str__(self):
        return self.name
