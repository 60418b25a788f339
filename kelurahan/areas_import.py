"""Loading official area codes (CSV) and kelurahan boundaries (GeoJSON).

Both loaders check every row first and write nothing when any row is wrong, so a bad file
never leaves a half-imported tree; both are idempotent (re-running changes nothing).
"""

import csv
import gzip
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from common.progress import progress
from kelurahan.codes import code_matches_level, depth_of, parent_code_of
from kelurahan.models import Area, AreaBoundary
from kelurahan.roles import Level

# Levels as they appear in official lists, mapped onto ours.
LEVEL_ALIASES = {
    "provinsi": Level.PROVINSI,
    "kabupaten_kota": Level.KOTA,
    "kota": Level.KOTA,
    "kabupaten": Level.KOTA,
    "kecamatan": Level.KECAMATAN,
    "kelurahan": Level.KELURAHAN,
    "desa": Level.KELURAHAN,
    "rw": Level.RW,
    "rt": Level.RT,
}
REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")

# The official list and boundaries shipped with the project (origin and licence: data/NOTICE).
DATA_DIR = Path(__file__).resolve().parent / "data"
OFFICIAL_AREAS = DATA_DIR / "jakarta_wilayah.csv.gz"
OFFICIAL_BOUNDARIES = DATA_DIR / "jakarta_kelurahan.geojson.gz"


class ImportRejected(Exception):
    """The file has errors; nothing was written. `errors` lists them, one line each."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list = field(default_factory=list)


def _open_text(path, encoding):
    """A text file, gzip-compressed or not (by its name)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    return opener(path, "rt", newline="", encoding=encoding)


def import_areas(path=OFFICIAL_AREAS, *, stream=None):
    """Load a `code,name,level,parent_code[,lat,lon]` CSV (or .csv.gz) into Area."""
    try:
        with _open_text(path, "utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ImportRejected([_("Kolom wajib tidak ada: %s.") % ", ".join(missing)])
            # The reader's line number, right even after blank lines or multi-line cells.
            rows = [(reader.line_num, row) for row in reader]
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, csv.Error) as error:
        raise ImportRejected([_("Berkas CSV tidak dapat dibaca: %s") % error]) from error

    errors, areas, lines = [], {}, {}
    for line, row in rows:
        area, problem = _area_from_row(row)
        if problem is None and area.code in areas:
            problem = _("kode %s muncul dua kali") % area.code
        if problem:
            errors.append(_("Baris %(line)d: %(problem)s.") % {"line": line, "problem": problem})
        else:
            areas[area.code], lines[area.code] = area, line
    parents = {a.parent_id for a in areas.values() if a.parent_id}
    known = set(areas) | set(Area.objects.filter(code__in=parents).values_list("code", flat=True))
    for code, area in areas.items():
        if area.parent_id and area.parent_id not in known:
            errors.append(
                _("Baris %(line)d: wilayah induk %(parent)s tidak dikenal.")
                % {"line": lines[code], "parent": area.parent_id}
            )
    if errors:
        raise ImportRejected(errors)

    # Parents before children, so every foreign key points at a row that exists.
    ordered = sorted(areas.values(), key=lambda a: (depth_of(a.code), a.code))
    return _save(ordered, Area, ["name", "level", "parent_id", "lat", "lon"], "code", stream)


def _area_from_row(row):
    code = (row.get("code") or "").strip()
    name = (row.get("name") or "").strip()
    level = LEVEL_ALIASES.get((row.get("level") or "").strip().lower())
    parent = (row.get("parent_code") or "").strip()
    if not code:
        return None, _("kode kosong")
    if not name:
        return None, _("nama kosong")
    if level is None:
        return None, _("tingkat %r tidak dikenal") % row.get("level")
    if not code_matches_level(code, level):
        return None, _("kode %(code)s tidak sesuai format %(level)s") % {
            "code": code,
            "level": level.label,
        }
    if parent != parent_code_of(code):
        return None, _("induk %(parent)r tidak cocok dengan kode %(code)s") % {
            "parent": parent,
            "code": code,
        }
    try:
        lat, lon = _optional_float(row.get("lat")), _optional_float(row.get("lon"))
    except ValueError:
        return None, _("lintang/bujur bukan angka")
    if (lat is not None and not -90 <= lat <= 90) or (lon is not None and not -180 <= lon <= 180):
        return None, _("lintang/bujur di luar jangkauan")
    area = Area(code=code, name=name, level=level, parent_id=parent or None, lat=lat, lon=lon)
    return area, None


