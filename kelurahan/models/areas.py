"""Areas (Kemendagri codes from the province down to RT) and kelurahan boundaries, with the
indexed "everything under X" lookup every scoped query is built on."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kelurahan.access import scope_codes
from kelurahan.codes import ancestor_codes, code_matches_level, parent_code_of
from kelurahan.roles import LEVEL_DEPTH, Action, Level


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
