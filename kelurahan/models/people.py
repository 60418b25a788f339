"""Bulk imports of people and their roles (the upload page keeps the file between the dry run
and applying it, and what each step found)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PeopleImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An upload is seen only by who uploaded it (it holds names and emails)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(uploaded_by=user)


class PeopleImport(models.Model):
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diunggah oleh"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("diunggah pada"), default=timezone.now)
    filename = models.CharField(_("nama berkas"), max_length=200)
    content = models.TextField(_("isi berkas"))
    invite = models.BooleanField(_("kirim undangan"), default=True)
    # What the dry run found at upload, then what applying it did (kelurahan.people_import).
    report = models.JSONField(_("hasil uji coba"), default=dict)
    applied_at = models.DateTimeField(_("diterapkan pada"), null=True, blank=True)
    applied_report = models.JSONField(_("hasil impor"), null=True, blank=True)

    objects = PeopleImportQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("impor orang")
        verbose_name_plural = pgettext_lazy("jamak", "impor orang")

    def __str__(self):
        return self.filename
