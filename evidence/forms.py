"""The forms of the evidence pages (the API reads the same through evidence/api.py)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera
from common.dates import within_years
from evidence.services import default_range, forwarded_agencies
from kelurahan.roles import Action

WIB_INPUT = "%Y-%m-%dT%H:%M:%S"


class WibDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=WIB_INPUT, attrs={"step": "1"}, **kwargs)


class ClipForm(forms.Form):
    """ "Simpan rekaman": a camera and a range, proposed around the incident's time (WIB)."""

    camera = forms.ModelChoiceField(Camera.objects.none(), label=_("Kamera"))
    start = forms.DateTimeField(
        label=_("Mulai (WIB)"), widget=WibDateTimeInput(), validators=[within_years]
    )
    end = forms.DateTimeField(
        label=_("Selesai (WIB)"), widget=WibDateTimeInput(), validators=[within_years]
    )

    def __init__(self, *args, incident, user, **kwargs):
        super().__init__(*args, **kwargs)
        cameras = Camera.objects.visible_to(user, Action.VIEW_RECORDINGS).filter(record=True)
        self.fields["camera"].queryset = cameras.order_by("name")
        if not self.is_bound:
            start, end = default_range(incident)
            self.initial.update(
                camera=incident.camera_id,
                start=timezone.localtime(start).replace(microsecond=0),
                end=timezone.localtime(end).replace(microsecond=0),
            )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan"),
        min_length=5,
        max_length=300,
        help_text=_("Dicatat dalam riwayat penanganan bukti, misalnya nomor surat permintaan."),
    )


class LinkForm(ReasonForm):
    agency = forms.ModelChoiceField(None, label=_("Instansi"))

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = forwarded_agencies(incident)


class VerifyForm(forms.Form):
    sha256 = forms.RegexField(
        regex=r"^\s*[0-9a-fA-F]{64}\s*$",
        label="SHA-256",
        error_messages={"invalid": _("SHA-256 terdiri dari 64 angka heksadesimal.")},
        help_text=_(
            "Pilih berkasnya: sidik jarinya dihitung di peramban Anda, berkas tidak dikirim. "
            "Atau tempelkan hasil sha256sum."
        ),
    )
