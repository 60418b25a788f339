"""The accountability trail: one append-only table of who did what, on which object, when and
from where. Rows are written by `audit.trail.record` and never changed; only the retention
command (`apply_retention`) removes rows, past RETENTION_TRAIL_DAYS."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kelurahan.access import scope_codes
from kelurahan.models import Area, in_areas
from kelurahan.roles import Action

PROVINCE = "31"  # a grant here sees every row, also those tied to no area


class Kind(models.TextChoices):
    LOGIN = "login", _("Masuk")
    LOGIN_FAILED = "login_gagal", _("Gagal masuk")
    LOGOUT = "logout", _("Keluar")
    ROLE_GRANTED = "peran_diberikan", _("Peran diberikan")
    ROLE_REVOKED = "peran_dicabut", _("Peran dicabut")
    DEACTIVATED = "akun_dinonaktifkan", _("Akun dinonaktifkan")
    INVITED = "undangan", _("Undangan")
    STREAM_VIEW = "menonton", _("Menonton siaran")
    INCIDENT = "kejadian", _("Tindakan kejadian")
    EXPORT = "ekspor", _("Ekspor data")
    EVIDENCE = "bukti", _("Penanganan bukti rekaman")
    ADMIN = "admin", _("Tindakan admin")
    RETENTION = "retensi", _("Retensi data")
    DATA_REQUEST = "permohonan_data", _("Permohonan data warga")


class AppendOnly(Exception):
    """Trail rows are never updated or deleted (only `apply_retention` removes old ones)."""


def _refuse(*args, **kwargs):
    raise AppendOnly(_("Jejak akuntabilitas tidak dapat diubah atau dihapus."))


class TrailQuerySet(models.QuerySet):
    update = _refuse
    delete = _refuse
    bulk_update = _refuse

    def visible_to(self, user, action=Action.VIEW_AUDIT):
        """Rows in the user's audit scope; provincial admins also see rows tied to no area
        (logins of people without a role, admin actions, retention runs)."""
        codes = scope_codes(user, action)
        if PROVINCE in codes:
            return self.all()  # the whole province: every area, and rows tied to none
        return self.filter(in_areas("area__code", codes))

    def _purge(self):
        """The one way rows leave the trail: the retention command, past its retention."""
        return super().delete()


class TrailEntry(models.Model):
    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    kind = models.CharField(_("jenis"), max_length=24, choices=Kind.choices)
    # Users with trail rows cannot be deleted (deactivate them instead); the name is kept as
    # text too, so a row still reads on its own (a failed login names whoever was tried).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("nama pengguna"), max_length=150, blank=True)
    object_type = models.CharField(_("jenis objek"), max_length=60, blank=True)
    object_id = models.CharField(_("ID objek"), max_length=64, blank=True)
    object_label = models.CharField(_("objek"), max_length=200, blank=True)
    # Decides who may read the row (see visible_to); empty: provincial admins only.
    area = models.ForeignKey(
        Area,
        verbose_name=_("wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    user_agent = models.CharField(_("peramban"), max_length=300, blank=True)
    detail = models.JSONField(_("rincian"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = TrailQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        # Django's own internals (saving, related lookups) go through the refusing queryset too.
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["area", "-at"]),
            models.Index(fields=["kind", "-at"]),
        ]
        verbose_name = _("jejak")
        verbose_name_plural = pgettext_lazy("jamak", "jejak")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.actor_name} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse()
