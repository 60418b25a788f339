"""How much disk each media node needs to keep its recordings for the configured retention.

A node stores each recorded camera's stream as it arrives (stream copy, no re-encoding), so what
it needs is the sum over its cameras of bitrate x seconds kept. The bitrate is CAMERA_BITRATE_KBPS
unless given; the retention is RECORDING_DAYS. Printed by `manage.py storage_forecast`.
"""

from dataclasses import dataclass

from django.conf import settings

from cameras.nodes import cameras_of, serving_nodes

DAY = 86_400


@dataclass
class NodeForecast:
    node: object
    cameras: int
    kbps: int  # sum of the cameras' bitrates
    days: int

    @property
    def bytes_per_day(self):
        return self.kbps * 1000 // 8 * DAY

    @property
    def bytes_needed(self):
        return self.bytes_per_day * self.days

    @property
    def bytes_available(self):
        gb = self.node.storage_gb
        return None if gb is None else gb * 10**9

    @property
    def fits(self):
        available = self.bytes_available
        return None if available is None else self.bytes_needed <= available


def storage_forecast(*, days=None, kbps=None):
    """One NodeForecast per serving node, for its active cameras."""
    days = settings.RECORDING_DAYS if days is None else days
    kbps = settings.CAMERA_BITRATE_KBPS if kbps is None else kbps
    forecasts = []
    for node in serving_nodes():
        count = cameras_of(node).streamable().count()
        forecasts.append(NodeForecast(node=node, cameras=count, kbps=count * kbps, days=days))
    return forecasts
