"""A user's report: the figures of their scope (or of the area they chose) as tables and charts.

Incidents come only from `Incident.objects.visible_to(user, Action.EXPORT)` and cameras only
from `Camera.objects.visible_to(user, Action.EXPORT)`: a report counts exactly what its reader
may see in the lists (an operator counts the incidents escalated to their level, as on
/kejadian/). Each table is one `Table`, rendered as HTML and as CSV from the same rows.
"""

from dataclasses import dataclass
from functools import cached_property

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cameras.models import Camera
from incidents.models import Category, Incident
from kelurahan.models import in_areas
from kelurahan.roles import Action
from reports.charts import Chart, Series
from reports.stats import (
    Breakdown,
    CameraTally,
    IncidentFigures,
    Tally,
    camera_figures,
    incident_cube,
)

# The tables of a report, by the slug of their CSV (/laporan/<slug>.csv).
TABLES = {
    "kejadian-bulan": gettext_lazy("Kejadian per bulan"),
    "kejadian-kategori": gettext_lazy("Kejadian per kategori"),
    "kejadian-wilayah": gettext_lazy("Kejadian per wilayah"),
    "sla": gettext_lazy("Kepatuhan batas waktu (SLA)"),
    "kamera": gettext_lazy("Kamera dan uptime"),
}


@dataclass
class Table:
    slug: str
    title: str
    header: list
    rows: list  # each a list of cells: text, a whole number, a percentage (float) or None
    total: list | None = None  # the "Jumlah" row
    codes: list | None = None  # the area code of each row, when rows are areas
    note: str = ""  # how the figures are counted, shown above the table

    @property
    def linked_rows(self):
        return list(zip(self.codes or [None] * len(self.rows), self.rows, strict=True))


def category_label(code):
    return Category(code).label


def month_label(month):
    return date_format(month, "F Y")


def breakdown_for(chosen, scope, areas):
    """The area rows: below the chosen area (or the user's one area), else the user's areas.

    `areas` maps the codes of the areas the user may report on (down to kelurahan) to Areas.
    """
    if chosen is None and len(scope) == 1:
        chosen = areas.get(scope[0])
    if chosen is not None:
        children = [area for area in areas.values() if area.parent_id == chosen.code]
        return Breakdown.below(chosen, children)
    return Breakdown([areas[code] for code in scope if code in areas])


