"""Forms of the piket pages. Choice fields are scoped like everything else: a note may link only
cameras and incidents the writer sees, in the shift's kelurahan."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera
from incidents.models import Incident
from kelurahan.models import in_areas
from shifts.services import HANDOVER_MAX_LENGTH, NOTE_MAX_LENGTH


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Catatan"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "data-autofocus": "",
                "placeholder": _("Apa yang terjadi? (Ctrl+Enter untuk menyimpan)"),
                "data-submit-shortcut": "",
            }
        ),
        error_messages={"required": _("Catatan tidak boleh kosong.")},
    )
    camera = forms.ModelChoiceField(
        label=_("Kamera"),
        queryset=Camera.objects.none(),
        required=False,
        empty_label=_("— tanpa kamera —"),
        error_messages={"invalid_choice": _("Pilih kamera di kelurahan shift ini.")},
    )
    incident = forms.ModelChoiceField(
        label=_("Kejadian"),
        queryset=Incident.objects.none(),
        required=False,
        empty_label=_("— tanpa kejadian —"),
        error_messages={"invalid_choice": _("Pilih kejadian di kelurahan shift ini.")},
    )

    def __init__(self, *args, user, kelurahan_code, **kwargs):
        super().__init__(*args, **kwargs)
        here = [kelurahan_code]
        cameras = Camera.objects.visible_to(user).filter(in_areas("area__code", here))
        self.fields["camera"].queryset = cameras.order_by("name")
        incidents = Incident.objects.visible_to(user).filter(in_areas("area__code", here))
        self.fields["incident"].queryset = incidents.open().order_by("-created_at")


class NoteEditForm(forms.Form):
    text = forms.CharField(
        label=_("Isi catatan"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "data-autofocus": "", "data-submit-shortcut": ""}),
        error_messages={"required": _("Catatan tidak boleh kosong.")},
    )


class HandoverForm(forms.Form):
    handover = forms.CharField(
        label=_("Ringkasan serah terima"),
        max_length=HANDOVER_MAX_LENGTH,
        help_text=_("Yang perlu diketahui shift berikutnya: kejadian terbuka, kamera bermasalah."),
        widget=forms.Textarea(attrs={"rows": 4, "data-submit-shortcut": ""}),
        error_messages={"required": _("Tulis ringkasan serah terima sebelum menutup shift.")},
    )


class SlotForm(forms.Form):
    label = forms.CharField(
        label=_("Nama"),
        max_length=40,
        error_messages={"required": _("Beri nama jadwal, misalnya Pagi.")},
    )
    starts = forms.TimeField(
        label=_("Mulai (WIB)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Isi jam mulai."),
            "invalid": _("Tulis jam seperti 07:00."),
        },
    )
    ends = forms.TimeField(
        label=_("Selesai (WIB)"),
        help_text=_("Lebih awal dari jam mulai: melewati tengah malam."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Isi jam selesai."),
            "invalid": _("Tulis jam seperti 23:00."),
        },
    )
    is_active = forms.BooleanField(label=_("Dipakai"), required=False, initial=True)
