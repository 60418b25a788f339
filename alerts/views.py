"""The alerts page, marking alerts read, and what makes the portal an installable app (PWA):
the web manifest, the service worker and its offline page."""

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alerts.forms import AlertFilterForm, filter_alerts
from alerts.models import AlertEvent, AlertRead, AlertReadMark, mark_all_read, mark_read
from incidents.models import IncidentLevel

PAGE_SIZE = 50


@login_required
def alert_list(request):
    alerts = AlertEvent.objects.visible_to(request.user).recent()
    newest = alerts.values_list("pk", flat=True).first() or 0
    form = AlertFilterForm(request.GET)
    if form.is_valid():
        alerts = filter_alerts(alerts, form.cleaned_data, request.user)
    page = Paginator(_with_read_state(alerts, request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "rows": [(alert, _detail(alert)) for alert in page],
        "newest": newest,
        "days": settings.ALERTS_PAGE_DAYS,
    }
    return render(request, "alerts/alert_list.html", context, status=400 if form.errors else 200)


def _with_read_state(alerts, user):
    mark = AlertReadMark.objects.filter(user_id=user.pk).values_list("up_to", flat=True).first()
    read_alone = AlertRead.objects.filter(user_id=user.pk, event_id=OuterRef("pk"))
    return (
        alerts.select_related("area")
        .annotate(is_read=Q(pk__lte=mark or 0) | Exists(read_alone))
        .order_by("-pk")
    )


def _detail(alert):
    """A line under the title, in the reader's language."""
    payload = alert.payload
    if alert.kind == "kejadian_dinaikkan" and payload.get("level") in IncidentLevel.values:
        level = IncidentLevel(payload["level"]).label
        if payload.get("automatic"):
            return _("Naik otomatis ke tingkat %(level)s (lewat batas waktu)") % {"level": level}
        return _("Dinaikkan ke tingkat %(level)s") % {"level": level}
    if alert.kind == "kejadian_diteruskan" and payload.get("agency"):
        return _("Diteruskan ke %(agency)s") % {"agency": payload["agency"]}
    return ""


@login_required
@require_POST
def alert_read(request, pk):
    alert = get_object_or_404(AlertEvent.objects.visible_to(request.user), pk=pk)
    mark_read(request.user, alert)
    return _done(request, _("Peringatan ditandai sudah dibaca."))


@login_required
@require_POST
def alert_read_all(request):
    try:
        up_to = int(request.POST.get("up_to", ""))
    except ValueError:
        return _done(request, _("Permintaan tidak lengkap; muat ulang halaman."), status=400)
    mark_all_read(request.user, up_to)
    return _done(request, _("Semua peringatan ditandai sudah dibaca."))


def _done(request, message, status=200):
    """JSON for the page's script (fetch), otherwise back to where the form was."""
    if "application/json" in request.headers.get("Accept", ""):
        unread = AlertEvent.objects.visible_to(request.user).recent().unread_by(request.user)
        return JsonResponse({"detail": message, "unread": unread.count()}, status=status)
    if status >= 400:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("alerts:alert-list")
    return redirect(target)


# --- Installable app ------------------------------------------------------------------------

# What the service worker keeps so the portal opens (and says it is offline) on a bad network.
SHELL = [
    "css/app.css",
    "js/app.js",
    "js/alerts.js",
    "js/offline_queue.js",
    "js/offline.js",
    "img/favicon.svg",
    "img/icon-192.png",
]


@require_GET
def service_worker(request):
    shell = [static(path) for path in SHELL]
    context = {
        "version": _shell_version(tuple(shell)),
        "shell": json.dumps(shell),
        "offline": json.dumps(reverse("alerts:offline")),
        "icon": json.dumps(static("img/icon-192.png")),
        "queue_script": json.dumps(static("js/offline_queue.js")),
    }
    response = render(request, "alerts/sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def _shell_version(urls):
    if settings.DEBUG:  # unhashed file names while developing: follow the files' contents
        return _content_hash()
    return _url_hash(urls)


@lru_cache
def _url_hash(urls):
    return hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12]


def _content_hash():
    digest = hashlib.sha256()
    for path in SHELL:
        found = finders.find(path)
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


@require_GET
def manifest(request):
    data = {
        "name": "JakCCTV",
        "short_name": "JakCCTV",
        "description": _("Pemantauan CCTV per wilayah untuk DKI Jakarta"),
        "lang": request.LANGUAGE_CODE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f6f8",
        "theme_color": "#b4232a",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_GET
def offline(request):
    """What the service worker shows when a page cannot be reached: no data, nothing stale."""
    return render(request, "alerts/offline.html")
