"""Areas, people and role assignments, and the scoping primitives every other app builds on."""

import hashlib
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kelurahan.roles import (
    DEPTH_LEVEL,
    LEVEL_DEPTH,
    PERMISSIONS,
    RANK,
    ROLE_LEVELS,
    Action,
    Level,
    Role,
)

# ASCII digits only ([0-9], not \d, which in Python also takes other scripts' digits).
CODE_PATTERNS = {
    Level.PROVINSI: r"[0-9]{2}",
    Level.KOTA: r"[0-9]{2}\.[0-9]{2}",
    Level.KECAMATAN: r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}",
    Level.KELURAHAN: r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}",
    Level.RW: r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}\.[0-9]{3}",
    Level.RT: r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}\.[0-9]{3}\.[0-9]{3}",
}
# A code of any level (the API's schema gives it as the `pattern` of area parameters).
AREA_CODE_PATTERN = (
    r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4}(?:\.[0-9]{3}(?:\.[0-9]{3})?)?)?)?)?"
)


def code_matches_level(code, level):
    return re.fullmatch(CODE_PATTERNS[level], code) is not None


def level_of_code(code):
    """The level a well-formed code belongs to, or None."""
    level = DEPTH_LEVEL.get(code.count(".") + 1)
    return level if level and code_matches_level(code, level) else None


def parent_code_of(code):
    return code.rpartition(".")[0]


