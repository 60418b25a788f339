"""Cameras, their health history and who watched them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kelurahan.access import maintainer_ids, scope_codes
from kelurahan.models import Area, Maintainer, in_areas
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


class MediaNodeQuerySet(models.QuerySet):
    def with_load(self):
        """Each node with `load`: how many active cameras it serves."""
        return self.annotate(
            load=models.Count("cameras", filter=models.Q(cameras__status=Camera.Status.ACTIVE))
        )

    def least_loaded(self):
        """The node a new camera goes to (see `least_loaded`), or None when all are full."""
        nodes = list(self.with_load())
        return least_loaded(nodes, {node.pk: node.load for node in nodes})


def least_loaded(nodes, loads):
    """Of `nodes` with `loads` {pk: active cameras}: the one open for new cameras, below its
    capacity and least full relative to it (ties: by name); None when every node is full."""
    open_nodes = [n for n in nodes if n.accepts_new and loads[n.pk] < n.capacity]
    return min(open_nodes, key=lambda n: (loads[n.pk] / n.capacity, n.name), default=None)


class MediaNode(models.Model):
    """One MediaMTX server (production mode) and the cameras it pulls, serves and records.

    While no node is registered, the one MediaMTX named by the MEDIAMTX_* settings serves every
    camera (cameras/nodes.py: `settings_node`).
    """

    name = models.SlugField(_("nama"), max_length=40, unique=True)
    api_url = models.CharField(
        _("alamat API"),
        max_length=200,
        help_text=_("Seperti portal menjangkaunya: http://mediamtx1:9997"),
    )
    hls_url = models.CharField(
        _("alamat HLS"),
        max_length=200,
        help_text=_("Seperti peramban menjangkaunya, lewat proxy di origin portal: /hls/n1/"),
    )
    playback_url = models.CharField(
        _("alamat pemutaran ulang"), max_length=200, blank=True, help_text=_("/playback/n1/")
    )
    capacity = models.PositiveIntegerField(
        _("kapasitas (kamera)"), validators=[MinValueValidator(1)]
    )
    storage_gb = models.PositiveIntegerField(
        _("ruang rekaman (GB)"),
        null=True,
        blank=True,
        help_text=_("Untuk perkiraan penyimpanan (storage_forecast)."),
    )
    accepts_new = models.BooleanField(
        _("menerima kamera baru"),
        default=True,
        help_text=_("Matikan untuk node yang akan dikosongkan; kameranya tetap dilayani."),
    )
    # Kept by the health check: whether the node's API answered at the last look.
    reachable = models.BooleanField(_("menjawab"), default=True)
    last_contact_at = models.DateTimeField(_("terakhir menjawab"), null=True, blank=True)
    last_error = models.CharField(_("kesalahan terakhir"), max_length=300, blank=True)

    objects = MediaNodeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("node media")
        verbose_name_plural = pgettext_lazy("jamak", "node media")

    def __str__(self):
        return self.name


_NOT_LOADED = object()  # a camera read without its node (`only()`): no move can be told


class CameraQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW):
        """Cameras in the user's areas, and a technician's organisation's cameras for what their
        assignment allows (their tickets and health; streams only when granted)."""
        in_scope = in_areas("area__code", scope_codes(user, action))
        if maintainers := maintainer_ids(user, action):
            in_scope |= models.Q(maintainer_id__in=maintainers)
        return self.filter(in_scope)

    def public(self):
        return self.filter(is_public=True, status=Camera.Status.ACTIVE)

    def streamable(self):
        """Cameras whose stream the supervisor keeps running."""
        return self.filter(status=Camera.Status.ACTIVE)

    def online(self):
        return self.filter(online=True)

    def move_to_node(self, node_id, at=None):
        """Put these cameras on node `node_id` in one UPDATE, and keep the node history."""
        ids = list(self.exclude(node_id=node_id).values_list("pk", flat=True))
        if ids:
            with transaction.atomic():
                Camera.objects.filter(pk__in=ids).update(node_id=node_id)
                record_node_change(ids, node_id, at)
        return ids


class Camera(models.Model):
    class Kind(models.TextChoices):
        FIXED = "fixed", _("Tetap")
        PTZ = "ptz", _("PTZ")

    class Funding(models.TextChoices):
        APBD = "apbd", _("APBD")
        CSR = "csr", _("CSR")

    class Signage(models.TextChoices):
        # UU 27/2022 Art. 17: public CCTV is signposted where it watches.
        POSTED = "terpasang", _("Papan pemberitahuan terpasang")
        MISSING = "belum", _("Papan pemberitahuan belum terpasang")
        UNCHECKED = "belum_diperiksa", _("Belum diperiksa")

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
    # Who repairs it; its tickets go to this organisation's technicians (maintenance app).
    maintainer = models.ForeignKey(
        Maintainer,
        verbose_name=_("pemelihara"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cameras",
    )
    installed_on = models.DateField(_("dipasang pada"), null=True, blank=True)
    is_public = models.BooleanField(_("publik"), default=False)
    # What the camera is for (shown on the public page for public cameras: UU PDP Art. 17).
    purpose = models.CharField(_("tujuan pemasangan"), max_length=300, blank=True)
    signage = models.CharField(
        _("papan pemberitahuan"),
        max_length=16,
        choices=Signage.choices,
        default=Signage.UNCHECKED,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # RTSP source, possibly with a password: admins only, never in pages, APIs or logs for others.
    # Empty means a demo camera that streams a generated test pattern.
    source_url = models.CharField(_("URL sumber (RTSP)"), max_length=500, blank=True)
    # Recording (cameras/recordings.py): kept continuously in hourly folders while `record` is on,
    # for `recording_days` days (empty: the area's setting, else RECORDING_DAYS).
    record = models.BooleanField(_("rekam"), default=False)
    recording_days = models.PositiveSmallIntegerField(
        _("simpan rekaman (hari)"), null=True, blank=True
    )

    # The MediaMTX node that pulls, serves and records this camera (production mode). Chosen
    # automatically for a new camera (least loaded within capacity); editable in the admin.
    node = models.ForeignKey(
        MediaNode,
        verbose_name=_("node media"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cameras",
    )
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

    def save(self, *args, **kwargs):
        adding = self._state.adding
        if adding and self.node_id is None:
            self.node = MediaNode.objects.least_loaded()
        saved = kwargs.get("update_fields")
        retired = self.newly_retired and (saved is None or "status" in saved)
        moved = self.node_moved and (saved is None or {"node", "node_id"} & set(saved))
        if retired or moved:
            # The tickets it closes (cameras.signals.cameras_retired) and the node history
            # (CameraNodeSpan) commit with it.
            with transaction.atomic():
                super().save(*args, **kwargs)
                if retired:
                    send_retired([self.pk])
                if moved:
                    record_node_change([self.pk], self.node_id)
        else:
            super().save(*args, **kwargs)
        self._loaded_status = self.status
        self._loaded_node_id = self.node_id

    def get_absolute_url(self):
        return reverse("cameras:camera-detail", args=[self.pk])

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        camera = super().from_db(db, field_names, values, **kwargs)
        # The status as read, so that saving can tell a camera just retired (`newly_retired`).
        camera._loaded_status = camera.__dict__.get("status")
        camera._loaded_node_id = camera.__dict__.get("node_id", _NOT_LOADED)
        return camera

    @property
    def newly_retired(self):
        """Retired since it was read from the database (a new camera has nothing to close)."""
        loaded = getattr(self, "_loaded_status", None)
        return self.status == self.Status.RETIRED and loaded not in (None, self.Status.RETIRED)

    @property
    def node_moved(self):
        """Placed on a node, or moved to another, since it was read (or as it is created)."""
        if self._state.adding:
            return self.node_id is not None
        loaded = getattr(self, "_loaded_node_id", _NOT_LOADED)
        return loaded is not _NOT_LOADED and loaded != self.__dict__.get("node_id", loaded)

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
        if self.node_id and self.status == self.Status.ACTIVE and self._node_full():
            errors["node"] = _("Node ini sudah penuh (kapasitas %(capacity)d kamera).") % {
                "capacity": self.node.capacity
            }
        if errors:
            raise ValidationError(errors)

    def _node_full(self):
        others = self.node.cameras.filter(status=self.Status.ACTIVE).exclude(pk=self.pk)
        return others.count() >= self.node.capacity


class CameraNodeSpan(models.Model):
    """A media node served a camera from `started_at` until `ended_at` (open: it still does).

    MediaMTX records on the node that pulls the camera, so a camera moved to another node leaves
    its earlier recordings behind; playback asks the node of the time it plays
    (cameras/nodes.py: `serving_node`). Written wherever `Camera.node` changes, through
    `record_node_change` (Camera.save, `move_to_node`). No span: the camera's current node.
    """

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="node_spans")
    # Empty: no registered node (the MediaMTX of the MEDIAMTX_* settings), or one since removed.
    node = models.ForeignKey(
        MediaNode,
        verbose_name=_("node media"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="camera_spans",
    )
    started_at = models.DateTimeField(_("mulai"))
    ended_at = models.DateTimeField(_("sampai"), null=True, blank=True)

    class Meta:
        ordering = ["camera_id", "started_at", "pk"]
        indexes = [models.Index(fields=["camera", "started_at"])]
        verbose_name = _("riwayat node kamera")
        verbose_name_plural = pgettext_lazy("jamak", "riwayat node kamera")

    def __str__(self):
        return f"{self.camera_id} @ {self.node_id} {self.started_at:%Y-%m-%d %H:%M}"


def record_node_change(camera_ids, node_id, at=None):
    """The cameras `camera_ids` are served by `node_id` (None: no registered node) from `at`:
    their open spans close and new ones open. The caller holds the transaction."""
    at = at or timezone.now()
    CameraNodeSpan.objects.filter(camera_id__in=camera_ids, ended_at__isnull=True).update(
        ended_at=at
    )
    CameraNodeSpan.objects.bulk_create(
        CameraNodeSpan(camera_id=pk, node_id=node_id, started_at=at) for pk in camera_ids
    )


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
    # Playback of a recording: the time range watched (both empty for live viewing).
    playback_start = models.DateTimeField(_("rekaman dari"), null=True, blank=True)
    playback_end = models.DateTimeField(_("rekaman sampai"), null=True, blank=True)

    objects = ViewingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "-started_at"])]
        verbose_name = _("sesi menonton")
        verbose_name_plural = pgettext_lazy("jamak", "sesi menonton")

    def __str__(self):
        return f"{self.user or 'anonim'} · {self.camera.code} · {self.started_at:%Y-%m-%d %H:%M}"


class AreaRecordingPolicy(models.Model):
    """How long the recordings of the cameras in an area (and below it) are kept, when not
    RECORDING_DAYS; a camera's own `recording_days` comes first (cameras/recording_retention.py)."""

    area = models.OneToOneField(
        Area, verbose_name=_("wilayah"), on_delete=models.CASCADE, related_name="recording_policy"
    )
    days = models.PositiveSmallIntegerField(_("simpan rekaman (hari)"))

    class Meta:
        ordering = ["area_id"]
        verbose_name = _("aturan simpan rekaman wilayah")
        verbose_name_plural = pgettext_lazy("jamak", "aturan simpan rekaman wilayah")

    def __str__(self):
        return f"{self.area_id}: {self.days}"


