"""Loading cameras from a CSV file (`python manage.py import_cameras`).

Unlike the area import, a bad row is rejected on its own, with its line number and the reason,
and the good rows are still imported: in one transaction, with bulk writes. A camera whose code
already exists is updated, so re-running a file changes nothing. Columns left out of the file
keep their current value on update. Source URLs may carry passwords: no message shows one.
"""

import csv
import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cameras.models import Camera, Tag, send_retired
from cameras.nodes import place_unassigned
from common.progress import progress
from kelurahan.models import Area, Maintainer

REQUIRED_COLUMNS = ("code", "name", "area_code", "lat", "lon")
OPTIONAL_COLUMNS = (
    "kind",
    "tags",
    "funding",
    "sponsor",
    "installed_on",
    "public",
    "status",
    "source_url",
    "maintainer",  # a maintainer organisation's name, as in the admin (empty: none)
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# CSV column -> Camera field (tags are handled on their own).
FIELDS = {
    "name": "name",
    "area_code": "area_id",
    "lat": "lat",
    "lon": "lon",
    "kind": "kind",
    "funding": "funding",
    "sponsor": "sponsor",
    "installed_on": "installed_on",
    "public": "is_public",
    "status": "status",
    "source_url": "source_url",
    "maintainer": "maintainer_id",
}
COLUMN_OF = {"code": "code", "area": "area_code", **{f: c for c, f in FIELDS.items()}}

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
YES = {"1", "ya", "y", "yes", "true"}
NO = {"", "0", "tidak", "n", "no", "false"}
TAG_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"]*[\w@]", re.IGNORECASE)
BATCH = 500


class ImportRejected(Exception):
    """The file as a whole cannot be read (missing columns, not CSV); nothing was written."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


def mask_source_url(url):
    """'rtsp://admin:rahasia@10.0.0.5:554/live?x=1' -> 'rtsp://***@10.0.0.5:554/…'."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return "***"
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host = netloc.rpartition("@")[2]
    return f"{scheme}://{'***@' if '@' in netloc else ''}{host}/…"


def _scrub(text):
    """Mask anything that looks like a URL: a message may quote a cell holding a password."""
    return URL.sub(lambda match: mask_source_url(match.group()), text)


@dataclass
class RowError:
    line: int
    code: str  # empty when the code itself is unusable
    problems: list

    def __str__(self):
        where = _("Baris %d") % self.line
        if self.code:
            where += f" ({self.code})"
        return _scrub(f"{where}: {' '.join(self.problems)}")


@dataclass
class Change:
    line: int
    code: str
    columns: list = field(default_factory=list)  # what differs, for an update


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: int = 0
    rejected: list = field(default_factory=list)
    new_tags: list = field(default_factory=list)
    dry_run: bool = False


@dataclass
class _Plan:
    """What the write step does: cameras to create and update, tag sets to replace."""

    to_create: list = field(default_factory=list)
    to_update: list = field(default_factory=list)
    update_fields: set = field(default_factory=set)
    tags: dict = field(default_factory=dict)  # camera code -> tag slugs, where they change


def import_cameras(path, *, dry_run=False, stream=None):
    """Create or update cameras from a CSV; with dry_run, report the same and write nothing."""
    columns, rows = _read(path)
    with transaction.atomic():
        result, plan = _check(columns, rows, lock=not dry_run, stream=stream)
        result.dry_run = dry_run
        if not dry_run:
            _write(plan)
    return result