def ancestor_codes(code):
    """'31.73.05.1001' -> ['31', '31.73', '31.73.05'] (top first)."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def covers(area_code, code):
    """True when `code` is `area_code` itself or lies below it."""
    return code == area_code or code.startswith(area_code + ".")


class AreaCodeField(models.CharField):
    """A Kemendagri area code ('31.73.05.1001'); knows the `below` lookup."""


@AreaCodeField.register_lookup
class Below(models.Lookup):
    """`code__below="31.73"`: every code strictly below 31.73 in the tree, as one index range.

    PostgreSQL answers `LIKE '31.73.%'` from the varchar_pattern_ops index Django creates for
    code columns. SQLite cannot use an index for LIKE, but its binary collation can for the
    equivalent range: codes are digits and dots, and '/' is the character right after '.'.
    """

    lookup_name = "below"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = connection.ops.prep_for_like_query(self.rhs)
        return f"{lhs} LIKE %s", [*lhs_params, f"{prefix}.%"]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"({lhs} > %s AND {lhs} < %s)", [
            *lhs_params,
            f"{self.rhs}.",
            *lhs_params,
            f"{self.rhs}/",
        ]


def in_areas(field, codes):
    """Q for rows whose area code `field` is one of `codes` or lies below one of them.

    `field` names an AreaCodeField: "code" on Area, "area__code" through a foreign key (Django
    drops the join, so the filter runs on the row's own indexed area_id column).
    """
    query = Q(pk__in=[])
    for code in codes:
        query |= Q(**{field: code}) | Q(**{f"{field}__below": code})
    return query


class AreaQuerySet(models.QuerySet):
    def under(self, *codes):
        """The areas `codes` and everything below them."""
        return self.filter(in_areas("code", codes))

    def visible_to(self, user, action=Action.VIEW):
        return self.under(*scope_codes(user, action))

    def of_level(self, level):
        return self.filter(level=level)


class Area(models.Model):
    code = AreaCodeField(_("kode"), max_length=24, primary_key=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    lat = models.FloatField(_("lintang"), null=True, blank=True)
    lon = models.FloatField(_("bujur"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("wilayah")
        verbose_name_plural = pgettext_lazy("jamak", "wilayah")

    def __str__(self):
        return f"{self.get_level_display()} {self.name}"

    def clean(self):
        if not code_matches_level(self.code, self.level):
            raise ValidationError({"code": _("Kode tidak sesuai format tingkat wilayah.")})
        expected_parent = parent_code_of(self.code) or None
        if self.parent_id != expected_parent:
            raise ValidationError({"parent": _("Induk harus wilayah %s.") % expected_parent})

    @property
    def depth(self):
        return LEVEL_DEPTH[self.level]

    @cached_property
    def path(self):
        """Ancestors below the province plus the area itself: kota › kecamatan › kelurahan."""
        codes = ancestor_codes(self.code)[1:]
        ancestors = {area.code: area for area in Area.objects.filter(code__in=codes)}
        return [ancestors[code] for code in codes if code in ancestors] + [self]


class AreaBoundary(models.Model):
    """A kelurahan's outline (GeoJSON MultiPolygon coordinates, [lon, lat]) and its bounding box."""

    area = models.OneToOneField(
        Area, on_delete=models.CASCADE, primary_key=True, related_name="boundary"
    )
    coordinates = models.JSONField()
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()

    class Meta:
        verbose_name = _("batas wilayah")
        verbose_name_plural = pgettext_lazy("jamak", "batas wilayah")

    def __str__(self):
        return str(self.area)


class UserQuerySet(models.QuerySet):
    def manageable_by(self, manager):
        """People a manager sees in the management pages and API: those holding an assignment
        (live or not) in an area where the manager may manage roles (whatever its rank: what
        the manager may change is decided per assignment by `access.can`)."""
        held = RoleAssignment.objects.visible_to(manager, Action.MANAGE_ROLES)
        return self.filter(pk__in=held.values("user_id"))


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    objects = UserManager()

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = pgettext_lazy("jamak", "pengguna")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username


class RoleAssignmentQuerySet(models.QuerySet):
    # Bulk writes send no post_save; they drop the users' cached grants themselves.
    def update(self, **kwargs):
        users = set(self.values_list("user_id", flat=True))
        count = super().update(**kwargs)
        forget_grants(*users, *[kwargs[f] for f in ("user", "user_id") if f in kwargs])
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        forget_grants(*{obj.user_id for obj in created})
        return created

    def bulk_update(self, objs, *args, **kwargs):
        count = super().bulk_update(objs, *args, **kwargs)
        forget_grants(*{obj.user_id for obj in objs})
        return count

    def visible_to(self, user, action=Action.MANAGE_ROLES):
        """Assignments in the areas where `user` may manage roles (their own included)."""
        return self.filter(in_areas("area__code", scope_codes(user, action)))

    def in_state(self, state, at=None):
        """Those whose `RoleAssignment.state()` is `state` (aktif ignores the user's status)."""
        at = at or timezone.now()
        running = Q(valid_until__isnull=True) | Q(valid_until__gt=at)
        return self.filter(
            {
                "dicabut": Q(revoked_at__isnull=False),
                "berakhir": Q(revoked_at__isnull=True, valid_until__lte=at),
                "belum_berlaku": running & Q(revoked_at__isnull=True, valid_from__gt=at),
                "aktif": running & Q(revoked_at__isnull=True, valid_from__lte=at),
            }[state]
        )

    def live(self, at=None):
        """Assignments that grant something now: started, not expired, not revoked."""
        at = at or timezone.now()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=at),
            valid_from__lte=at,
            revoked_at__isnull=True,
            user__is_active=True,
        )


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="assignments"
    )
    valid_from = models.DateTimeField(_("berlaku sejak"), default=timezone.now)
    valid_until = models.DateTimeField(_("berlaku sampai"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diberikan oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("diberikan pada"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicabut oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "-valid_from"]
        verbose_name = _("penugasan peran")
        verbose_name_plural = pgettext_lazy("jamak", "penugasan peran")
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.area.name}"

    def clean(self):
        if self.area_id and self.role:
            level = level_of_code(self.area_id)
            if level not in ROLE_LEVELS[Role(self.role)]:
                allowed = ", ".join(str(Level(lvl).label) for lvl in ROLE_LEVELS[Role(self.role)])
                raise ValidationError(
                    {"area": _("Peran ini hanya dapat diberikan di tingkat: %s.") % allowed}
                )
        if self.valid_until and self.valid_from and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("Harus setelah tanggal mulai berlaku.")})

    @property
    def rank(self):
        return RANK[Role(self.role)]

    def state(self, at=None):
        """'dicabut', 'berakhir', 'belum_berlaku' or 'aktif' (for people, not for scoping)."""
        at = at or timezone.now()
        if self.revoked_at is not None:
            return "dicabut"
        if self.valid_until is not None and self.valid_until <= at:
            return "berakhir"
        if self.valid_from > at:
            return "belum_berlaku"
        return "aktif"


@dataclass(frozen=True)
class Grant:
    """One live assignment, reduced to what scoping needs."""

    role: Role
    area_code: str


