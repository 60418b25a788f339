from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def wib(value, fmt="j M Y H.i"):
    """A datetime in Jakarta time with its zone spelled out: '23 Nov 2026 14.05 WIB'."""
    if not value:
        return ""
    return f"{date_format(timezone.localtime(value), fmt)} WIB"


@register.simple_tag
def now_wib():
    return wib(timezone.now(), "l, j F Y H.i")


@register.simple_tag(takes_context=True)
def offline_config(context):
    """What static/js/offline.js needs (the waiting queue): the signed-in person (None on the
    service worker's offline page), the largest photo kept offline, the texts."""
    from django.conf import settings
    from django.utils.html import json_script
    from django.utils.translation import gettext as _

    user = context.get("user")
    config = {
        "user": user.pk if getattr(user, "is_authenticated", False) else None,
        "maxBytes": settings.INCIDENT_ATTACHMENT_MAX_BYTES,
        "texts": {
            "waiting": _("Menunggu sinyal: %(n)s belum terkirim"),
            "catatan": _("Catatan"),
            "pengamatan": _("Pengamatan"),
            "laporan": _("Laporan kejadian"),
            "photo": _("dengan foto"),
            "refused": _("ditolak server, tidak dikirim ulang"),
            "signin": _("terkirim setelah Anda masuk lagi"),
            "drop": _("Hapus"),
            "tooBig": _(
                "Foto lebih besar dari %(limit)s MB tidak dapat disimpan untuk dikirim nanti."
            ),
        },
    }
    return json_script(config, "offline-config")