def _optional_float(raw):
    raw = (raw or "").strip()
    if not raw:
        return None
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def import_boundaries(path=OFFICIAL_BOUNDARIES, *, stream=None):
    """Load kelurahan outlines from a GeoJSON FeatureCollection (properties.code), or .gz."""
    try:
        with _open_text(path, "utf-8") as handle:
            collection = json.load(handle)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRejected([_("Berkas GeoJSON tidak dapat dibaca: %s") % error]) from error
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise ImportRejected([_("Berkas bukan FeatureCollection GeoJSON.")])

    codes = [str((f.get("properties") or {}).get("code", "")) for f in features]
    kelurahan = set(
        Area.objects.filter(code__in=codes, level=Level.KELURAHAN).values_list("code", flat=True)
    )
    errors, boundaries = [], {}
    for number, (feature, code) in enumerate(zip(features, codes, strict=True), start=1):
        boundary, problem = _boundary_from_feature(feature, code, kelurahan)
        if problem is None and code in boundaries:
            problem = _("kode %s muncul dua kali") % code
        if problem:
            errors.append(
                _("Fitur #%(number)d (%(code)s): %(problem)s.")
                % {"number": number, "code": code or "?", "problem": problem}
            )
        else:
            boundaries[code] = boundary
    if errors:
        raise ImportRejected(errors)
    fields = ["coordinates", "min_lon", "min_lat", "max_lon", "max_lat"]
    return _save(list(boundaries.values()), AreaBoundary, fields, "area_id", stream)


def _boundary_from_feature(feature, code, kelurahan):
    if code not in kelurahan:
        return None, _("bukan kode kelurahan yang sudah diimpor")
    geometry = feature.get("geometry") or {}
    if geometry.get("type") == "Polygon":
        polygons = [geometry.get("coordinates")]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry.get("coordinates")
    else:
        return None, _("geometri harus Polygon atau MultiPolygon")
    try:
        polygons = [
            [[[float(lon), float(lat)] for lon, lat, *_rest in ring] for ring in polygon]
            for polygon in polygons
        ]
    except (TypeError, ValueError):
        return None, _("koordinat tidak valid")
    points = [point for polygon in polygons for ring in polygon for point in ring]
    if not points or any(len(ring) < 4 for polygon in polygons for ring in polygon):
        return None, _("poligon kosong atau terlalu sedikit titik")
    if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in points):
        return None, _("koordinat di luar jangkauan")
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    boundary = AreaBoundary(
        area_id=code,
        coordinates=polygons,
        min_lon=min(lons),
        min_lat=min(lats),
        max_lon=max(lons),
        max_lat=max(lats),
    )
    return boundary, None


def _save(objects, model, fields, key, stream):
    """Create what is new, update what differs, leave the rest untouched: all or nothing."""
    result = ImportResult()
    with transaction.atomic():
        existing = model.objects.in_bulk([getattr(o, key) for o in objects], field_name=key)
        to_create, to_update = [], []
        label = model._meta.verbose_name_plural
        for obj in progress(objects, total=len(objects), label=str(label), stream=stream):
            current = existing.get(getattr(obj, key))
            if current is None:
                to_create.append(obj)
            elif any(getattr(current, f) != getattr(obj, f) for f in fields):
                to_update.append(obj)
            else:
                result.unchanged += 1
        model.objects.bulk_create(to_create, batch_size=500)
        model.objects.bulk_update(to_update, fields, batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)
    result.codes = [getattr(o, key) for o in objects]
    return result