def live_grants(user, *, fresh=False):
    """The user's live assignments, read once per request (the user object lives one request).

    They come from the grants cache (below) unless `fresh`: long-lived callers (WebSocket
    consumers, the stream gate) pass fresh=True to read the database, so that a revocation or
    deactivation takes effect at once even for a user object loaded long ago.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    if fresh:
        rows = RoleAssignment.objects.live().filter(user_id=user.pk).values_list("role", "area_id")
        user._live_grants = tuple(Grant(Role(role), code) for role, code in rows)
    elif not hasattr(user, "_live_grants"):
        now = timezone.now().timestamp()
        user._live_grants = tuple(
            Grant(Role(role), code)
            for role, code, start, end in _assignment_windows(user.pk)
            if start <= now and (end is None or now < end)
        )
    return user._live_grants


# --- The grants cache -------------------------------------------------------------------------
# Every request needs the user's live assignments; reading them from Django's cache (Redis in
# production, shared by every process) saves a query per request. What is cached is each
# assignment that is neither revoked nor expired, with its validity window: live_grants applies
# the clock at every read, so an assignment still expires (or starts) on time. Saving an
# assignment or the user, or a bulk write to assignments, drops the entry at once and again when
# the transaction commits. Each entry is stamped with the user's cache generation, renewed on
# every change, so an entry computed from data read just before a change can never be served
# after it; the user's own request sees its own uncommitted changes (`_changed_here`).


def _cache_keys(user_id):
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:12]
    base = f"grants:v1:{database}:{user_id}"
    return f"{base}:gen", base


def _assignment_windows(user_id):
    """(role, area code, valid_from, valid_until) of each assignment not revoked or expired."""
    seconds = settings.GRANTS_CACHE_SECONDS
    use_cache = seconds > 0 and user_id not in _changed_here()
    if use_cache:
        gen_key, key = _cache_keys(user_id)
        found = cache.get_many([gen_key, key])
        generation = found.get(gen_key)
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            return entry[1]
    now = timezone.now()
    rows = [
        (role, code, start.timestamp(), end.timestamp() if end else None)
        for role, code, start, end in RoleAssignment.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=now),
            user_id=user_id,
            revoked_at__isnull=True,
        ).values_list("role", "area_id", "valid_from", "valid_until")
    ]
    if use_cache:
        cache.set(key, (generation, rows), seconds)
    return rows


def _in_transaction():
    """In a transaction that may still roll back. The one Django's test cases wrap around each
    test never commits and does not count (as for Django's own `durable` check)."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


def _changed_here():
    """Users whose assignments this connection changed in its open transaction."""
    changed = getattr(connection, "_grants_changed", None)
    if not _in_transaction():
        if changed:
            changed.clear()  # that transaction is over (a rollback runs no on_commit)
        return ()
    return changed or ()


def forget_grants(*user_ids):
    """Drop the cached grants of these users now, and again once the transaction commits."""
    if not user_ids or settings.GRANTS_CACHE_SECONDS <= 0:
        return
    _renew_generations(user_ids)
    if _in_transaction():
        changed = getattr(connection, "_grants_changed", None)
        if changed is None:
            changed = connection._grants_changed = set()
        changed.update(user_ids)

        def committed():
            _renew_generations(user_ids)
            changed.difference_update(user_ids)

        transaction.on_commit(committed)


def _renew_generations(user_ids):
    keys = [_cache_keys(user_id) for user_id in user_ids]
    # Outlives the entries it stamps, so that an old entry never meets a missing generation.
    lifetime = settings.GRANTS_CACHE_SECONDS * 2 + 60
    cache.set_many({gen_key: uuid.uuid4().hex for gen_key, _key in keys}, lifetime)
    cache.delete_many([key for _gen_key, key in keys])


def _assignment_changed(sender, instance, **kwargs):
    # post_save sent for rows of a bulk_create says so: bulk_create forgot them all at once.
    if not kwargs.get("bulk_created"):
        forget_grants(instance.user_id)


def _user_changed(sender, instance, **kwargs):
    forget_grants(instance.pk)


# --- The second factor ----------------------------------------------------------------------
# A provincial admin's every request asks whether they enrolled TOTP (they must have); the
# answer is cached like the grants, and enrolling or removing an authenticator drops it now and
# again when the transaction commits.


def _totp_key(user_id):
    return _cache_keys(user_id)[1] + ":totp"


def has_totp(user):
    from allauth.mfa.models import Authenticator

    seconds = settings.GRANTS_CACHE_SECONDS
    found = cache.get(_totp_key(user.pk)) if seconds > 0 else None
    if found is None:
        found = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        if seconds > 0:
            cache.set(_totp_key(user.pk), found, seconds)
    return found


def _authenticator_changed(sender, instance, **kwargs):
    key = _totp_key(instance.user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


post_save.connect(_assignment_changed, sender=RoleAssignment, dispatch_uid="grants-cache-ra")
post_delete.connect(_assignment_changed, sender=RoleAssignment, dispatch_uid="grants-cache-ra-d")
post_save.connect(_user_changed, sender=User, dispatch_uid="grants-cache-user")
post_save.connect(
    _authenticator_changed, sender="mfa.Authenticator", dispatch_uid="totp-cache-save"
)
post_delete.connect(
    _authenticator_changed, sender="mfa.Authenticator", dispatch_uid="totp-cache-delete"
)


def scope_codes(user, action=Action.VIEW, *, fresh=False):
    """The smallest set of area codes whose subtrees the user may `action` in."""
    codes = sorted(
        {
            g.area_code
            for g in live_grants(user, fresh=fresh)
            if Action(action) in PERMISSIONS[g.role]
        }
    )
    minimal = []
    for code in codes:  # sorted, so an ancestor always comes before its descendants
        if not any(covers(kept, code) for kept in minimal):
            minimal.append(code)
    return minimal
