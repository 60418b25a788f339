"""Piket shifts: slots per kelurahan, the shift with its officers, the duty log and handover."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kelurahan.access import scope_codes
from kelurahan.models.areas import Area, in_areas
from kelurahan.roles import Action

# Used when a kelurahan has not set its own slots yet (WIB).
DEFAULT_SLOTS = [
    ("pagi", _("Pagi"), "07:00", "15:00"),
    ("siang", _("Siang"), "15:00", "23:00"),
    ("malam", _("Malam"), "23:00", "07:00"),
]


class ShiftSlotQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW):
        return self.filter(in_areas("kelurahan__code", scope_codes(user, action)))


class ShiftSlot(models.Model):
    """A recurring duty period of one kelurahan, e.g. malam 23.00–07.00 WIB."""

    kelurahan = models.ForeignKey(
        Area,
        verbose_name=_("kelurahan"),
        on_delete=models.CASCADE,
        related_name="shift_slots",
        limit_choices_to={"level": "kelurahan"},
    )
    name = models.SlugField(_("kode"), max_length=20)
    label = models.CharField(_("nama"), max_length=40)
    starts = models.TimeField(_("mulai"))
    ends = models.TimeField(_("selesai"))  # earlier than `starts`: the slot crosses midnight
    is_active = models.BooleanField(_("dipakai"), default=True)

    objects = ShiftSlotQuerySet.as_manager()

    class Meta:
        ordering = ["kelurahan_id", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["kelurahan", "name"], name="shift_slot_unique_name")
        ]
        verbose_name = _("jadwal piket")
        verbose_name_plural = pgettext_lazy("jamak", "jadwal piket")

    def __str__(self):
        return f"{self.label} {self.starts:%H.%M}–{self.ends:%H.%M}"

    def bounds_on(self, day):
        """(start, end) of this slot on `day` as aware datetimes in Jakarta time."""
        zone = timezone.get_default_timezone()
        start = datetime.combine(day, self.starts, tzinfo=zone)
        end = datetime.combine(day, self.ends, tzinfo=zone)
        if end <= start:
            end += timedelta(days=1)
        return start, end


class ShiftQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW):
        return self.filter(in_areas("kelurahan__code", scope_codes(user, action)))

    def open(self):
        return self.filter(closed_at__isnull=True)


class Shift(models.Model):
    """One slot on one date in one kelurahan: who is on duty, what happened, what is handed over."""

    kelurahan = models.ForeignKey(
        Area, verbose_name=_("kelurahan"), on_delete=models.PROTECT, related_name="shifts"
    )
    slot = models.ForeignKey(
        ShiftSlot, verbose_name=_("jadwal"), on_delete=models.PROTECT, related_name="shifts"
    )
    date = models.DateField(_("tanggal"))
    starts_at = models.DateTimeField(_("mulai"))
    ends_at = models.DateTimeField(_("selesai"))
    handover = models.TextField(_("serah terima"), blank=True)
    closed_at = models.DateTimeField(_("ditutup pada"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ditutup oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat pada"), auto_now_add=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kelurahan", "slot", "date"], name="shift_unique_slot_date"
            )
        ]
        indexes = [models.Index(fields=["kelurahan", "-starts_at"])]
        verbose_name = _("shift piket")
        verbose_name_plural = pgettext_lazy("jamak", "shift piket")

    def __str__(self):
        return f"{self.kelurahan.name} · {self.slot.label} {self.date:%d-%m-%Y}"

    @property
    def area_id(self):
        """The area the scoping door checks (`can(user, action, shift)`)."""
        return self.kelurahan_id


class ShiftDuty(models.Model):
    """A piket officer on duty in a shift, with their check-in and check-out."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="duties")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        on_delete=models.PROTECT,
        related_name="shift_duties",
    )
    checked_in_at = models.DateTimeField(_("masuk"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("keluar"), null=True, blank=True)

    class Meta:
        ordering = ["shift_id", "checked_in_at"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "user"], name="shift_duty_unique_user")
        ]
        verbose_name = _("petugas piket")
        verbose_name_plural = pgettext_lazy("jamak", "petugas piket")

    def __str__(self):
        return f"{self.user} · {self.shift}"


class ShiftNoteQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW):
        return self.filter(in_areas("shift__kelurahan__code", scope_codes(user, action)))


class ShiftNote(models.Model):
    """An entry in a shift's duty log. Append-only: an edit keeps the earlier text as a revision;
    nothing is ever deleted by the app."""

    class Kind(models.TextChoices):
        NOTE = "catatan", _("Catatan piket")
        OBSERVATION = "pengamatan", _("Pengamatan relawan FKDM")

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("penulis"),
        on_delete=models.PROTECT,
        related_name="shift_notes",
    )
    kind = models.CharField(_("jenis"), max_length=12, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("isi"))
    camera = models.ForeignKey(
        "cameras.Camera",
        verbose_name=_("kamera"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shift_notes",
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("kejadian"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shift_notes",
    )
    created_at = models.DateTimeField(_("dicatat pada"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("diubah pada"), null=True, blank=True)

    objects = ShiftNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        # A camera's notes in a time range (its recordings timeline).
        indexes = [models.Index(fields=["camera", "created_at"])]
        verbose_name = _("catatan piket")
        verbose_name_plural = pgettext_lazy("jamak", "catatan piket")

    def __str__(self):
        return f"{self.author} · {self.created_at:%d-%m-%Y %H:%M}"

    @property
    def area_id(self):
        return self.shift.kelurahan_id


class ShiftNoteRevision(models.Model):
    """The text a note had before an edit, with who changed it and when."""

    note = models.ForeignKey(ShiftNote, on_delete=models.PROTECT, related_name="revisions")
    text = models.TextField(_("isi sebelumnya"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["note_id", "edited_at"]
        verbose_name = _("riwayat catatan")
        verbose_name_plural = pgettext_lazy("jamak", "riwayat catatan")

    def __str__(self):
        return f"{self.note_id} · {self.edited_at:%d-%m-%Y %H:%M}"
