"""Camera pages: the list, one camera's live view, the video wall, the map and the public page.

Every page starts from `Camera.objects.visible_to(user)` (the public page from
`Camera.objects.public()`); video itself is fetched by static/js/player.js with a token from the
stream endpoint, so the pages never carry a stream URL that works on its own.
"""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cameras import health
from cameras.filters import CameraFilterForm, filter_cameras
from cameras.models import Camera
from kelurahan.access import can
from kelurahan.roles import Action

WALL_SIZES = (1, 4, 9, 16)
LIST_PAGE_SIZE = 48
PUBLIC_PAGE_SIZE = 12


@login_required
def camera_list(request):
    cameras = Camera.objects.visible_to(request.user)
    form = CameraFilterForm(request.GET, user=request.user, cameras=cameras)
    if form.is_valid():
        cameras = filter_cameras(cameras, form.cleaned_data)
    cameras = cameras.select_related("area").prefetch_related("tags").order_by("area_id", "name")
    context = {
        "form": form,
        "page": Paginator(cameras, LIST_PAGE_SIZE).get_page(request.GET.get("page")),
        "wall_sizes": WALL_SIZES,
    }
    return render(request, "cameras/camera_list.html", context, status=400 if form.errors else 200)


@login_required
def camera_detail(request, pk):
    cameras = Camera.objects.visible_to(request.user).select_related("area")
    camera = get_object_or_404(cameras.prefetch_related("tags"), pk=pk)
    can_rewind = can(request.user, Action.VIEW_RECORDINGS, camera)
    context = {
        "camera": camera,
        "can_stream": can(request.user, Action.VIEW_STREAMS, camera),
        "can_rewind": can_rewind,
        "can_open_ticket": can(request.user, Action.OPEN_TICKET, camera),
        "can_report": can(request.user, Action.CREATE_INCIDENT, camera),
        "uptime": _uptime(camera),
        "player_config": _player_config(request),
    }
    if can_rewind:
        # ?t=<ISO 8601>: open at that moment (an incident's "lihat rekaman"); else live.
        context["recordings_config"] = _recordings_config(camera, request.GET.get("t", ""))
    return render(request, "cameras/camera_detail.html", context)


@login_required
def wall(request):
    """1, 4, 9 or 16 live tiles; the choice lives in the URL (?n=4&k=12,7,...)."""
    size = int(request.GET["n"]) if request.GET.get("n") in {"1", "4", "9", "16"} else 4
    cameras = Camera.objects.visible_to(request.user, Action.VIEW_STREAMS).streamable()
    cameras = cameras.select_related("area")
    picked = _picked_cameras(cameras, request.GET.getlist("k"))[:size]
    # Nothing (usable) chosen yet: the user's first cameras, those online first.
    chosen = picked or list(cameras.order_by("-online", "area_id", "name")[:size])
    tiles = [{"camera": c, "without": _wall_query(size, chosen, c)} for c in chosen]
    context = {
        "tiles": tiles + [None] * (size - len(tiles)),
        "size": size,
        "layouts": [(n, _wall_query(n, picked)) for n in WALL_SIZES],
        "player_config": _player_config(request),
    }
    return render(request, "cameras/wall.html", context)


@login_required
def camera_map(request):
    context = {
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "map_texts": _map_texts(),
    }
    return render(request, "cameras/map.html", context)


def public_list(request):
    """Public cameras for anyone, played through the same gate with an anonymous token."""
    cameras = Camera.objects.public().select_related("area").prefetch_related("tags")
    page = Paginator(cameras.order_by("area_id", "name"), PUBLIC_PAGE_SIZE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "player_config": _player_config(request),
    }
    return render(request, "cameras/public_list.html", context)


def _picked_cameras(cameras, values):
    """The cameras named by ?k=3&k=5 or ?k=3,5 that are in `cameras`, in the order given."""
    ids = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if re.fullmatch(r"[0-9]{1,12}", part) and int(part) not in ids:
                ids.append(int(part))
    found = cameras.in_bulk(ids[:100])
    return [found[pk] for pk in ids if pk in found]


def _wall_query(size, cameras, leave_out=None):
    keys = ",".join(str(c.pk) for c in cameras if c != leave_out)
    return urlencode({"n": size, "k": keys} if keys else {"n": size})


def _uptime(camera):
    """Uptime in percent today (WIB) and over the last 7 days."""
    return [
        (_("Uptime hari ini"), 100 * health.uptime_today([camera])[camera.pk]),
        (_("Uptime 7 hari terakhir"), 100 * health.uptime_last_7_days([camera])[camera.pk]),
    ]


def _player_config(request):
    """What static/js/player.js needs besides each player's data- attributes."""
    return {
        "csrf": get_token(request),
        # Loaded by player.js when a player first plays; the light build (no subtitles, DRM or
        # alternate audio, which cameras do not have) is a third smaller.
        "hls": static("vendor/hls.js/hls.light.min.js"),
        "snapshotSeconds": settings.SNAPSHOT_SECONDS,
        "texts": {
            "connecting": _("Menyambungkan…"),
            "reconnecting": _("Menyambung ulang…"),
            "offline": _("Offline sejak %(time)s WIB"),
            "offlineUnknown": _("Offline"),
            "refused": _("Anda tidak berhak melihat kamera ini."),
            "signedOut": _("Sesi Anda sudah berakhir. Silakan masuk lagi."),
            "unsupported": _("Peramban ini tidak dapat memutar siaran langsung."),
            "paused": _("Dijeda"),
            "snapshotFailed": _("Belum ada gambar untuk diambil."),
            "tapForLive": _("Ketuk untuk siaran langsung"),
            "still": _("Gambar terakhir kamera"),
        },
    }


def _recordings_config(camera, moment_text):
    """What static/js/recordings.js needs: the API addresses, the moment to open at, texts."""
    moment = parse_datetime(moment_text[:40]) if moment_text else None
    if moment is not None and moment.tzinfo is None:
        moment = None
    return {
        "timeline": reverse("api:camera-recordings", args=[camera.pk]),
        "playback": reverse("api:camera-playback", args=[camera.pk]),
        "openAt": moment.isoformat() if moment else None,
        "texts": {
            "live": _("Langsung"),
            "recording": _("Rekaman %(time)s WIB"),
            "noRecording": _("Tidak ada rekaman pada waktu itu."),
            "loadFailed": _("Rekaman tidak dapat dimuat."),
            "incident": _("Kejadian"),
            "note": _("Catatan piket"),
        },
    }


def _map_texts():
    return {
        "online": _("Online"),
        "offline": _("Offline"),
        "perbaikan": _("Dalam perbaikan"),
        "nonaktif": _("Nonaktif"),
        "open": _("Buka halaman kamera"),
        "loadFailed": _("Daftar kamera tidak dapat dimuat."),
    }
