"""The public statistics page's filter, tables and charts, built from `public_figures()` only
(kota and kecamatan codes with counts: nothing finer can reach this page)."""

from datetime import date, datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kelurahan.roles import Level
from reports.charts import Chart, Series
from reports.report import Table, category_label, month_label


class PublicForm(forms.Form):
    area = forms.ChoiceField(
        label=gettext_lazy("Wilayah"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Statistik publik tersedia untuk DKI Jakarta, kota dan kecamatan saja."
            )
        },
    )

    def __init__(self, data, *, figures):
        super().__init__(data)
        self.fields["area"].choices = [
            ("", _("Seluruh DKI Jakarta")),
            *[
                (
                    area["code"],
                    ("\u2003" if area["level"] == Level.KECAMATAN else "") + area["name"],
                )
                for area in figures["areas"]
            ],
        ]


class PublicStatistics:
    """Rows: the kota of Jakarta, or the kecamatan of the chosen kota, or the chosen kecamatan.

    The figures are per kecamatan; a row's code is the first characters of a kecamatan code
    (all rows are of one level), so one pass over them adds everything up."""

    def __init__(self, figures, chosen=""):
        self.figures = figures
        areas = figures["areas"]
        self.chosen = next((a for a in areas if a["code"] == chosen), None) if chosen else None
        if self.chosen is None:
            self.rows = [a for a in areas if a["level"] == Level.KOTA]
        elif self.chosen["level"] == Level.KOTA:
            self.rows = [a for a in areas if a["parent"] == chosen]
        else:
            self.rows = [self.chosen]
        self.months = [date.fromisoformat(f"{month}-01") for month in figures["months"]]
        self.by_row = {a["code"]: {} for a in self.rows}  # row → {category: count}
        self.cameras_by_row = {a["code"]: [0, 0] for a in self.rows}  # row → [public, online]
        self.by_month = {}  # "YYYY-MM" → {category: count}
        self.by_category = {}
        length = len(self.rows[0]["code"]) if self.rows else 0
        for row in figures["incidents"]:
            place = self.by_row.get(row["area"][:length])
            if place is None:
                continue  # outside the chosen area
            category, count = row["category"], row["count"]
            for counts in (place, self.by_month.setdefault(row["month"], {}), self.by_category):
                counts[category] = counts.get(category, 0) + count
        for row in figures["cameras"]:
            place = self.cameras_by_row.get(row["area"][:length])
            if place is not None:
                place[0] += row["public_cameras"]
                place[1] += row["online"]
        self.categories = sorted(self.by_category, key=lambda c: (-self.by_category[c], c))

    @property
    def title(self):
        return self.chosen["name"] if self.chosen else _("DKI Jakarta")

    @property
    def chosen_code(self):
        return self.chosen["code"] if self.chosen else ""

    @property
    def generated(self):
        return datetime.fromisoformat(self.figures["generated_at"])

    @property
    def camera_count(self):
        return sum(public for public, _online in self.cameras_by_row.values())

    @property
    def online_count(self):
        return sum(online for _public, online in self.cameras_by_row.values())

    @property
    def online_share(self):
        return _share(self.online_count, self.camera_count)

    @property
    def incident_count(self):
        return sum(self.by_category.values())

    def camera_table(self):
        rows = []
        for area in self.rows:
            public, online = self.cameras_by_row[area["code"]]
            rows.append([area["code"], area["name"], public, online, _share(online, public)])
        return Table(
            "kamera-publik",
            _("Kamera publik per wilayah"),
            [_("Kode"), _("Wilayah"), _("Kamera publik"), _("Daring sekarang"), _("Daring (%)")],
            rows,
            ["", _("Jumlah"), self.camera_count, self.online_count, self.online_share],
            codes=[area["code"] for area in self.rows],
        )

    def _totals(self):
        return [self.by_category[c] for c in self.categories]

    def month_table(self):
        rows = []
        for month in self.months:
            found = self.by_month.get(f"{month:%Y-%m}", {})
            cells = [found.get(c, 0) for c in self.categories]
            rows.append([month_label(month), *cells, sum(found.values())])
        return Table(
            "kejadian-bulan",
            _("Kejadian per bulan dan kategori"),
            [_("Bulan"), *map(category_label, self.categories), _("Jumlah")],
            rows,
            [_("Jumlah"), *self._totals(), self.incident_count],
        )

    def area_table(self):
        rows = []
        for area in self.rows:
            found = self.by_row[area["code"]]
            cells = [found.get(c, 0) for c in self.categories]
            rows.append([area["code"], area["name"], *cells, sum(found.values())])
        return Table(
            "kejadian-wilayah",
            _("Kejadian per wilayah dan kategori"),
            [_("Kode"), _("Wilayah"), *map(category_label, self.categories), _("Jumlah")],
            rows,
            ["", _("Jumlah"), *self._totals(), self.incident_count],
            codes=[area["code"] for area in self.rows],
        )

    def month_chart(self):
        series = [
            Series(
                category_label(c),
                c,
                [self.by_month.get(f"{m:%Y-%m}", {}).get(c, 0) for m in self.months],
            )
            for c in self.categories
        ]
        labels = [month_label(m) for m in self.months]
        return Chart(_("Kejadian per bulan dan kategori"), labels, series, columns=True)

    def area_chart(self):
        names = [area["name"] for area in self.rows]
        counts = [sum(self.by_row[area["code"]].values()) for area in self.rows]
        return Chart(_("Kejadian per wilayah"), names, [Series(_("Kejadian"), "count", counts)])

    def camera_chart(self):
        names = [area["name"] for area in self.rows]
        counts = [self.cameras_by_row[area["code"]] for area in self.rows]
        shares = [_share(online, public) for public, online in counts]
        return Chart(
            _("Kamera publik daring sekarang"),
            names,
            [Series(_("Daring sekarang"), "uptime", shares)],
            percent=True,
        )


def _share(part, whole):
    return 100 * part / whole if whole else None
