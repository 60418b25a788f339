"""Alert events (what officers are told, live and later) and who has read them."""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidents.models import Severity
from kelurahan.access import (
    areas_allowing,
    lacks_required_mfa,
    live_grants,
    live_grants_of,
    maintainers_allowing,
    users_lacking_required_mfa,
)
from kelurahan.codes import PROVINCE, covers, depth_of
from kelurahan.models import Area, Maintainer, in_areas
from kelurahan.roles import Action

# An alert placed at the province (kelurahan.codes.PROVINCE) concerns everyone in the portal.


PROVINCIAL_ONLY = 0  # `min_depth` of a province alert for the provincial admins alone


def reaches(grant_codes, area_code, min_depth):
    """May someone holding grants at `grant_codes` see an alert in `area_code` for `min_depth`?

    The one rule, in Python for the WebSocket consumer; `AlertQuerySet.visible_to` is the same
    rule in SQL and the channel-layer groups (alerts/groups.py) route by it. A grant sees an alert
    when it covers the alert's area and lies at depth `min_depth` or deeper (an incident still at
    kelurahan level does not concern the kota operator yet); a provincial grant sees every alert,
    and an alert for the province itself concerns everyone, unless its `min_depth` is
    PROVINCIAL_ONLY (the system's own troubles, such as a full recordings disk: admins only).
    """
    if area_code == PROVINCE:
        return PROVINCE in grant_codes if min_depth == PROVINCIAL_ONLY else bool(grant_codes)
    for code in grant_codes:
        if covers(code, area_code) and (code == PROVINCE or depth_of(code) >= min_depth):
            return True
    return False


# The actions an alert may ask of its audience (`AlertEvent.action`): a data request's alerts
# go to those who handle requests, a ticket's to those who work tickets. An alert without one
# concerns every live grant that reaches it.
ALERT_ACTIONS = (Action.MANAGE_REQUESTS, Action.VIEW_TICKETS)
# A technician's grant (an organisation, not an area) hears of its organisation's tickets.
MAINTAINER_ACTION = Action.VIEW_TICKETS


@dataclass(frozen=True)
class AlertScope:
    """What one user is told about, from their live grants (through the door): the areas of
    every grant, the areas under which they hold each of ALERT_ACTIONS, and the maintainer
    organisations whose tickets' alerts they get. False when they get no alerts at all."""

    areas: tuple = ()
    acting: tuple = ()  # ((action, area codes), ...)
    maintainers: tuple = ()

    def __bool__(self):
        return bool(self.areas or self.maintainers)

    def codes_for(self, action):
        """The area codes that count for an alert asking `action` ("" asks nothing)."""
        return dict(self.acting).get(action, ()) if action else self.areas

    def reaches(self, event):
        """Is the user told of `event` (AlertEvent.as_message())? `reaches`, with the grants
        that hold the alert's action; or a technician of the alert's maintainer."""
        maintainer = event.get("maintainer")
        if maintainer is not None and maintainer in self.maintainers:
            return True
        codes = self.codes_for(event.get("action") or "")
        return reaches(codes, event["area"], event["min_depth"])


def scope_of_grants(grants):
    return AlertScope(
        areas=areas_allowing(grants),
        acting=tuple((str(action), areas_allowing(grants, action)) for action in ALERT_ACTIONS),
        maintainers=maintainers_allowing(grants, MAINTAINER_ACTION),
    )


def alert_scope(user, *, fresh=False):
    """The user's AlertScope, empty when they get no alerts at all (no live grant, or a
    provincial admin who has not enrolled the second factor the portal requires)."""
    grants = live_grants(user, fresh=fresh)
    if lacks_required_mfa(user, grants):
        return AlertScope()
    return scope_of_grants(grants)


def alert_scopes(user_ids):
    """`alert_scope(user, fresh=True)` of many users in two queries: {user id: AlertScope}."""
    grants = live_grants_of(user_ids)
    roles = {user_id: {g.role for g in held} for user_id, held in grants.items()}
    refused = users_lacking_required_mfa(roles)
    return {
        user_id: AlertScope() if user_id in refused else scope_of_grants(grants[user_id])
        for user_id in user_ids
    }


def _in_reach(codes):
    """`reaches` in SQL: the alerts grants at `codes` see (None when there are none)."""
    if not codes:
        return None
    query = Q(area_id=PROVINCE) & ~Q(min_depth=PROVINCIAL_ONLY)
    for code in codes:
        in_area = in_areas("area__code", [code])
        query |= in_area if code == PROVINCE else in_area & Q(min_depth__lte=depth_of(code))
    return query


class Kind(models.TextChoices):
    INCIDENT_CREATED = "kejadian_baru", _("Kejadian baru")
    INCIDENT_ESCALATED = "kejadian_dinaikkan", _("Kejadian dinaikkan")
    INCIDENT_FORWARDED = "kejadian_diteruskan", _("Kejadian diteruskan ke instansi")
    INCIDENT_OVERDUE = "kejadian_terlambat", _("Kejadian lewat batas tindak lanjut")
    CAMERA_OFFLINE = "kamera_offline", _("Kamera offline")
    CAMERA_ONLINE = "kamera_online", _("Kamera kembali online")
    MEDIA_NODE_DOWN = "node_media_mati", _("Node media tidak menjawab")
    MEDIA_NODE_BACK = "node_media_pulih", _("Node media menjawab lagi")
    RECORDING_DISK_LOW = "rekaman_disk_penuh", _("Ruang rekaman hampir penuh")
    SHIFT_NOT_CHECKED_IN = "piket_belum_masuk", _("Piket belum masuk")
    TICKET_OPENED = "tiket_dibuka", _("Tiket perbaikan dibuka")
    TICKET_OVERDUE = "tiket_terlambat", _("Tiket perbaikan lewat batas")
    ANNOUNCEMENT = "pengumuman", _("Pengumuman")
    REQUEST_FILED = "permohonan_baru", _("Permohonan data baru")
    REQUEST_DUE_SOON = "permohonan_batas_dekat", _("Permohonan data mendekati batas jawaban")
    REQUEST_OVERDUE = "permohonan_terlambat", _("Permohonan data lewat batas jawaban")


class AlertQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The alerts `user` is told about: the same rule as `AlertScope.reaches`, in SQL."""
        scope = scope_of_grants(live_grants(user))
        parts = []
        if (plain := _in_reach(scope.areas)) is not None:
            parts.append(Q(action="") & plain)
        for action, codes in scope.acting:
            if (acting := _in_reach(codes)) is not None:
                parts.append(Q(action=action) & acting)
        if scope.maintainers:
            parts.append(Q(maintainer_id__in=scope.maintainers))
        return self.filter(reduce(or_, parts)) if parts else self.none()

    def recent(self, days=None):
        days = settings.ALERTS_PAGE_DAYS if days is None else days
        return self.filter(created_at__gte=timezone.now() - timezone.timedelta(days=days))

    def unread_by(self, user):
        """Not marked read by `user`: above their "all read" mark and not read one by one."""
        mark = AlertReadMark.objects.filter(user_id=user.pk).values_list("up_to", flat=True)
        return self.exclude(pk__lte=mark.first() or 0).exclude(
            pk__in=AlertRead.objects.filter(user_id=user.pk).values("event_id")
        )


class AlertEvent(models.Model):
    """Something officers of an area must learn of at once: stored in the transaction of the
    change it reports (alerts/publish.py), pushed to open sockets after commit, replayed to a
    socket that missed it. The database, not the channel layer, is the source of truth."""

    kind = models.CharField(_("jenis"), max_length=24, choices=Kind.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="alerts"
    )
    # Grants above this depth do not see it (an incident at kelurahan level: 4; escalated to
    # the kota: 2); provincial grants see every alert.
    min_depth = models.PositiveSmallIntegerField(_("kedalaman minimum"), default=1)
    severity = models.CharField(_("tingkat bahaya"), max_length=10, choices=Severity.choices)
    title = models.CharField(_("judul"), max_length=200)
    link = models.CharField(_("tautan"), max_length=200, blank=True)
    payload = models.JSONField(_("data"), default=dict, blank=True)
    # Only for those whose grant in the area allows this action (ALERT_ACTIONS; empty: anyone
    # reached): a data request's alerts for those who handle requests.
    action = models.CharField(_("tindakan"), max_length=32, blank=True)
    # Also told to this maintainer organisation's technicians (a ticket opened, overdue), on
    # their alerts socket and page.
    maintainer = models.ForeignKey(
        Maintainer,
        verbose_name=_("pemelihara"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Makes an alert that must be raised once (a late shift) idempotent; empty for the others.
    key = models.CharField(_("kunci"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~Q(key=""), name="alert_event_unique_key"
            )
        ]
        indexes = [models.Index(fields=["area", "-id"])]
        verbose_name = _("peringatan")
        verbose_name_plural = pgettext_lazy("jamak", "peringatan")

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()}: {self.title}"

    def as_message(self, area_name=None):
        """What a browser receives, live or replayed (the same shape both ways)."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "severity": self.severity,
            "title": self.title,
            "area": self.area_id,
            "area_name": area_name if area_name is not None else self.area.name,
            "min_depth": self.min_depth,
            "action": self.action,
            "maintainer": self.maintainer_id,
            "link": self.link,
            "payload": self.payload,
            "created_at": self.created_at.isoformat(),
        }


class AlertReadMark(models.Model):
    """Everything up to `up_to` is read ("tandai semua dibaca")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    up_to = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("tanda baca peringatan")
        verbose_name_plural = pgettext_lazy("jamak", "tanda baca peringatan")

    def __str__(self):
        return f"{self.user_id} ≤ #{self.up_to}"


class AlertRead(models.Model):
    """One alert read on its own, above the user's mark."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="alert_read_unique_user")
        ]
        verbose_name = _("peringatan dibaca")
        verbose_name_plural = pgettext_lazy("jamak", "peringatan dibaca")

    def __str__(self):
        return f"{self.user_id} · #{self.event_id}"


def mark_read(user, event):
    AlertRead.objects.get_or_create(user_id=user.pk, event=event)


def mark_all_read(user, up_to):
    """Everything up to alert `up_to` (the newest the user was shown) is read; later ones stay
    unread even if they arrived while the page was open."""
    newest = AlertEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    up_to = min(up_to, newest)  # never "read" alerts that do not exist yet
    mark, _created = AlertReadMark.objects.get_or_create(user_id=user.pk)
    if up_to > mark.up_to:
        AlertReadMark.objects.filter(user_id=user.pk, up_to__lt=up_to).update(up_to=up_to)
        AlertRead.objects.filter(user_id=user.pk, event_id__lte=up_to).delete()


# Web Push's tables belong to this app (alerts/push/models.py).
from alerts.push.models import PushDelivery, PushFanout, PushSubscription  # noqa: E402, F401
