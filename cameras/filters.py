"""The camera list's filter form: its choices come from what the user may see."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera, Tag
from kelurahan.access import scope_codes
from kelurahan.models import Area
from kelurahan.roles import Level

# Areas offered in the list's area filter (RW and RT only when they are the user's own scope).
_FILTER_LEVELS = [Level.KOTA, Level.KECAMATAN, Level.KELURAHAN]


class CameraFilterForm(forms.Form):
    """Validates the list's query string; `filter_cameras` (cameras/api.py) applies it."""

    q = forms.CharField(label=_("Cari nama atau kode"), required=False, max_length=100)
    area = forms.ChoiceField(label=_("Wilayah"), required=False)
    tag = forms.ChoiceField(label=_("Label"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Semua status")),
            ("online", _("Online")),
            ("offline", _("Offline")),
            (Camera.Status.MAINTENANCE, _("Dalam perbaikan")),
            (Camera.Status.RETIRED, _("Nonaktif")),
        ],
    )
    public = forms.ChoiceField(
        label=_("Publik"),
        required=False,
        choices=[("", _("Semua kamera")), ("1", _("Hanya kamera publik"))],
    )

    def __init__(self, data, *, user, cameras):
        super().__init__(data)
        self.fields["area"].choices = [("", _("Semua wilayah")), *_area_choices(user, data)]
        tags = Tag.objects.filter(cameras__in=cameras).distinct().values_list("slug", "name")
        self.fields["tag"].choices = [("", _("Semua label")), *tags]


def _area_choices(user, data):
    """The user's visible kota, kecamatan and kelurahan, their own areas and the chosen one."""
    wanted = Q(level__in=_FILTER_LEVELS) | Q(code__in=scope_codes(user))
    if data.get("area"):
        wanted |= Q(code=data["area"])
    areas = Area.objects.visible_to(user).filter(wanted).order_by("code")
    return [(area.code, "\u2003" * max(area.depth - 2, 0) + str(area)) for area in areas]
