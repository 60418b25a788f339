from django import forms
from django.utils.translation import gettext_lazy as _

from kelurahan.models import Maintainer
from maintenance.models import MANUAL_REASONS
from maintenance.queries import STATUS_CHOICES


class TicketListForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    maintainer = forms.ModelChoiceField(
        label=_("Pemelihara"), queryset=Maintainer.objects.all(), required=False
    )
    area = forms.CharField(label=_("Kode wilayah"), max_length=30, required=False)


class TicketOpenForm(forms.Form):
    reason = forms.ChoiceField(label=_("Alasan"), choices=MANUAL_REASONS)
    description = forms.CharField(
        label=_("Keterangan"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class TicketNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Catatan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )
    photo = forms.FileField(label=_("Foto"), required=False)


class TicketRepairedForm(forms.Form):
    text = forms.CharField(label=_("Catatan perbaikan"), max_length=4000, required=False)
