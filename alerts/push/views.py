"""The devices page (/akun/notifikasi/): turn notifications on for this device with a severity
threshold (static/js/push.js subscribes through the API), see one's devices, remove one; the
add-to-home-screen guide iOS requires before Safari offers Web Push."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts.push import keys
from alerts.push.models import PushSubscription
from alerts.push.services import PushRefused, push_unsubscribe
from incidents.models import Severity


@login_required
def push_devices(request):
    context = {
        "devices": PushSubscription.objects.of(request.user),
        "enabled": keys.enabled(),
        "severities": Severity.choices,
        "config": {
            "key": reverse("api:push-key"),
            "subscriptions": reverse("api:push-subscription-list"),
            "worker": reverse("alerts:service-worker"),
            "texts": {
                "unsupported": _("Peramban ini tidak mendukung notifikasi push."),
                "ios": _(
                    "Di iPhone dan iPad, tambahkan JakCCTV ke Layar Utama dulu, lalu buka dari "
                    "ikonnya (lihat panduan di bawah)."
                ),
                "denied": _("Notifikasi diblokir. Izinkan di pengaturan peramban, lalu coba lagi."),
                "failed": _("Perangkat ini belum dapat didaftarkan: %(reason)s"),
                "working": _("Mendaftarkan perangkat ini…"),
                "thisDevice": _("Perangkat ini"),
            },
        },
    }
    return render(request, "alerts/push_devices.html", context)


@login_required
@require_POST
def push_device_remove(request, pk):
    try:
        push_unsubscribe(user=request.user, subscription_id=pk)
    except PushRefused as refused:
        raise Http404(refused.message) from None
    messages.success(request, _("Perangkat dihapus; ia tidak lagi menerima notifikasi."))
    return redirect("alerts:push-devices")
