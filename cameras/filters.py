"""The camera list's filters, shared by the page and the API: the page's form (its choices come
from what the user may see) and `filter_cameras`, which applies them."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera, Tag
from kelurahan.access import scope_codes
from kelurahan.models import Area, in_areas
from kelurahan.roles import Level

# Areas offered in the list's area filter (RW and RT only when they are the user's own scope).
_FILTER_LEVELS = [Level.KOTA, Level.KECAMATAN, Level.KELURAHAN]


class CameraFilterForm(forms.Form):
    """Validates the list's query string; `filter_cameras` applies it."""

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


def filter_cameras(cameras, params):
    """The list filters shared by the camera page (its form's cleaned data) and the API
    (CameraQuery's)."""
    if params.get("area"):
        cameras = cameras.filter(in_areas("area__code", [params["area"]]))
    if params.get("tag"):
        cameras = cameras.filter(tags__slug=params["tag"])
    status = params.get("status")
    if status == "online":
        cameras = cameras.filter(online=True, status=Camera.Status.ACTIVE)
    elif status == "offline":
        cameras = cameras.filter(online=False, status=Camera.Status.ACTIVE)
    elif status in Camera.Status.values:
        cameras = cameras.filter(status=status)
    if params.get("public") in {"1", True}:
        cameras = cameras.filter(is_public=True)
    if params.get("q"):
        query = params["q"].strip()
        cameras = cameras.filter(Q(name__icontains=query) | Q(code__icontains=query))
    # No DISTINCT: the one join (a tag, by its unique slug) matches each camera at most once.
    return cameras