class Report:
    def __init__(self, *, user, scope, areas, chosen, period, category, now):
        """`scope`: the user's area codes for reports; `areas`: {code: Area} of the areas they
        may report on, down to kelurahan; `chosen`: one of those, or None for all."""
        self.user = user
        self.chosen = chosen
        self.period = period
        self.category = category
        self.now = now
        self.areas = areas
        self.codes = [chosen.code] if chosen else scope
        self.breakdown = breakdown_for(chosen, scope, areas)

    @property
    def here(self):
        """The one area the report covers (its rows need no link to it), or ""."""
        return self.codes[0] if len(self.codes) == 1 else ""

    @property
    def title(self):
        return self.areas[self.here].name if self.here in self.areas else _("Semua wilayah saya")

    @property
    def first_month(self):
        return month_label(self.period.first)

    @property
    def last_month(self):
        return month_label(self.period.last)

    @property
    def category_label(self):
        return category_label(self.category) if self.category else ""

    # --- Figures (each computed once, on first use) ---

    @cached_property
    def incidents(self):
        incidents = Incident.objects.visible_to(self.user, Action.EXPORT).filter(
            in_areas("area__code", self.codes),
            created_at__gte=self.period.start,
            created_at__lt=self.period.end,
        )
        if self.category:
            incidents = incidents.filter(category=self.category)
        cube = incident_cube(incidents, key=self.breakdown.key("area"), now=self.now)
        return IncidentFigures.of(cube)

    @cached_property
    def cameras(self):
        cameras = Camera.objects.visible_to(self.user, Action.EXPORT).filter(
            in_areas("area__code", self.codes)
        )
        end = min(self.period.end, self.now)
        return camera_figures(cameras, breakdown=self.breakdown, start=self.period.start, end=end)

    @cached_property
    def camera_total(self):
        total = CameraTally()
        for tally in self.cameras.values():
            total.add(tally)
        return total

    def categories(self):
        return [self.category] if self.category else self.incidents.categories()

    def area_rows(self):
        return [(area.code, area.name) for area in self.breakdown.areas]

    # --- Tables ---

    def table(self, slug):
        return getattr(self, "_table_" + slug.replace("-", "_"))()

    def sections(self):
        """(table, chart) pairs in the page's order."""
        charts = [
            self.month_chart,
            self.category_chart,
            self.area_chart,
            self.sla_chart,
            self.camera_chart,
        ]
        return [(self.table(slug), chart()) for slug, chart in zip(TABLES, charts, strict=True)]

    def _table_kejadian_bulan(self):
        categories = self.categories()
        rows = []
        for month in self.period.months:
            counts = self.incidents.by_month.get(month, {})
            cells = [counts.get(c, 0) for c in categories]
            rows.append([month_label(month), *cells, sum(counts.values())])
        totals = [self.incidents.by_category.get(c, 0) for c in categories]
        return Table(
            "kejadian-bulan",
            str(TABLES["kejadian-bulan"]),
            [_("Bulan"), *map(category_label, categories), _("Jumlah")],
            rows,
            [_("Jumlah"), *totals, self.incidents.total.total],
        )

    def _table_kejadian_kategori(self):
        total = self.incidents.total.total
        shown = (
            [self.category]
            if self.category
            else sorted(Category.values, key=lambda c: (-self.incidents.by_category.get(c, 0), c))
        )
        rows = []
        for category in shown:
            count = self.incidents.by_category.get(category, 0)
            rows.append([category_label(category), count, 100 * count / total if total else None])
        return Table(
            "kejadian-kategori",
            str(TABLES["kejadian-kategori"]),
            [_("Kategori"), _("Jumlah"), _("Bagian (%)")],
            rows,
            [_("Jumlah"), total, 100.0 if total else None],
        )

    def _table_kejadian_wilayah(self):
        categories = self.categories()
        rows = []
        for code, name in self.area_rows():
            counts = self.incidents.by_place_category.get(code, {})
            cells = [counts.get(c, 0) for c in categories]
            rows.append([code, name, *cells, sum(counts.values())])
        totals = [self.incidents.by_category.get(c, 0) for c in categories]
        return Table(
            "kejadian-wilayah",
            str(TABLES["kejadian-wilayah"]),
            [_("Kode"), _("Wilayah"), *map(category_label, categories), _("Jumlah")],
            rows,
            ["", _("Jumlah"), *totals, self.incidents.total.total],
            codes=[code for code, _name in self.area_rows()],
        )

    def _table_sla(self):
        rows = [
            [code, name, *_sla_cells(self.incidents.by_place.get(code, Tally()))]
            for code, name in self.area_rows()
        ]
        return Table(
            "sla",
            str(TABLES["sla"]),
            [
                _("Kode"),
                _("Wilayah"),
                _("Kejadian"),
                _("Diterima tepat waktu"),
                _("Sudah dinilai (terima)"),
                _("Diterima tepat waktu (%)"),
                _("Selesai tepat waktu"),
                _("Sudah dinilai (tindak lanjut)"),
                _("Selesai tepat waktu (%)"),
                _("Masih terbuka"),
                _("Terlambat sekarang"),
            ],
            rows,
            ["", _("Jumlah"), *_sla_cells(self.incidents.total)],
            codes=[code for code, _name in self.area_rows()],
            note=_(
                "Diterima tepat waktu: diterima (atau ditutup) sebelum batas terima menurut "
                "tingkat bahaya, dihitung dari saat dilaporkan. Selesai tepat waktu: selesai atau "
                "ditutup sebelum batas tindak lanjut. Persentase dihitung dari kejadian yang "
                "batasnya sudah lewat atau yang sudah ditangani. Terlambat sekarang: masih "
                "terbuka melewati batas tindak lanjut."
            ),
        )

    def _table_kamera(self):
        rows = [
            [code, name, *_camera_cells(self.cameras.get(code, CameraTally()))]
            for code, name in self.area_rows()
        ]
        return Table(
            "kamera",
            str(TABLES["kamera"]),
            [
                _("Kode"),
                _("Wilayah"),
                _("Kamera"),
                _("Beroperasi"),
                _("Daring sekarang"),
                _("Daring sekarang (%)"),
                _("Uptime periode (%)"),
            ],
            rows,
            ["", _("Jumlah"), *_camera_cells(self.camera_total)],
            codes=[code for code, _name in self.area_rows()],
            note=_(
                "Uptime: bagian waktu kamera yang beroperasi berada dalam keadaan daring selama "
                "periode ini (sampai sekarang), dari riwayat status kamera; waktu sebelum status "
                "pertama sebuah kamera tidak dihitung."
            ),
        )

    # --- Charts ---

    def month_chart(self):
        months = self.period.months
        series = [
            Series(
                category_label(c),
                c,
                [self.incidents.by_month.get(m, {}).get(c, 0) for m in months],
            )
            for c in self.categories()
        ]
        return Chart(
            _("Kejadian per bulan"), [month_label(m) for m in months], series, columns=True
        )

    def category_chart(self):
        categories = self.categories()
        counts = [self.incidents.by_category.get(c, 0) for c in categories]
        return Chart(
            _("Kejadian per kategori"),
            [category_label(c) for c in categories],
            [Series(_("Kejadian"), "count", counts)],
        )

    def area_chart(self):
        names = [name for _code, name in self.area_rows()]
        counts = [
            self.incidents.by_place.get(code, Tally()).total for code, _name in self.area_rows()
        ]
        return Chart(_("Kejadian per wilayah"), names, [Series(_("Kejadian"), "count", counts)])

    def sla_chart(self):
        tallies = [self.incidents.by_place.get(code, Tally()) for code, _n in self.area_rows()]
        return Chart(
            _("Kepatuhan batas waktu per wilayah"),
            [name for _code, name in self.area_rows()],
            [
                Series(_("Diterima tepat waktu"), "ack", [t.ack_share for t in tallies]),
                Series(_("Selesai tepat waktu"), "resolve", [t.resolve_share for t in tallies]),
            ],
            percent=True,
        )

    def camera_chart(self):
        tallies = [self.cameras.get(code, CameraTally()) for code, _name in self.area_rows()]
        return Chart(
            _("Uptime kamera per wilayah"),
            [name for _code, name in self.area_rows()],
            [Series(_("Uptime periode"), "uptime", [t.uptime for t in tallies])],
            percent=True,
        )


def _sla_cells(tally):
    return [
        tally.total,
        tally.ack_on_time,
        tally.ack_due,
        tally.ack_share,
        tally.resolved_on_time,
        tally.resolve_due,
        tally.resolve_share,
        tally.open,
        tally.overdue,
    ]


def _camera_cells(tally):
    online_share = 100 * tally.online / tally.in_service if tally.in_service else None
    return [tally.total, tally.in_service, tally.online, online_share, tally.uptime]
