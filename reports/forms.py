"""The report's filters: area (within the user's scope), months, category."""

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.dates import within_years
from incidents.models import Category
from kelurahan.access import scope_codes
from kelurahan.models import Area
from kelurahan.roles import Action, Level
from reports.stats import Period, add_months, month_of

REPORT_LEVELS = [Level.PROVINSI, Level.KOTA, Level.KECAMATAN, Level.KELURAHAN]
DEFAULT_MONTHS = 6
MAX_MONTHS = 36


class MonthField(forms.CharField):
    """A month as `YYYY-MM` (what <input type="month"> sends): the first day of that month."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})
    default_validators = [within_years]

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        found = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)
        if not found or not 1 <= int(found[2]) <= 12:
            raise forms.ValidationError(_("Bulan tidak valid: tulis seperti 2026-01."))
        return date(int(found[1]), int(found[2]), 1)

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, date) else value


class ReportForm(forms.Form):
    area = forms.ChoiceField(
        label=gettext_lazy("Wilayah"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Wilayah tidak dikenal atau di luar wilayah Anda.")
        },
    )
    month_from = MonthField(label=gettext_lazy("Dari bulan"), required=False)
    month_to = MonthField(label=gettext_lazy("Sampai bulan"), required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("Kategori"),
        required=False,
        choices=[("", gettext_lazy("Semua kategori")), *Category.choices],
        error_messages={"invalid_choice": gettext_lazy("Kategori tidak dikenal.")},
    )

    def __init__(self, data, *, user, now=None):
        now = now or timezone.now()
        if not data.get("month_from") and not data.get("month_to"):
            # Show the months the report covers, not empty boxes.
            last = month_of(now)
            data = data.copy()
            data["month_from"] = f"{add_months(last, 1 - DEFAULT_MONTHS):%Y-%m}"
            data["month_to"] = f"{last:%Y-%m}"
        super().__init__(data)
        self.now = now
        self.scope = scope_codes(user, Action.EXPORT)
        areas = Area.objects.visible_to(user, Action.EXPORT).filter(level__in=REPORT_LEVELS)
        self.areas = {area.code: area for area in areas.order_by("code")}
        everything = _("Semua wilayah saya") if len(self.scope) > 1 else _("Seluruh wilayah saya")
        levels = {level: str(label) for level, label in Level.choices}  # translated once
        self.fields["area"].choices = [
            ("", everything),
            *[
                (code, "\u2003" * (area.depth - 1) + f"{levels[area.level]} {area.name}")
                for code, area in self.areas.items()
            ],
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        last = data.get("month_to") or month_of(self.now)
        first = data.get("month_from") or add_months(last, 1 - DEFAULT_MONTHS)
        period = Period(first, last)
        if first > last:
            self.add_error("month_to", _("Bulan akhir sebelum bulan awal."))
        elif len(period.months) > MAX_MONTHS:
            self.add_error("month_from", _("Periode paling panjang %d bulan.") % MAX_MONTHS)
        data["period"] = period
        data["chosen"] = self.areas.get(data.get("area") or "")
        return data
