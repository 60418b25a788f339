"""Forms of the incident pages: raising one (camera, phone, shift note), filtering the list, and
the actions on one incident. Choices come from what the user may see."""

import math

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cameras.models import Camera
from common.images import ImageRefused, clean_image
from incidents.models import Category, Severity, Status
from incidents.queries import OPEN, IncidentFilterForm, agencies_for
from incidents.services import IncidentRefused, place_of, statuses_open_to
from kelurahan.access import scope_codes
from kelurahan.codes import ancestor_at, depth_of
from kelurahan.models import Area, in_areas
from kelurahan.roles import LEVEL_DEPTH, Action, Level

# Where an incident can be placed (the service's rule): a kelurahan, an RW or an RT.
_PLACE_LEVELS = [Level.KELURAHAN, Level.RW, Level.RT]
_FILTER_LEVELS = [Level.KOTA, Level.KECAMATAN, Level.KELURAHAN]


class PhotoField(forms.FileField):
    """An image from the phone's camera or a snapshot: cleaned to a CleanImage (EXIF gone)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget = forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/*"})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        try:
            return clean_image(upload)
        except ImageRefused as refused:
            raise forms.ValidationError(refused.message) from None


class IncidentForm(forms.Form):
    """Raise an incident: what, how bad, where (an area of one's own, the phone's position or
    the camera), and a photo."""

    WHERE_AREA, WHERE_GPS = "wilayah", "gps"

    category = forms.ChoiceField(
        label=gettext_lazy("Kategori"),
        choices=[("", gettext_lazy("Pilih kategori…")), *Category.choices],
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Tingkat bahaya"),
        choices=Severity.choices,
        initial=Severity.SEDANG,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=gettext_lazy("Judul singkat"),
        max_length=160,
        required=False,
        help_text=gettext_lazy("Boleh kosong: diisi dari kategori dan wilayah."),
    )
    description = forms.CharField(
        label=gettext_lazy("Uraian"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    where = forms.ChoiceField(
        label=gettext_lazy("Lokasi kejadian"),
        choices=[
            (WHERE_AREA, gettext_lazy("Pilih wilayah")),
            (WHERE_GPS, gettext_lazy("Lokasi saya sekarang (GPS)")),
        ],
        initial=WHERE_AREA,
        widget=forms.RadioSelect,
        required=False,
    )
    area = forms.ChoiceField(label=gettext_lazy("Wilayah"), required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    camera = forms.ModelChoiceField(
        queryset=Camera.objects.none(), required=False, widget=forms.HiddenInput
    )
    catatan = forms.IntegerField(required=False, widget=forms.HiddenInput)
    photo = PhotoField(label=gettext_lazy("Foto"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["camera"].queryset = Camera.objects.visible_to(user, Action.CREATE_INCIDENT)
        self.fields["area"].choices = [("", _("Pilih wilayah…")), *place_choices(user)]
        # The phone's camera opens straight away on phones; a file picker elsewhere.
        self.fields["photo"].widget.attrs["capture"] = "environment"

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        lat, lon = data.get("lat"), data.get("lon")
        for value in (lat, lon):
            if value is not None and not math.isfinite(value):
                raise forms.ValidationError(_("Titik lokasi tidak valid."))
        camera = data.get("camera")
        try:
            if camera is not None:
                data["area_code"] = place_of(camera=camera)
            elif data.get("where") == self.WHERE_GPS:
                if lat is None or lon is None:
                    self.add_error("where", _("Tekan “Gunakan lokasi saya” dan izinkan akses."))
                    return data
                data["area_code"] = place_of(lat=lat, lon=lon)
            else:
                if not data.get("area"):
                    self.add_error("area", _("Pilih wilayah kejadian."))
                    return data
                data["area_code"] = place_of(area_code=data["area"])
                data["lat"] = data["lon"] = None  # the point belongs to the other choice
        except IncidentRefused as refused:
            field = "where" if data.get("where") == self.WHERE_GPS else "area"
            self.add_error(field, refused.message)
        return data


def place_choices(user):
    """Kelurahan, RW and RT the user may report in, grouped by kecamatan. RW and RT only under
    a kelurahan-level assignment: a city operator's list would otherwise run to thousands."""
    codes = scope_codes(user, Action.CREATE_INCIDENT)
    near = [code for code in codes if depth_of(code) >= LEVEL_DEPTH[Level.KELURAHAN]]
    wanted = Q(level=Level.KELURAHAN) | (Q(level__in=_PLACE_LEVELS) & in_areas("code", near))
    areas = list(Area.objects.visible_to(user, Action.CREATE_INCIDENT).filter(wanted))
    kecamatan = {area.code: ancestor_at(area.code, Level.KECAMATAN) for area in areas}
    parents = dict(Area.objects.filter(code__in=kecamatan.values()).values_list("code", "name"))
    groups = {}
    for area in areas:
        label = "\u2003" * (area.depth - 4) + area.name
        parent = kecamatan[area.code]
        group = _("Kecamatan %s") % parents.get(parent, parent)
        groups.setdefault(group, []).append((area.code, label))
    return list(groups.items())


