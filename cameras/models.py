"""Cameras, their health history and who watched them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kelurahan.access import scope_codes
from kelurahan.models import Area, in_areas
from kelurahan.roles import Action

# Jakarta's mainland and the Thousand Islands fit in this box; a camera outside it is a typo.
JAKARTA_BOUNDS = {"min_lat": -6.40, "max_lat": -5.10, "min_lon": 106.30, "max_lon": 107.00}

camera_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$",
    _("Kode kamera: huruf kecil, angka dan tanda hubung, 3–40 karakter."),
)


def in_jakarta(lat, lon):
    b = JAKARTA_BOUNDS
    return b["min_lat"] <= lat <= b["max_lat"] and b["min_lon"] <= lon <= b["max_lon"]


class Tag(models.Model):
    slug = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("label")
        verbose_name_plural = pgettext_lazy("jamak", "label")

    def __str__(self):
        return self.name


class CameraQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW):
        return self.filter(in_areas("area__code", scope_codes(user, action)))

    def public(self):
        return self.filter(is_public=True, status=Camera.Status.ACTIVE)

    def streamable(self):
        """Cameras whose stream the supervisor keeps running."""
        return self.filter(status=Camera.Status.ACTIVE)

    def online(self):
        return self.filter(online=True)


class Camera(models.Model):
    class Kind(models.TextChoices):
        FIXED = "fixed", _("Tetap")
        PTZ = "ptz", _("PTZ")

    class Funding(models.TextChoices):
        APBD = "apbd", _("APBD")
        CSR = "csr", _("CSR")

    class Status(models.TextChoices):
        ACTIVE = "aktif", _("Aktif")
        MAINTENANCE = "perbaikan", _("Dalam perbaikan")
        RETIRED = "nonaktif", _("Nonaktif")

    code = models.CharField(
        _("kode"), max_length=40, unique=True, validators=[camera_code_validator]
    )
    name = models.CharField(_("nama"), max_length=120)
    area = models.ForeignKey(
        Area,
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        related_name="cameras",
        limit_choices_to={"level__in": ["kelurahan", "rw", "rt"]},
    )
    lat = models.FloatField(_("lintang"))
    lon = models.FloatField(_("bujur"))
    kind = models.CharField(_("jenis"), max_length=8, choices=Kind.choices, default=Kind.FIXED)
    tags = models.ManyToManyField(Tag, verbose_name=_("label"), blank=True, related_name="cameras")
    funding = models.CharField(
        _("pendanaan"), max_length=8, choices=Funding.choices, default=Funding.APBD
    )
    sponsor = models.CharField(_("sponsor CSR"), max_length=120, blank=True)
    installed_on = models.DateField(_("dipasang pada"), null=True, blank=True)
    is_public = models.BooleanField(_("publik"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # RTSP source, possibly with a password: admins only, never in pages, APIs or logs for others.
    # Empty means a demo camera that streams a generated test pattern.
    source_url = models.CharField(_("URL sumber (RTSP)"), max_length=500, blank=True)
    # Production's low rendition for phones (cameras/mediamtx_paths.py): the camera's own
    # sub-stream (secret like source_url), else, when marked, one transcoded by the media node.
    substream_url = models.CharField(_("URL sub-stream (RTSP)"), max_length=500, blank=True)
    transcode_low = models.BooleanField(
        _("buat rendisi rendah di node"),
        default=False,
        help_text=_("Tanpa sub-stream: node media membuat video 320x180 untuk ponsel."),
    )

    # Health, kept by the stream supervisor (embedded) or MediaMTX's path list (production).
    online = models.BooleanField(_("daring"), default=False)
    last_seen_at = models.DateTimeField(_("terakhir terlihat"), null=True, blank=True)
    online_changed_at = models.DateTimeField(_("status daring berubah"), null=True, blank=True)

    created_at = models.DateTimeField(_("dibuat pada"), auto_now_add=True)

    objects = CameraQuerySet.as_manager()

    class Meta:
        ordering = ["area_id", "name"]
        verbose_name = _("kamera")
        verbose_name_plural = pgettext_lazy("jamak", "kamera")

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("cameras:camera-detail", args=[self.pk])

    @property
    def is_demo(self):
        return not self.source_url

    def clean(self):
        errors = {}
        if self.lat is not None and self.lon is not None and not in_jakarta(self.lat, self.lon):
            errors["lat"] = _("Koordinat berada di luar Jakarta.")
        if self.funding == self.Funding.CSR and not self.sponsor:
            errors["sponsor"] = _("Kamera CSR harus menyebut sponsornya.")
        if self.area_id and self.area.level not in {"kelurahan", "rw", "rt"}:
            errors["area"] = _("Kamera hanya dapat dipasang di kelurahan, RW atau RT.")
        if self.source_url and not self.source_url.startswith(("rtsp://", "rtsps://")):
            errors["source_url"] = _("URL sumber harus rtsp:// atau rtsps://.")
        if errors:
            raise ValidationError(errors)


class CameraStatusChange(models.Model):
    """A camera went online or offline: the history uptime is computed from."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="status_changes")
    online = models.BooleanField()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["camera_id", "at"]
        indexes = [models.Index(fields=["camera", "at"])]
        verbose_name = _("perubahan status kamera")
        verbose_name_plural = pgettext_lazy("jamak", "perubahan status kamera")

    def __str__(self):
        return (
            f"{self.camera.code} {'online' if self.online else 'offline'} {self.at:%Y-%m-%d %H:%M}"
        )


class ViewingSessionQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW_AUDIT):
        """Viewing history a user may read: their own, plus their scope's if they audit."""
        own = models.Q(user_id=user.pk) if user.is_authenticated else models.Q(pk__in=[])
        return self.filter(own | in_areas("camera__area__code", scope_codes(user, action)))

    def open(self, within_seconds=180):
        """Sessions that were still being watched recently."""
        since = timezone.now() - timezone.timedelta(seconds=within_seconds)
        return self.filter(last_seen_at__gte=since, ended_at__isnull=True)


class ViewingSession(models.Model):
    """One person watching one camera: recorded when the stream is opened, kept up to date while
    it plays. The app never deletes these rows (retention is an explicit command)."""

    class Mode(models.TextChoices):
        EMBEDDED = "embedded", _("Portal")
        MEDIAMTX = "mediamtx", _("MediaMTX")
        PUBLIC = "public", _("Publik")
        SNAPSHOT = "snapshot", _("Gambar diam")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="viewing_sessions",
    )
    camera = models.ForeignKey(
        Camera, verbose_name=_("kamera"), on_delete=models.PROTECT, related_name="viewings"
    )
    started_at = models.DateTimeField(_("mulai"), default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(_("terakhir aktif"), default=timezone.now)
    ended_at = models.DateTimeField(_("berakhir"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    user_agent = models.CharField(_("peramban"), max_length=300, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    # MediaMTX's session id, so the session can be ended when access is revoked, and the tag of
    # the browser session its token was minted in (cameras.gate.session_tag), so that it can be
    # ended with that browser session (sign-out, the sessions page, a password change).
    media_session_id = models.CharField(max_length=64, blank=True, db_index=True)
    session_tag = models.CharField(max_length=16, blank=True)

    objects = ViewingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "-started_at"])]
        verbose_name = _("sesi menonton")
        verbose_name_plural = pgettext_lazy("jamak", "sesi menonton")

    def __str__(self):
        return f"{self.user or 'anonim'} · {self.camera.code} · {self.started_at:%Y-%m-%d %H:%M}"