def _read(path):
    """The header's columns and the rows as (line number, {column: text})."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [(name or "").strip().lower() for name in reader.fieldnames or []]
            _check_header(columns)
            reader.fieldnames = columns
            rows = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as error:
        raise ImportRejected([_("Berkas harus berupa teks UTF-8.")]) from error
    except csv.Error as error:
        raise ImportRejected([_("Berkas CSV rusak: %s") % error]) from error
    return columns, rows


def _check_header(columns):
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in COLUMNS]
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    errors = []
    if missing:
        errors.append(_("Kolom wajib tidak ada: %s.") % ", ".join(missing))
        if len(columns) == 1 and ";" in columns[0]:
            errors.append(_("Pisahkan kolom dengan koma (,), bukan titik koma (;)."))
    if unknown:
        errors.append(_("Kolom tidak dikenal: %s.") % _scrub(", ".join(unknown)))
    if doubled:
        errors.append(_("Kolom muncul dua kali: %s.") % ", ".join(doubled))
    if errors:
        raise ImportRejected(errors)


def _check(columns, rows, *, lock, stream):
    """Check every row against the database; returns the result and the plan to write."""
    result, plan = ImportResult(), _Plan()
    parsed = [(line, *_parse(row, columns)) for line, row in rows]
    lines_of = {}
    for line, values, _problems in parsed:
        lines_of.setdefault(values.get("code"), []).append(line)
    areas = Area.objects.in_bulk({v["area_code"] for _l, v, _p in parsed if "area_code" in v})
    cameras = Camera.objects.select_for_update() if lock else Camera.objects.all()
    existing = cameras.in_bulk([code for code in lines_of if code], field_name="code")
    current_tags = _tags_of(existing.values())
    maintainers = {name.lower(): pk for pk, name in Maintainer.objects.values_list("pk", "name")}
    label = str(Camera._meta.verbose_name_plural)
    for line, values, problems in progress(parsed, total=len(parsed), label=label, stream=stream):
        code = values.get("code")
        if code and len(lines_of[code]) > 1:
            others = ", ".join(str(n) for n in lines_of[code] if n != line)
            problems.append(_("code: kode ini juga dipakai di baris %s.") % others)
        camera = existing.get(code) or Camera(code=code)
        changed = []
        if "maintainer" in values and not problems:
            name = values["maintainer"]
            if name and name.lower() not in maintainers:
                problems.append(_("maintainer: pemelihara %s tidak dikenal.") % name)
            values["maintainer"] = maintainers.get(name.lower()) if name else None
        if not problems:
            changed, problems = _apply(camera, values, areas)
        if problems:
            result.rejected.append(RowError(line, code or "", problems))
            continue
        if "tags" in values and set(values["tags"]) != current_tags.get(camera.pk, set()):
            changed.append("tags")
            plan.tags[code] = values["tags"]
        _plan_row(camera, Change(line, code, changed), result, plan)
    known_tags = set(Tag.objects.values_list("slug", flat=True))
    result.new_tags = sorted({slug for slugs in plan.tags.values() for slug in slugs} - known_tags)
    return result, plan


def _plan_row(camera, change, result, plan):
    """Sort a valid row into create / update / unchanged."""
    if camera.pk is None:
        plan.to_create.append(camera)
        result.created.append(Change(change.line, change.code))
    elif change.columns:
        plan.to_update.append(camera)
        plan.update_fields.update(FIELDS[c] for c in change.columns if c != "tags")
        result.updated.append(change)
    else:
        result.unchanged += 1


def _apply(camera, values, areas):
    """Put the row's values on the camera and validate it as the admin form would.

    Returns the columns whose value changes and the problems found.
    """
    area = areas.get(values["area_code"])
    if area is None:
        return [], [_("area_code: kode wilayah %s tidak dikenal.") % values["area_code"]]
    changed = []
    for column, name in FIELDS.items():
        if column in values and getattr(camera, name) != values[column]:
            changed.append(column)
            setattr(camera, name, values[column])
    camera.area = area  # the object itself, so that clean() reads its level without a query
    try:
        camera.clean_fields(exclude=["area"])  # the area was looked up above, in one query
        camera.clean()
    except ValidationError as error:
        return [], [
            f"{COLUMN_OF.get(name, name)}: {message}"
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return changed, []


def _parse(row, columns):
    """One row's cells as typed values, and the problems found on the way."""
    if None in row or None in row.values():
        return {}, [_("Jumlah kolom tidak sama dengan baris judul.")]
    values, problems = {}, []
    for column in columns:
        try:
            values[column] = PARSERS[column](row[column].strip())
        except ValueError as error:
            problems.append(f"{column}: {error}")
    return values, problems