class RecordingHourQuerySet(models.QuerySet):
    def visible_to(self, user, action=Action.VIEW_RECORDINGS):
        return self.filter(in_areas("camera__area__code", scope_codes(user, action)))

    def held(self, now=None):
        return self.filter(held_until__gt=now or timezone.now())

    def unheld(self, now=None):
        now = now or timezone.now()
        return self.filter(models.Q(held_until__isnull=True) | models.Q(held_until__lte=now))


class RecordingHour(models.Model):
    """What is recorded of one camera in one UTC hour: the index of the hour's folder
    (<RECORDINGS_ROOT>/<camera id>/<YYYY-MM-DD>/<HH>/), one row per hour, never per segment.

    Recorded stretches are [covered_from, covered_to] (seconds after `hour`) minus `gaps`
    ([[from, to], ...] in seconds after `hour`). An hour with `held_until` in the future is
    evidence: neither retention nor the disk guard deletes it.
    """

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="recording_hours")
    hour = models.DateTimeField(_("jam (UTC)"))
    seconds = models.FloatField(_("detik terekam"), default=0)
    gaps = models.JSONField(_("celah"), default=list, blank=True)
    covered_from = models.FloatField(default=0)
    covered_to = models.FloatField(default=0)
    bytes = models.BigIntegerField(_("ukuran (byte)"), default=0)
    held_until = models.DateTimeField(_("ditahan sampai"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecordingHourQuerySet.as_manager()

    class Meta:
        ordering = ["camera_id", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "hour"], name="one_recording_row_per_hour")
        ]
        indexes = [models.Index(fields=["hour"])]
        verbose_name = _("jam rekaman")
        verbose_name_plural = pgettext_lazy("jamak", "jam rekaman")

    def __str__(self):
        return f"{self.camera_id} {self.hour:%Y-%m-%d %H}:00 UTC"

    def spans(self):
        """The recorded stretches as [(from, to)] seconds after `hour`."""
        spans, start = [], self.covered_from
        for gap_from, gap_to in self.gaps:
            spans.append((start, gap_from))
            start = gap_to
        if self.covered_to > start:
            spans.append((start, self.covered_to))
        return spans


def send_retired(camera_ids, at=None):
    """Tell the layers above that these cameras were retired (cameras.signals.cameras_retired),
    in the caller's transaction."""
    from cameras.signals import cameras_retired

    if camera_ids:
        cameras_retired.send(Camera, camera_ids=list(camera_ids), at=at or timezone.now())