class IncidentListForm(IncidentFilterForm):
    """The list page's filters: the area is one of the user's; open incidents by default."""

    area = forms.ChoiceField(label=gettext_lazy("Wilayah"), required=False)

    def __init__(self, data, *, user):
        data = data.copy()
        data.setdefault("status", OPEN)
        data.setdefault("ordering", "deadline")
        super().__init__(data)
        self.fields["status"].choices = self.fields["status"].choices[1:]
        self.fields["area"].choices = [("", _("Semua wilayah")), *_filter_area_choices(user, data)]
        self.fields.pop("since")


def _filter_area_choices(user, data):
    wanted = Q(level__in=_FILTER_LEVELS) | Q(code__in=scope_codes(user))
    if data.get("area"):
        wanted |= Q(code=data["area"])
    areas = Area.objects.visible_to(user).filter(wanted).order_by("code")
    return [(area.code, "\u2003" * max(area.depth - 2, 0) + str(area)) for area in areas]


# --- Actions on one incident ------------------------------------------------------------------


class NoteField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Catatan"))
        kwargs.setdefault("required", False)
        super().__init__(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), **kwargs)


class ActionForm(forms.Form):
    """One action on one incident; `prefix` keeps the fields of the forms on one page apart."""

    def __init__(self, *args, incident, user, **kwargs):
        kwargs.setdefault("prefix", self.slug)
        super().__init__(*args, **kwargs)
        self.incident, self.user = incident, user


class AcknowledgeForm(ActionForm):
    slug = "terima"
    note = NoteField()


class EscalateForm(ActionForm):
    slug = "naikkan"
    note = NoteField()


class CommentForm(ActionForm):
    slug = "komentar"
    note = NoteField(label=gettext_lazy("Komentar"), required=True)


class TransitionForm(ActionForm):
    slug = "status"
    to = forms.ChoiceField(label=gettext_lazy("Status baru"))
    reason = forms.CharField(
        label=gettext_lazy("Alasan ditutup"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Wajib bila ditutup: laporan palsu, ganda, …"),
    )
    note = NoteField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = statuses_open_to(self.user, self.incident)
        if self.incident.status == Status.BARU:
            choices = [s for s in choices if s != Status.DITERIMA]  # the "Terima" button does it
        self.fields["to"].choices = [("", _("Pilih status…"))] + [
            (s.value, s.label) for s in choices
        ]

    def clean(self):
        data = super().clean()
        if data.get("to") == Status.DITUTUP and not data.get("reason", "").strip():
            self.add_error("reason", _("Sebutkan alasan kejadian ditutup."))
        return data


class ForwardForm(ActionForm):
    slug = "teruskan"
    agencies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Instansi"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Pilih minimal satu instansi.")},
    )
    note = NoteField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies_for(self.incident, self.user)


class AttachForm(ActionForm):
    slug = "lampiran"
    photo = PhotoField(label=gettext_lazy("Gambar"))
    note = NoteField()


ACTION_FORMS = {
    form.slug: form
    for form in (
        AcknowledgeForm,
        EscalateForm,
        CommentForm,
        TransitionForm,
        ForwardForm,
        AttachForm,
    )
}
