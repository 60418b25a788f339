"""Public statistics and transparency: what anyone may know.

The statistics are counts at kecamatan level or coarser: public cameras in service per kecamatan
(and how many are online), and incidents per kecamatan, month and category. Never a person's
name, a reporter, a title, a description, a point, or anything below kecamatan.

The transparency figures (UU 27/2022) name each public camera (already on the public camera
page) with its purpose and signage; non-public cameras only as counts per kelurahan, never a
name or a point; the retention periods in force; and aggregate figures on data requests and on
repairs (from apps that answer `public_figures_wanted`).

Both are plain data computed in a few grouped queries and cached for PUBLIC_STATS_CACHE_SECONDS;
the page and the JSON API read them.
"""

from statistics import median

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from cameras.models import Camera
from common.retention import kinds
from datarequests.models import ANSWERED, DataRequest
from incidents.models import Incident
from kelurahan.models import Area
from kelurahan.roles import Level
from kelurahan.signals import public_figures_wanted
from reports.stats import CODE_LENGTH, WIB, Period, month_of

PUBLIC_MONTHS = 12
KECAMATAN = CODE_LENGTH[Level.KECAMATAN]
KELURAHAN = CODE_LENGTH[Level.KELURAHAN]


def public_figures(now=None):
    now = now or timezone.now()
    key = f"reports:public:v1:{month_of(now):%Y-%m}"
    figures = cache.get(key)
    if figures is None:
        figures = compute_public_figures(now)
        cache.set(key, figures, settings.PUBLIC_STATS_CACHE_SECONDS)
    return figures


def compute_public_figures(now):
    period = Period.last_months(PUBLIC_MONTHS, now)
    areas = Area.objects.filter(level__in=[Level.KOTA, Level.KECAMATAN]).order_by("code")
    cameras = (
        Camera.objects.public()
        .annotate(kecamatan=Substr("area_id", 1, KECAMATAN))
        .values("kecamatan")
        .annotate(total=Count("pk"), online=Count("pk", filter=Q(online=True)))
        .order_by("kecamatan")
    )
    incidents = (
        Incident.objects.counted_publicly()
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(
            kecamatan=Substr("area_id", 1, KECAMATAN),
            month=TruncMonth("created_at", tzinfo=WIB),
        )
        .values("kecamatan", "month", "category")
        .annotate(count=Count("pk"))
        .order_by()  # sorted below: a sort in the database would spill to disk
    )
    return {
        "generated_at": now.astimezone(WIB).isoformat(timespec="seconds"),
        "months": [f"{month:%Y-%m}" for month in period.months],
        "areas": [
            {"code": a.code, "name": a.name, "level": a.level, "parent": a.parent_id} for a in areas
        ],
        "cameras": [
            {"area": row["kecamatan"], "public_cameras": row["total"], "online": row["online"]}
            for row in cameras
        ],
        "incidents": [
            {
                "area": row["kecamatan"],
                "month": f"{month_of(row['month']):%Y-%m}",
                "category": row["category"],
                "count": row["count"],
            }
            for row in sorted(incidents, key=lambda r: (r["kecamatan"], r["month"], r["category"]))
        ],
    }


# --- Transparency (UU 27/2022 Art. 17 and 32) ---------------------------------------------------


def transparency_figures(now=None):
    """What the public may know about how cameras are used: each public camera's purpose and
    signage, non-public cameras as counts per kelurahan only (never a name or a point), the
    retention periods in force, and how requests and repairs are answered. Cached like
    `public_figures`."""
    now = now or timezone.now()
    key = f"reports:transparency:v1:{month_of(now):%Y-%m}"
    figures = cache.get(key)
    if figures is None:
        figures = compute_transparency(now)
        cache.set(key, figures, settings.PUBLIC_STATS_CACHE_SECONDS)
    return figures


def compute_transparency(now):
    period = Period.last_months(PUBLIC_MONTHS, now)
    public = Camera.objects.public().select_related("area").order_by("area_id", "name")
    hidden = (
        Camera.objects.filter(is_public=False)
        .exclude(status=Camera.Status.RETIRED)
        .annotate(kelurahan=Substr("area_id", 1, KELURAHAN))
        .values("kelurahan")
        .annotate(count=Count("pk"))
        .order_by("kelurahan")
    )
    names = dict(
        Area.objects.filter(code__in=[row["kelurahan"] for row in hidden]).values_list(
            "code", "name"
        )
    )
    in_service = Camera.objects.filter(status=Camera.Status.ACTIVE)
    extra = []
    for _receiver, answer in public_figures_wanted.send(sender=None, now=now):
        extra.extend(answer or [])
    return {
        "public_cameras": [
            {
                "name": camera.name,
                "area": camera.area.name,
                "purpose": camera.purpose,
                "signage": camera.signage,
                "signage_label": str(camera.get_signage_display()),
            }
            for camera in public
        ],
        "non_public_cameras": [
            {
                "area": row["kelurahan"],
                "name": names.get(row["kelurahan"], ""),
                "count": row["count"],
            }
            for row in hidden
        ],
        "retention": [
            {"label": str(kept.label), "days": getattr(settings, kept.setting)} for kept in kinds()
        ],
        "requests": request_figures(period.start, period.end),
        "cameras_in_service": in_service.count(),
        "cameras_online": in_service.filter(online=True).count(),
        "extra": extra,
    }


def request_figures(start, end):
    """Requests filed in [start, end): how many, how many answered in time, the median answer
    time in hours (of those answered)."""
    filed = DataRequest.objects.filter(created_at__gte=start, created_at__lt=end)
    answered = filed.filter(status__in=ANSWERED).values_list("created_at", "answered_at", "due_at")
    hours = [(done - filed_at).total_seconds() / 3600 for filed_at, done, _due in answered]
    return {
        "received": filed.count(),
        "answered": len(hours),
        "answered_in_time": sum(1 for _filed, done, due in answered if done <= due),
        "median_answer_hours": round(median(hours), 1) if hours else None,
    }
