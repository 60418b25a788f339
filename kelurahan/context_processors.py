from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kelurahan.access import can
from kelurahan.roles import Action

# (label, url name, icon, action needed). The sidebar and the phone's bottom bar share it.
_NAVIGATION = [
    (_("Beranda"), "home", "home", Action.VIEW),
    (_("Wilayah"), "area-list", "map", Action.VIEW),
    (_("Kamera"), "cameras:camera-list", "camera", Action.VIEW),
    (_("Dinding video"), "cameras:wall", "wall", Action.VIEW_STREAMS),
    (_("Peta"), "cameras:map", "pin", Action.VIEW),
    (_("Akun"), "account", "user", None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for label, url_name, icon, action in _NAVIGATION:
        if action is None or can(user, action):
            url = reverse(url_name)
            current = request.path == url or (url != "/" and request.path.startswith(url))
            items.append({"label": label, "url": url, "icon": icon, "current": current})
    return {"nav_items": items, "can_administer": can(user, Action.ADMINISTER)}