def _required(raw):
    if not raw:
        raise ValueError(_("wajib diisi."))
    return raw


def _coordinate(raw):
    try:
        value = float(_required(raw).replace(",", "."))
    except ValueError:
        raise ValueError(_("%r bukan angka.") % raw) from None
    if not math.isfinite(value):
        raise ValueError(_("%r bukan angka.") % raw)
    return value


def _choice(choices, default):
    def parse(raw):
        value = raw.lower() or default
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            raise ValueError(
                _("%(value)r tidak dikenal (pilihan: %(allowed)s).")
                % {"value": raw, "allowed": allowed}
            )
        return value

    return parse


def _date(raw):
    if not raw:
        return None
    for date_format in DATE_FORMATS:
        try:
            return datetime.strptime(raw, date_format).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ValueError(_("%r bukan tanggal (TTTT-BB-HH atau HH/BB/TTTT).") % raw)


def _yes_no(raw):
    if raw.lower() in YES:
        return True
    if raw.lower() in NO:
        return False
    raise ValueError(_("%r harus 1/0, ya/tidak atau yes/no.") % raw)


def _tags(raw):
    slugs = []
    for slug in (part.strip().lower() for part in raw.split(";")):
        if not slug or slug in slugs:
            continue
        if len(slug) > 40 or not TAG_SLUG.fullmatch(slug):
            raise ValueError(_("%r bukan kode label (huruf kecil, angka dan tanda hubung).") % slug)
        slugs.append(slug)
    return slugs


PARSERS = {
    "code": _required,
    "name": _required,
    "area_code": _required,
    "lat": _coordinate,
    "lon": _coordinate,
    "kind": _choice(Camera.Kind, Camera.Kind.FIXED),
    "tags": _tags,
    "funding": _choice(Camera.Funding, Camera.Funding.APBD),
    "sponsor": str,
    "installed_on": _date,
    "public": _yes_no,
    "status": _choice(Camera.Status, Camera.Status.ACTIVE),
    "source_url": str,
    "maintainer": str,
}


def _tags_of(cameras):
    """Current tag slugs per camera id, read in batches (SQLite limits query parameters)."""
    ids = [camera.pk for camera in cameras]
    links = Camera.tags.through.objects.values_list("camera_id", "tag__slug")
    tags = {}
    for start in range(0, len(ids), BATCH):
        for camera_id, slug in links.filter(camera_id__in=ids[start : start + BATCH]):
            tags.setdefault(camera_id, set()).add(slug)
    return tags


def _write(plan):
    Camera.objects.bulk_create(plan.to_create, batch_size=BATCH)
    place_unassigned()  # bulk_create passes by Camera.save, which picks a new camera's node
    if plan.to_update:
        Camera.objects.bulk_update(plan.to_update, sorted(plan.update_fields), batch_size=BATCH)
        send_retired([camera.pk for camera in plan.to_update if camera.newly_retired])
    if not plan.tags:
        return
    slugs = {slug for tag_slugs in plan.tags.values() for slug in tag_slugs}
    Tag.objects.bulk_create(
        [Tag(slug=slug, name=slug.replace("-", " ").capitalize()) for slug in sorted(slugs)],
        ignore_conflicts=True,
    )
    tag_ids = dict(Tag.objects.filter(slug__in=slugs).values_list("slug", "id"))
    cameras = Camera.objects.only("id", "code").in_bulk(list(plan.tags), field_name="code")
    camera_ids = {code: camera.pk for code, camera in cameras.items()}
    Link = Camera.tags.through
    ids = list(camera_ids.values())
    for start in range(0, len(ids), BATCH):
        Link.objects.filter(camera_id__in=ids[start : start + BATCH]).delete()
    links = [
        Link(camera_id=camera_ids[code], tag_id=tag_ids[slug])
        for code, tag_slugs in plan.tags.items()
        for slug in tag_slugs
    ]
    Link.objects.bulk_create(links, batch_size=BATCH)
