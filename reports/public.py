"""Public statistics: what anyone may know, at kecamatan level or coarser.

Only counts leave this module: public cameras in service per kecamatan (and how many are online),
and incidents per kecamatan, month and category. Never a person's name, a reporter, a title, a
description, a point, a non-public camera, or anything below kecamatan. The figures are plain
data (codes and counts), computed in three grouped queries and cached for
PUBLIC_STATS_CACHE_SECONDS; the page and the JSON API both read them.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from cameras.models import Camera
from incidents.models import Incident
from kelurahan.models import Area
from kelurahan.roles import Level
from reports.stats import CODE_LENGTH, WIB, Period, month_of

PUBLIC_MONTHS = 12
KECAMATAN = CODE_LENGTH[Level.KECAMATAN]


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
