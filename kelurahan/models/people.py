"""People: users, their role assignments (who holds which role where, and until when) and bulk
imports of people and roles (the upload page keeps the file between the dry run and applying it,
and what each step found). Who may see or change what is decided by the door, kelurahan/access."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kelurahan.access import can, forget_grants, scope_codes
from kelurahan.codes import level_of_code
from kelurahan.models.areas import Area, in_areas
from kelurahan.models.maintainers import Maintainer
from kelurahan.roles import MAINTAINER_ROLES, RANK, ROLE_LEVELS, Action, Level, Role


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
        """Assignments in the areas where `user` may manage roles (their own included); a
        technician's assignment (no area) is seen by who administers the province."""
        technicians = Q(area__isnull=True) if can(user, Action.ADMINISTER) else Q(pk__in=[])
        return self.filter(in_areas("area__code", scope_codes(user, action)) | technicians)

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
    # Every role is held in an area, except a technician's (MAINTAINER_ROLES): held for a
    # maintainer organisation, over its cameras, and watching them only when the provincial
    # admin ticks may_view_streams (the constraint below keeps the two shapes apart).
    area = models.ForeignKey(
        Area,
        verbose_name=_("wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    maintainer = models.ForeignKey(
        Maintainer,
        verbose_name=_("pemelihara"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    may_view_streams = models.BooleanField(_("boleh menonton kamera"), default=False)
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
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=list(MAINTAINER_ROLES),
                        area__isnull=True,
                        maintainer__isnull=False,
                    )
                    | (
                        ~Q(role__in=list(MAINTAINER_ROLES))
                        & Q(area__isnull=False, maintainer__isnull=True, may_view_streams=False)
                    )
                ),
                name="assignment_area_or_maintainer",
            ),
        ]

    def __str__(self):
        where = self.maintainer.name if self.maintainer_id else self.area.name
        return f"{self.user} · {self.get_role_display()} · {where}"

    @property
    def scope_name(self):
        """Where the role is held: the area's name, or the maintainer organisation's."""
        return self.maintainer.name if self.maintainer_id else self.area.name

    def clean(self):
        if self.role in MAINTAINER_ROLES:
            if not self.maintainer_id:
                raise ValidationError({"maintainer": _("Teknisi harus punya pemelihara.")})
            if self.area_id:
                raise ValidationError({"area": _("Teknisi tidak diberikan untuk wilayah.")})
        elif self.maintainer_id or self.may_view_streams:
            raise ValidationError(
                {"maintainer": _("Hanya peran Teknisi yang diberikan untuk pemelihara.")}
            )
        elif self.role and not self.area_id:
            raise ValidationError({"area": _("Peran ini harus diberikan untuk wilayah.")})
        if self.area_id and self.role and self.role not in MAINTAINER_ROLES:
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
    # What the dry run found at upload, then what applying it did (kelurahan.people.importing).
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
