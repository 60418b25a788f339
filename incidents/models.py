"""Incidents, their append-only timeline, attachments, and the agencies they are forwarded to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kelurahan.access import live_grants, scope_codes
from kelurahan.codes import ancestor_codes, depth_of
from kelurahan.models.areas import Area, in_areas
from kelurahan.roles import LEVEL_DEPTH, PERMISSIONS, Action, Level, Role


class Category(models.TextChoices):
    TAWURAN = "tawuran", _("Tawuran")
    KEBAKARAN = "kebakaran", _("Kebakaran")
    BANJIR = "banjir", _("Banjir")
    KRIMINALITAS = "kriminalitas", _("Kriminalitas")
    KECELAKAAN = "kecelakaan", _("Kecelakaan")
    KERUMUNAN = "kerumunan", _("Kerumunan")
    POHON_TUMBANG = "pohon_tumbang", _("Pohon tumbang")
    GANGGUAN_KETERTIBAN = "gangguan_ketertiban", _("Gangguan ketertiban")
    LAINNYA = "lainnya", _("Lainnya")


class Severity(models.TextChoices):
    RENDAH = "rendah", _("Rendah")
    SEDANG = "sedang", _("Sedang")
    TINGGI = "tinggi", _("Tinggi")
    DARURAT = "darurat", _("Darurat")


class Status(models.TextChoices):
    BARU = "baru", _("Baru")
    DITERIMA = "diterima", _("Diterima")
    DITANGANI = "ditangani", _("Ditangani")
    SELESAI = "selesai", _("Selesai")
    DITUTUP = "ditutup", _("Ditutup")


# Allowed status changes; anything else is refused (HTTP 409 in the API).
TRANSITIONS = {
    Status.BARU: {Status.DITERIMA, Status.DITUTUP},
    Status.DITERIMA: {Status.DITANGANI, Status.SELESAI, Status.DITUTUP},
    Status.DITANGANI: {Status.SELESAI, Status.DITUTUP},
    Status.SELESAI: set(),
    Status.DITUTUP: set(),
}
FINAL_STATUSES = {Status.SELESAI, Status.DITUTUP}

# JAKI "Lapor Warga" statuses, mapped onto ours (theirs stays visible on the incident).
JAKI_STATUSES = {
    "menunggu": Status.BARU,
    "koordinasi": Status.DITERIMA,
    "disposisi": Status.DITERIMA,
    "proses": Status.DITANGANI,
    "selesai": Status.SELESAI,
}


class IncidentLevel(models.TextChoices):
    """Who is responsible now: escalation climbs kelurahan → kecamatan → kota → provinsi."""

    KELURAHAN = Level.KELURAHAN.value, _("Kelurahan")
    KECAMATAN = Level.KECAMATAN.value, _("Kecamatan")
    KOTA = Level.KOTA.value, _("Kota")
    PROVINSI = Level.PROVINSI.value, _("Provinsi")


NEXT_LEVEL = {
    IncidentLevel.KELURAHAN: IncidentLevel.KECAMATAN,
    IncidentLevel.KECAMATAN: IncidentLevel.KOTA,
    IncidentLevel.KOTA: IncidentLevel.PROVINSI,
}


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW):
        """Incidents whose place lies in the user's area, once they have reached the user's level.

        Kelurahan staff, piket and FKDM see their kelurahan's incidents at every level (lower
        levels keep seeing what they escalated); a kecamatan or kota operator sees an incident of
        their area once it has been escalated to their level or beyond; provincial admins see all.
        """
        query = Q(pk__in=[])
        for grant in live_grants(user):
            if grant.area_code is None or Action(action) not in PERMISSIONS[grant.role]:
                continue  # (a technician's grant covers its organisation's cameras, no area)
            in_area = in_areas("area__code", [grant.area_code])
            if grant.role == Role.ADMIN_PROVINSI:
                query |= in_area
            else:
                depth = depth_of(grant.area_code)
                levels = [lvl for lvl in IncidentLevel if LEVEL_DEPTH[Level(lvl)] <= depth]
                # Whoever reported it keeps seeing it, whatever its level (an operator's report
                # starts at the kelurahan like any other).
                query |= in_area & (Q(level__in=levels) | Q(reporter_id=user.pk))
        return self.filter(query)

    def open(self):
        return self.exclude(status__in=FINAL_STATUSES)

    def overdue(self, now=None):
        """Open incidents past their follow-up deadline (6 days by default)."""
        return self.open().filter(resolve_due_at__lt=now or timezone.now())

    def counted_publicly(self):
        """Incidents counted (never listed) on the public statistics page: all but those closed
        as false or duplicate reports (ditutup)."""
        return self.exclude(status=Status.DITUTUP)


class Incident(models.Model):
    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        CAMERA = "kamera", _("Halaman kamera")
        PHONE = "ponsel", _("Formulir ponsel")
        NOTE = "catatan", _("Catatan piket")
        JAKI = "jaki", _("JAKI Lapor Warga")
        DETECTOR = "detektor", _("Detektor otomatis")
        API = "api", _("API")

    category = models.CharField(_("kategori"), max_length=24, choices=Category.choices)
    severity = models.CharField(_("tingkat bahaya"), max_length=10, choices=Severity.choices)
    title = models.CharField(_("judul"), max_length=160)
    description = models.TextField(_("uraian"), blank=True)
    # Where it happens (kelurahan, RW or RT) and who answers for it now (that place's ancestor
    # at `level`).
    area = models.ForeignKey(
        Area, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="incidents"
    )
    level = models.CharField(
        _("tingkat penanganan"),
        max_length=10,
        choices=IncidentLevel.choices,
        default=IncidentLevel.KELURAHAN,
    )
    responsible_area = models.ForeignKey(
        Area,
        verbose_name=_("wilayah penanggung jawab"),
        on_delete=models.PROTECT,
        related_name="responsible_incidents",
    )
    lat = models.FloatField(_("lintang"), null=True, blank=True)
    lon = models.FloatField(_("bujur"), null=True, blank=True)
    camera = models.ForeignKey(
        "cameras.Camera",
        verbose_name=_("kamera"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BARU, db_index=True
    )
    close_reason = models.CharField(_("alasan ditutup"), max_length=200, blank=True)
    source = models.CharField(
        _("sumber"), max_length=10, choices=Source.choices, default=Source.PORTAL
    )
    # Outside systems' id (JAKI report, detector event): ingesting the same id twice is a no-op.
    external_id = models.CharField(_("ID eksternal"), max_length=100, blank=True)
    jaki_status = models.CharField(_("status JAKI"), max_length=20, blank=True)

    # The reporter: a portal user, or a citizen's name and contact (from JAKI). Shown only to
    # roles allowed to see reporters (never to FKDM volunteers, never in public output).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pelapor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_incidents",
    )
    reporter_name = models.CharField(_("nama pelapor"), max_length=120, blank=True)
    reporter_contact = models.CharField(_("kontak pelapor"), max_length=120, blank=True)
    reporter_confidential = models.BooleanField(_("identitas pelapor dirahasiakan"), default=True)

    created_at = models.DateTimeField(_("dibuat pada"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("diperbarui pada"), auto_now=True)
    acknowledged_at = models.DateTimeField(_("diterima pada"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)
    # Deadlines (SLA): acknowledge by `ack_due_at` (per severity, restarted at each level),
    # follow up within INCIDENT_FOLLOW_UP_DAYS (`resolve_due_at`); `overdue_at` is when the
    # sweep first found it past that.
    ack_due_at = models.DateTimeField(_("batas diterima"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("batas tindak lanjut"), db_index=True)
    overdue_at = models.DateTimeField(_("terlambat sejak"), null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="incident_unique_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["area", "-created_at"]),
            models.Index(fields=["status", "resolve_due_at"]),
            # A camera's incidents in a time range (its recordings timeline).
            models.Index(fields=["camera", "created_at"]),
        ]
        verbose_name = _("kejadian")
        verbose_name_plural = pgettext_lazy("jamak", "kejadian")

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self):
        return self.status not in FINAL_STATUSES

    def allowed_statuses(self):
        return TRANSITIONS[Status(self.status)]


class IncidentEvent(models.Model):
    """One line of an incident's timeline: who did what, when, with which note. Never rewritten."""

    class Kind(models.TextChoices):
        CREATED = "dibuat", _("Dilaporkan")
        ACKNOWLEDGED = "diterima", _("Diterima")
        COMMENT = "komentar", _("Komentar")
        ESCALATED = "dinaikkan", _("Dinaikkan")
        AUTO_ESCALATED = "naik_otomatis", _("Dinaikkan otomatis (lewat batas)")
        FORWARDED = "diteruskan", _("Diteruskan ke instansi")
        STATUS = "status", _("Status diubah")
        ATTACHMENT = "lampiran", _("Lampiran ditambahkan")
        OVERDUE = "terlambat", _("Lewat batas tindak lanjut")
        EXTERNAL = "eksternal", _("Pembaruan dari sistem luar")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,  # the system (SLA sweep, ingest)
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("waktu"), default=timezone.now)
    note = models.TextField(_("catatan"), blank=True)
    agency = models.ForeignKey(
        "incidents.Agency",
        verbose_name=_("instansi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forwards",
    )
    data = models.JSONField(default=dict, blank=True)  # e.g. {"from": "baru", "to": "diterima"}

    class Meta:
        ordering = ["incident_id", "at", "pk"]
        indexes = [models.Index(fields=["incident", "at"])]
        verbose_name = _("riwayat kejadian")
        verbose_name_plural = pgettext_lazy("jamak", "riwayat kejadian")

    def __str__(self):
        return f"#{self.incident_id} {self.get_kind_display()} {self.at:%d-%m-%Y %H:%M}"


class IncidentAttachment(models.Model):
    """An image attached to an incident: type checked from its bytes, size capped, EXIF (and so
    any GPS position) removed before it is stored."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="attachments")
    image = models.FileField(_("gambar"), upload_to="kejadian/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # When `apply_retention` deleted the file (RETENTION_ATTACHMENT_DAYS after the incident was
    # finished or closed); the row stays, so the timeline still reads.
    removed_at = models.DateTimeField(_("berkas dihapus pada"), null=True, blank=True)

    class Meta:
        ordering = ["incident_id", "uploaded_at"]
        verbose_name = _("lampiran")
        verbose_name_plural = pgettext_lazy("jamak", "lampiran")

    def __str__(self):
        return f"#{self.incident_id} {self.image.name}"


class AgencyQuerySet(models.QuerySet):
    def serving(self, area_code):
        """Agencies serving `area_code`: one of its served areas is the area or an ancestor."""
        ancestors = [*ancestor_codes(area_code), area_code]
        return self.filter(is_active=True, areas__code__in=ancestors).distinct()

    def visible_to(self, user, action=Action.VIEW):
        """Agencies serving somewhere in the user's area, or above it (a city's fire service)."""
        codes = scope_codes(user, action)
        above = {a for code in codes for a in [*ancestor_codes(code), code]}
        return self.filter(Q(areas__code__in=above) | in_areas("areas__code", codes)).distinct()


class Agency(models.Model):
    class Kind(models.TextChoices):
        DAMKAR = "damkar", _("Damkar / Gulkarmat")
        BPBD = "bpbd", _("BPBD")
        SATPOL_PP = "satpol_pp", _("Satpol PP")
        POLISI = "polisi", _("Polsek / Polres")
        DISHUB = "dishub", _("Dishub")
        PLN = "pln", _("PLN")
        DINAS_SDA = "dinas_sda", _("Dinas SDA")
        PUSKESMAS = "kesehatan", _("Puskesmas / Ambulans")
        LAINNYA = "lainnya", _("Lainnya")

    name = models.CharField(_("nama"), max_length=160)
    kind = models.CharField(_("jenis"), max_length=12, choices=Kind.choices)
    phone = models.CharField(_("telepon"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("alamat"), max_length=240, blank=True)
    areas = models.ManyToManyField(Area, verbose_name=_("wilayah layanan"), related_name="agencies")
    is_active = models.BooleanField(_("aktif"), default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("instansi")
        verbose_name_plural = pgettext_lazy("jamak", "instansi")

    def __str__(self):
        return self.name
