"""The public request form (no account) and the staff's answer forms."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera
from common.dates import within_years
from datarequests.models import RefusalReason
from incidents.forms import PhotoField
from kelurahan.models import Area
from kelurahan.roles import Level

_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RequestForm(forms.Form):
    name = forms.CharField(label=_("Nama lengkap (sesuai dokumen identitas)"), max_length=120)
    contact = forms.CharField(label=_("Surel atau nomor telepon"), max_length=120)
    area = forms.ModelChoiceField(
        label=_("Kelurahan"),
        queryset=Area.objects.filter(level=Level.KELURAHAN).order_by("name"),
        to_field_name="code",
        empty_label=_("— pilih kelurahan —"),
    )
    camera = forms.ModelChoiceField(
        label=_("Kamera (jika tahu)"),
        queryset=Camera.objects.public().select_related("area").order_by("area_id", "name"),
        required=False,
        empty_label=_("— tidak tahu / semua kamera publik di kelurahan itu —"),
        help_text=_("Hanya kamera publik di kelurahan yang Anda pilih."),
    )
    period_start = forms.DateTimeField(
        label=_("Rekaman dari (WIB)"), widget=_WHEN, validators=[within_years]
    )
    period_end = forms.DateTimeField(
        label=_("Rekaman sampai (WIB)"), widget=_WHEN, validators=[within_years]
    )
    reason = forms.CharField(
        label=_("Alasan permohonan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    id_document = PhotoField(
        label=_("Foto KTP atau dokumen identitas"),
        help_text=_("Hanya untuk memeriksa bahwa Anda subjek data; dihapus sesuai masa simpan."),
    )
    consent = forms.BooleanField(
        label=_("Saya menyatakan data di atas benar dan rekaman yang diminta memuat diri saya.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].label_from_instance = lambda area: f"{area.name} ({area.code})"
        self.fields["camera"].label_from_instance = lambda c: f"{c.name} — {c.area.name}"


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Alasan penolakan"), choices=RefusalReason.choices)
    note = forms.CharField(
        label=_("Keterangan untuk pemohon"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GrantForm(forms.Form):
    clip = forms.ModelChoiceField(
        label=_("Klip rekaman yang diserahkan"),
        queryset=None,
        required=False,
        empty_label=_("— tanpa rekaman (tidak ada klip) —"),
        help_text=_(
            "Klip bukti dari kelurahan dan waktu permohonan ini; simpan dulu dari rekaman."
        ),
    )
    note = forms.CharField(
        label=_("Keterangan untuk pemohon"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, clips, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clip"].queryset = clips
        self.fields["clip"].label_from_instance = lambda clip: (
            f"#{clip.pk} · {clip.camera.name} · {timezone.localtime(clip.start):%d-%m-%Y %H.%M}–"
            f"{timezone.localtime(clip.end):%H.%M} WIB"
        )
