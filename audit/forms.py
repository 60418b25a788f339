"""Filters of the audit pages: who, where, when (the viewing history's and the trail's)."""

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import Kind
from common.dates import within_years
from kelurahan.access import scope_codes
from kelurahan.codes import common_ancestor
from kelurahan.models import Area, User, in_areas
from kelurahan.roles import Action, Level


def start_of(day):
    """Midnight of `day` in Jakarta time."""
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditFilterForm(forms.Form):
    """Person, area (within the auditor's scope) and a period of WIB dates.

    Invalid filters are shown as form errors and not applied (`is_valid` decides which are).
    """

    person = forms.CharField(label=gettext_lazy("Pengguna"), required=False, max_length=150)
    area = forms.ModelChoiceField(
        label=gettext_lazy("Wilayah"),
        queryset=Area.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Semua wilayah"),
    )
    date_from = forms.DateField(
        label=gettext_lazy("Dari tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[within_years],
    )
    date_to = forms.DateField(
        label=gettext_lazy("Sampai tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[within_years],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Down to kelurahan: a list of every RW and RT would be too long to choose from.
        areas = Area.objects.visible_to(user, Action.VIEW_AUDIT)
        self.fields["area"].queryset = areas.exclude(level__in=[Level.RW, Level.RT])

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("Tanggal akhir sebelum tanggal awal."))
        return data

    def valid_data(self):
        """The filters that are valid (an invalid one is shown as an error, not applied)."""
        self.is_valid()
        return self.cleaned_data

    def filters(self):
        """The valid filters as text, kept with an export's trail row."""
        shown = {}
        for key, value in self.valid_data().items():
            if value:
                shown[key] = value.code if isinstance(value, Area) else str(value)
        return shown

    def export_area(self):
        """Where an export's trail row belongs: the area filtered on, else the auditor's whole
        scope (its narrowest common area)."""
        area = self.valid_data().get("area")
        return area.code if area else common_ancestor(scope_codes(self.user, Action.VIEW_AUDIT))

    def people(self):
        """Users whose username or name holds the person filter (None: no such filter).

        Matched in the small user table first, so a big audit table is searched by user id.
        """
        person = self.valid_data().get("person")
        if not person:
            return None
        return User.objects.filter(
            Q(username__icontains=person)
            | Q(first_name__icontains=person)
            | Q(last_name__icontains=person)
        ).values("pk")

    def filter_area(self, rows, area_field):
        area = self.valid_data().get("area")
        return rows.filter(in_areas(area_field, [area.code])) if area else rows

    def filter_period(self, rows, time_field):
        data = self.valid_data()
        if data.get("date_from"):
            rows = rows.filter(**{f"{time_field}__gte": start_of(data["date_from"])})
        if data.get("date_to"):
            end = start_of(data["date_to"] + timedelta(days=1))
            rows = rows.filter(**{f"{time_field}__lt": end})
        return rows


class TrailFilterForm(AuditFilterForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Jenis"),
        choices=[("", gettext_lazy("Semua jenis")), *Kind.choices],
        required=False,
    )
    field_order = ["person", "kind", "area", "date_from", "date_to"]

    def filter(self, entries):
        people = self.people()
        if people is not None:
            # Also the names tried in failed sign-ins, which belong to no user.
            tried = Q(actor__isnull=True, actor_name__icontains=self.valid_data()["person"])
            entries = entries.filter(Q(actor__in=people) | tried)
        entries = self.filter_area(entries, "area__code")
        entries = self.filter_period(entries, "at")
        kind = self.valid_data().get("kind")
        return entries.filter(kind=kind) if kind else entries
