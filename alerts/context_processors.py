from django.urls import reverse
from django.utils.translation import gettext as _

from alerts.models import AlertEvent, Kind, alert_scope
from incidents.models import Severity


def alerts(request):
    """The unread badge and the live client's configuration, for signed-in users' pages.

    Both are callables: templates evaluate them only where base.html shows them.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not alert_scope(user):
        return {}
    return {
        "alerts_live": True,
        "alerts_unread": lambda: _unread(user),
        "alerts_config": lambda: _config(user),
    }


def _unread(user):
    return AlertEvent.objects.visible_to(user).recent().unread_by(user).count()


def _config(user):
    newest = AlertEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return {
        "user": user.pk,
        "since": newest or 0,
        "socket": "/ws/alerts/",
        "page": reverse("alerts:alert-list"),
        "markRead": reverse("alerts:alert-read", args=[0]),
        "worker": reverse("alerts:service-worker"),
        "kinds": {kind.value: str(kind.label) for kind in Kind},
        "severities": {severity.value: str(severity.label) for severity in Severity},
        "texts": {
            "open": _("Lihat"),
            "close": _("Tutup"),
            "mute": _("Bisukan suara"),
            "unmute": _("Nyalakan suara"),
            "missed": _("%(n)s peringatan terlewat selama koneksi terputus"),
            "live": _("Peringatan langsung tersambung"),
            "connecting": _("Menyambungkan peringatan langsung…"),
            "offline": _("Offline: peringatan langsung terputus, mencoba lagi"),
            "ended": _("Sesi berakhir: muat ulang halaman untuk masuk lagi"),
            "cameraOnline": _("Online"),
            "cameraOfflineSince": _("Offline sejak %(time)s"),
            "newIncidents": _("Ada %(n)s kejadian baru atau diperbarui."),
            "incidentUpdated": _("Kejadian ini diperbarui."),
            "newAlerts": _("Ada %(n)s peringatan baru."),
            "reload": _("Muat ulang"),
            "notifyOn": _("Notifikasi browser aktif"),
            "notifyDenied": _("Notifikasi diblokir di pengaturan browser"),
        },
    }
