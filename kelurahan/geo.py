"""Which kelurahan contains a GPS point: bounding boxes first, then an even-odd ray test.

267 simplified polygons fit in memory; the index is built on first use and rebuilt after
`import_boundaries` (in that process) or after BOUNDARY_INDEX_TTL seconds (in the others).
"""

import time
from dataclasses import dataclass

from kelurahan.models import AreaBoundary

BOUNDARY_INDEX_TTL = 600

_index = {"built": 0.0, "entries": None}


@dataclass(frozen=True)
class _Entry:
    code: str
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    polygons: tuple  # of polygons; each a tuple of rings; each a tuple of (lon, lat)


def _entries():
    if _index["entries"] is None or time.monotonic() - _index["built"] > BOUNDARY_INDEX_TTL:
        _index["entries"] = [
            _Entry(
                code=b.area_id,
                min_lon=b.min_lon,
                min_lat=b.min_lat,
                max_lon=b.max_lon,
                max_lat=b.max_lat,
                polygons=tuple(
                    tuple(tuple((lon, lat) for lon, lat in ring) for ring in polygon)
                    for polygon in b.coordinates
                ),
            )
            for b in AreaBoundary.objects.all()
        ]
        _index["built"] = time.monotonic()
    return _index["entries"]


def forget_boundaries():
    """Drop the in-memory index so the next lookup reads the boundaries again."""
    _index["entries"] = None


def kelurahan_code_at(lat, lon):
    """The code of the kelurahan whose boundary contains (lat, lon), or None outside Jakarta."""
    for entry in _entries():
        if entry.min_lon <= lon <= entry.max_lon and entry.min_lat <= lat <= entry.max_lat:
            if any(_in_polygon(lon, lat, polygon) for polygon in entry.polygons):
                return entry.code
    return None


def boundary_contains(code, lat, lon):
    """Whether kelurahan `code`'s official boundary contains (lat, lon); None when that boundary
    is not loaded (a point then cannot be checked against it)."""
    for entry in _entries():
        if entry.code == code:
            inside_box = (
                entry.min_lon <= lon <= entry.max_lon and entry.min_lat <= lat <= entry.max_lat
            )
            return inside_box and any(_in_polygon(lon, lat, polygon) for polygon in entry.polygons)
    return None


def _in_polygon(x, y, polygon):
    """Inside the outer ring and outside every hole."""
    outer, *holes = polygon
    return _in_ring(x, y, outer) and not any(_in_ring(x, y, hole) for hole in holes)


def _in_ring(x, y, ring):
    inside = False
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
        x1, y1 = x2, y2
    return inside
