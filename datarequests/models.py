"""Citizens' footage and data requests (UU 27/2022 Art. 32/33): who asked, for which place and
time, why; the identity document photo; the answer and its deadline."""

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cameras.models import Camera
from evidence.models import Clip
from kelurahan.access import scope_codes
from kelurahan.models import Area, in_areas
from kelurahan.roles import Action


class Status(models.TextChoices):
    RECEIVED = "diterima", _("Diterima")
    VERIFIED = "diverifikasi", _("Identitas diverifikasi")
    GRANTED = "dikabulkan", _("Dikabulkan")
    REFUSED = "ditolak", _("Ditolak")


ANSWERED = {Status.GRANTED, Status.REFUSED}
# What each status may move to (the services check it; anything else is a 409).
TRANSITIONS = {
    Status.RECEIVED: {Status.VERIFIED, Status.REFUSED},
    Status.VERIFIED: {Status.GRANTED, Status.REFUSED},
    Status.GRANTED: set(),
    Status.REFUSED: set(),
}


class RefusalReason(models.TextChoices):
    # UU PDP Art. 33: access is refused where it would reveal another person's data.
    REVEALS_OTHERS = "mengungkap_orang_lain", _("Akan mengungkap data pribadi orang lain")
    NO_FOOTAGE = "tidak_ada_rekaman", _("Tidak ada rekaman untuk tempat dan waktu itu")
    IDENTITY = "identitas_tidak_sesuai", _("Identitas tidak dapat diverifikasi")
    NOT_SUBJECT = "bukan_subjek_data", _("Pemohon bukan subjek data dalam rekaman")
    OTHER = "lainnya", _("Alasan lain (lihat keterangan)")


def secret_digest(secret):
    """What is stored of a status link's secret: its SHA-256 (the link itself is never kept)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class DataRequestQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.MANAGE_REQUESTS):
        return self.filter(in_areas("area__code", scope_codes(user, action)))

    def open(self):
        # IN, not NOT IN: the (status, due_at) index then finds the few open ones.
        return self.filter(status__in=[Status.RECEIVED, Status.VERIFIED])

    def by_secret(self, number, secret):
        """The request with this number whose link secret matches, else None. The digest is
        compared in constant time, and an unknown number costs the same hashing as a wrong
        secret, so neither answers faster than the other."""
        digest = secret_digest(secret or "")
        found = self.filter(number=number).first()
        stored = found.secret_digest if found else "0" * 64
        if hmac.compare_digest(digest, stored) and found is not None:
            return found
        return None


def _document_path(instance, filename):
    return f"permohonan/{timezone.now():%Y/%m}/{filename}"


class DataRequest(models.Model):
    number = models.CharField(_("nomor"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    secret_digest = models.CharField(max_length=64)

    requester_name = models.CharField(_("nama pemohon"), max_length=120)
    requester_contact = models.CharField(_("kontak (surel atau telepon)"), max_length=120)
    area = models.ForeignKey(
        Area,
        verbose_name=_("kelurahan"),
        on_delete=models.PROTECT,
        related_name="data_requests",
        limit_choices_to={"level": "kelurahan"},
    )
    camera = models.ForeignKey(
        Camera,
        verbose_name=_("kamera"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_requests",
    )
    period_start = models.DateTimeField(_("rekaman dari"))
    period_end = models.DateTimeField(_("rekaman sampai"))
    reason = models.TextField(_("alasan permohonan"), max_length=2000)

    # The identity document photo: personal data, served only to staff in scope (logged).
    id_document = models.ImageField(_("foto dokumen identitas"), upload_to=_document_path)
    id_document_type = models.CharField(max_length=20)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    created_at = models.DateTimeField(_("diajukan pada"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("batas jawaban"), db_index=True)
    verified_at = models.DateTimeField(_("diverifikasi pada"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("dijawab pada"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal_reason = models.CharField(
        _("alasan penolakan"), max_length=24, choices=RefusalReason.choices, blank=True
    )
    answer_note = models.TextField(_("keterangan jawaban"), max_length=2000, blank=True)
    # The footage handed over: a clip saved as evidence (evidence app), linked when granting.
    clip = models.ForeignKey(
        Clip,
        verbose_name=_("klip rekaman"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_requests",
    )
    download_until = models.DateTimeField(_("dapat diunduh sampai"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("jumlah unduhan"), default=0)
    # Set by the SLA sweep when it warned that the deadline nears, and when it lapsed.
    due_alerted_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(_("terlambat sejak"), null=True, blank=True)

    objects = DataRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="datarequest_unique_seq"),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="datarequest_period_order",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "-created_at"]),
            models.Index(fields=["status", "due_at"]),
        ]
        verbose_name = _("permohonan data")
        verbose_name_plural = pgettext_lazy("jamak", "permohonan data")

    def __str__(self):
        return self.number

    @property
    def is_open(self):
        return self.status not in ANSWERED

    @property
    def answered_in_time(self):
        return self.answered_at is not None and self.answered_at <= self.due_at

    def download_open(self, now=None):
        """Whether the citizen may download the footage now (granted, a clip with its file,
        inside the window)."""
        now = now or timezone.now()
        return (
            self.status == Status.GRANTED
            and self.clip_id is not None
            and self.clip.has_file
            and self.download_until is not None
            and now < self.download_until
        )
