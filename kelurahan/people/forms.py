"""Forms of the people pages. Choices are scoped like everything else: a manager picks only
roles ranked below their own and areas where they manage roles."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.dates import within_years
from kelurahan.access import grant_problem, roles_grantable_anywhere
from kelurahan.codes import level_of_code
from kelurahan.models import Area
from kelurahan.people.services import NAME_MAX_LENGTH, USERNAME_MAX_LENGTH
from kelurahan.roles import Action, Level, Role

# The areas offered while typing (RW and RT are typed by code: there are too many to list).
SUGGESTED_LEVELS = (Level.PROVINSI, Level.KOTA, Level.KECAMATAN, Level.KELURAHAN)
IMPORT_MAX_BYTES = 5 * 1024 * 1024

STATUSES = [
    ("", _("Semua status")),
    ("aktif", _("Aktif")),
    ("diundang", _("Belum menerima undangan")),
    ("tanpa_peran", _("Tanpa peran aktif")),
    ("nonaktif", _("Nonaktif")),
]


def manageable_areas(user):
    return Area.objects.visible_to(user, Action.MANAGE_ROLES)


def area_suggestions(user):
    return manageable_areas(user).filter(level__in=SUGGESTED_LEVELS).order_by("code")


class AreaInput(forms.CharField):
    """An area typed by code (31.74.01.1002) or by name (Tebet Barat), among `areas`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Wilayah"))
        kwargs.setdefault("help_text", _("Ketik nama atau kode wilayah; RW dan RT dengan kodenya."))
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"list": "area-choices", "autocomplete": "off"})
        )
        kwargs.setdefault("error_messages", {"required": _("Pilih wilayah.")})
        super().__init__(*args, **kwargs)
        self.areas = Area.objects.none()

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        if level_of_code(value) is not None:
            area = self.areas.filter(code=value).first()
        else:
            name = _without_level(value)
            matches = list(self.areas.filter(name__iexact=name)[:2])
            if len(matches) > 1:
                raise forms.ValidationError(
                    _("Ada beberapa wilayah bernama %s: pilih dari daftar atau tulis kodenya.")
                    % name
                )
            area = matches[0] if matches else None
        if area is None:
            raise forms.ValidationError(_("Wilayah tidak ditemukan di wilayah kelolaan Anda."))
        return area.code


def _without_level(text):
    """'Kelurahan Tebet Barat' -> 'Tebet Barat' (as the suggestions show names)."""
    for level in Level:
        prefix = f"{level.label} "
        if text.lower().startswith(prefix.lower()):
            return text[len(prefix) :].strip()
    return text.strip()


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Peran"), error_messages={"required": _("Pilih peran.")})
    area = AreaInput()
    valid_until = forms.DateTimeField(
        label=_("Berlaku sampai (WIB)"),
        required=False,
        help_text=_("Kosongkan bila tanpa batas waktu."),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Tulis tanggal dan jam seperti 31/12/2026 23:59.")},
        validators=[within_years],
    )

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager = manager
        roles = roles_grantable_anywhere(manager)
        self.fields["role"].choices = [("", _("— pilih peran —"))] + [
            (role.value, role.label) for role in Role if role in roles
        ]
        self.fields["area"].areas = manageable_areas(manager)
        self.fields["role"].error_messages["invalid_choice"] = _(
            "Anda hanya dapat memberikan peran di bawah peran Anda sendiri."
        )

    def clean(self):
        data = super().clean()
        role, area = data.get("role"), data.get("area")
        if role and area and (problem := grant_problem(self.manager, Role(role), area)):
            self.add_error(problem[0], problem[1])
        return data


class InviteForm(GrantForm):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("Tautan untuk membuat kata sandi dikirim ke alamat ini."),
        error_messages={
            "required": _("Email wajib diisi."),
            "invalid": _("Alamat email tidak valid."),
        },
    )
    first_name = forms.CharField(
        label=_("Nama depan"),
        max_length=NAME_MAX_LENGTH,
        error_messages={"required": _("Nama depan wajib diisi.")},
    )
    last_name = forms.CharField(
        label=_("Nama belakang"), max_length=NAME_MAX_LENGTH, required=False
    )
    username = forms.CharField(
        label=_("Nama pengguna"),
        max_length=USERNAME_MAX_LENGTH,
        required=False,
        help_text=_("Boleh dikosongkan: dibuat dari alamat email."),
    )

    field_order = ["email", "first_name", "last_name", "username", "role", "area", "valid_until"]


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Cari"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Peran"), required=False)
    area = forms.CharField(
        label=_("Kode wilayah"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"list": "area-choices", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("Semua peran")), *Role.choices]
        self.fields["q"].widget.attrs["placeholder"] = _("Nama, nama pengguna atau email")

    def clean_area(self):
        code = self.cleaned_data["area"].strip()
        if code and level_of_code(code) is None:
            raise forms.ValidationError(_("Kode wilayah tidak valid."))
        return code


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas CSV"),
        error_messages={
            "required": _("Pilih berkas CSV."),
            "empty": _("Berkas ini kosong."),
            "invalid": _("Pilih berkas CSV."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    invite = forms.BooleanField(
        label=_("Kirim email undangan ke orang baru"), required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("Berkas terlalu besar (paling besar 5 MB)."))
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("Berkas harus berupa teks UTF-8 (simpan dari Excel sebagai CSV UTF-8).")
            ) from None
