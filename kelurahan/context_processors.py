from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kelurahan.access import can
from kelurahan.roles import Action

# (label, url name, icon, action needed). The sidebar and the phone's bottom bar share it,
# except the pages in _NOT_ON_BOTTOM_BAR (a phone has room for eight): the account page links
# to those.
_NAVIGATION = [
    (_("Beranda"), "home", "home", Action.VIEW),
    (_("Wilayah"), "area-list", "map", Action.VIEW),
    (_("Kamera"), "cameras:camera-list", "camera", Action.VIEW),
    (_("Dinding video"), "cameras:wall", "wall", Action.VIEW_STREAMS),
    (_("Peta"), "cameras:map", "pin", Action.VIEW),
    (_("Kejadian"), "incident-list", "alert", Action.VIEW),
    (_("Piket"), "shift-current", "piket", Action.VIEW),
    (_("Perbaikan"), "maintenance:ticket-list", "camera", Action.VIEW_TICKETS),
    (_("Kelola orang"), "people-list", "people", Action.MANAGE_ROLES),
    (_("Jejak"), "audit:trail", "trail", Action.VIEW_AUDIT),
    (_("Laporan"), "reports:report", "chart", Action.EXPORT),
    (_("Permohonan data"), "datarequests:list", "user", Action.MANAGE_REQUESTS),
    (_("Akun"), "account", "user", None),
]
_NOT_ON_BOTTOM_BAR = {
    "audit:trail",
    "people-list",
    "reports:report",
    "datarequests:list",
    "maintenance:ticket-list",
}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for label, url_name, icon, action in _NAVIGATION:
        if action is None or can(user, action):
            url = reverse(url_name)
            current = request.path == url or (url != "/" and request.path.startswith(url))
            items.append(
                {
                    "label": label,
                    "url": url,
                    "icon": icon,
                    "current": current,
                    "bottom": url_name not in _NOT_ON_BOTTOM_BAR,
                }
            )
    return {"nav_items": items, "can_administer": can(user, Action.ADMINISTER)}
