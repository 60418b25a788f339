"""How much disk each media node needs to keep its recordings for the configured retention.

A node stores each recorded camera's stream as it arrives (stream copy, no re-encoding), so what
it needs is the sum over its recorded cameras of bitrate x seconds kept. A camera's bitrate is
what its recorded hours of the last day measured (bytes over seconds in the index), else
CAMERA_BITRATE_KBPS; its retention is its own `recording_days`, else RECORDING_DAYS. Both can be
overridden for a what-if. Printed by `manage.py storage_forecast`.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from cameras.models import RecordingHour
from cameras.nodes import cameras_of, serving_nodes

DAY = 86_400


@dataclass
class NodeForecast:
    node: object
    cameras: int = 0
    kbps: float = 0.0  # sum of the cameras' bitrates
    bytes_per_day: int = 0
    bytes_needed: int = 0

    @property
    def bytes_available(self):
        gb = self.node.storage_gb
        return None if gb is None else gb * 10**9

    @property
    def fits(self):
        available = self.bytes_available
        return None if available is None else self.bytes_needed <= available


def measured_kbps(camera_ids, now=None):
    """{camera id: kbit/s} from the recorded hours of the last day (cameras with none left out)."""
    since = (now or timezone.now()) - timedelta(days=1)
    rows = (
        RecordingHour.objects.filter(camera_id__in=camera_ids, hour__gte=since, seconds__gt=0)
        .values("camera_id")
        .annotate(total_bytes=Sum("bytes"), total_seconds=Sum("seconds"))
    )
    return {
        row["camera_id"]: row["total_bytes"] * 8 / row["total_seconds"] / 1000
        for row in rows
        if row["total_seconds"] >= 60
    }


def storage_forecast(*, days=None, kbps=None):
    """One NodeForecast per serving node, for its active cameras marked for recording."""
    forecasts = []
    for node in serving_nodes():
        cameras = list(
            cameras_of(node).streamable().filter(record=True).values_list("pk", "recording_days")
        )
        measured = measured_kbps([pk for pk, _days in cameras]) if kbps is None else {}
        forecast = NodeForecast(node=node)
        for pk, own_days in cameras:
            rate = kbps or measured.get(pk) or settings.CAMERA_BITRATE_KBPS
            kept = days or own_days or settings.RECORDING_DAYS
            per_day = int(rate * 1000 / 8 * DAY)
            forecast.cameras += 1
            forecast.kbps += rate
            forecast.bytes_per_day += per_day
            forecast.bytes_needed += per_day * kept
        forecasts.append(forecast)
    return forecasts
