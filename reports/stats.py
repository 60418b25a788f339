"""Report figures, computed in the database.

Every figure starts from a queryset the caller has scoped (`Incident.objects.visible_to(user)`,
`Camera.objects.visible_to(user)`, or the public selections) and is grouped in the database
(values().annotate()) into at most months × areas × categories rows; Python only adds those up.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lead, Substr, TruncMonth

from cameras.models import Camera, CameraStatusChange
from incidents.models import FINAL_STATUSES
from kelurahan.models import in_areas
from kelurahan.roles import Level

WIB = ZoneInfo("Asia/Jakarta")

# Length of a Kemendagri code at each level: 31 / 31.73 / 31.73.05 / 31.73.05.1001.
CODE_LENGTH = {Level.PROVINSI: 2, Level.KOTA: 5, Level.KECAMATAN: 8, Level.KELURAHAN: 13}
# Reports break an area down one level, down to kelurahan (a kelurahan stands for itself).
NEXT_DOWN = {
    Level.PROVINSI: Level.KOTA,
    Level.KOTA: Level.KECAMATAN,
    Level.KECAMATAN: Level.KELURAHAN,
    Level.KELURAHAN: Level.KELURAHAN,
}


# --- Periods ----------------------------------------------------------------------------------


def month_of(moment):
    """The first day of the WIB month `moment` falls in."""
    return moment.astimezone(WIB).date().replace(day=1)


def add_months(month, count):
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months in Jakarta time, `first` to `last` (each the first day of its month)."""

    first: date
    last: date

    @classmethod
    def last_months(cls, count, now):
        last = month_of(now)
        return cls(add_months(last, 1 - count), last)

    @property
    def months(self):
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        return [add_months(self.first, n) for n in range(count)]

    @property
    def start(self):
        return datetime.combine(self.first, time.min, tzinfo=WIB)

    @property
    def end(self):
        return datetime.combine(add_months(self.last, 1), time.min, tzinfo=WIB)


# --- Area rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    """The rows of the area tables: the areas one level below the chosen one, or the user's own
    areas when they have several and chose none. `length` set: a row is the first `length`
    characters of an area code; else each row is one of `areas` and everything below it."""

    areas: list
    length: int | None = None

    @classmethod
    def below(cls, area, children):
        if area.level == Level.KELURAHAN:
            return cls([area], CODE_LENGTH[Level.KELURAHAN])
        return cls(children, CODE_LENGTH[NEXT_DOWN[Level(area.level)]])

    def key(self, path):
        """The row code of whatever `path` ("area", "camera__area") points at, as SQL."""
        if self.length:
            return Substr(f"{path}_id", 1, self.length)
        return Case(
            *[
                When(in_areas(f"{path}__code", [area.code]), then=Value(area.code))
                for area in self.areas
            ],
            default=Value(""),
        )


def first_ack_deadline():
    """When an incident had to be acknowledged at its first level: its severity's time from its
    creation (`ack_due_at` restarts at each escalation, this does not)."""
    return Case(
        *[
            When(severity=severity, then=F("created_at") + Value(timedelta(seconds=seconds)))
            for severity, seconds in settings.INCIDENT_ACK_SECONDS.items()
        ],
        output_field=DateTimeField(),
    )


# --- Incidents --------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts for one group of incidents, SLA included.

    An incident is due for acknowledgement once it was answered (acknowledged, or closed right
    away) or its first acknowledgement deadline has passed; due for follow-up once it was
    finished (selesai or ditutup) or its follow-up deadline has passed. The shares are those
    done in time among those due, so incidents whose clock still runs count for neither.
    """

    total: int = 0
    ack_due: int = 0
    ack_on_time: int = 0
    resolve_due: int = 0
    resolved_on_time: int = 0
    open: int = 0
    overdue: int = 0

    def add(self, row):
        for name in TALLY_FIELDS:
            setattr(self, name, getattr(self, name) + row[name])

    @property
    def ack_share(self):
        return 100 * self.ack_on_time / self.ack_due if self.ack_due else None

    @property
    def resolve_share(self):
        return 100 * self.resolved_on_time / self.resolve_due if self.resolve_due else None


TALLY_FIELDS = tuple(Tally.__dataclass_fields__)


def incident_cube(incidents, *, key, now):
    """One row per (month, place, category) with a Tally's counts; `key` gives the place."""
    answered = Q(answered_at__isnull=False)
    finished = Q(resolved_at__isnull=False)
    unfinished = ~Q(status__in=FINAL_STATUSES)
    return (
        incidents.alias(
            answered_at=Coalesce("acknowledged_at", "resolved_at"),
            ack_by=first_ack_deadline(),
        )
        .annotate(month=TruncMonth("created_at", tzinfo=WIB), place=key)
        .values("month", "place", "category")
        .annotate(
            total=Count("pk"),
            ack_due=Count("pk", filter=answered | Q(ack_by__lt=now)),
            ack_on_time=Count("pk", filter=Q(answered_at__lte=F("ack_by"))),
            resolve_due=Count("pk", filter=finished | Q(resolve_due_at__lt=now)),
            resolved_on_time=Count("pk", filter=Q(resolved_at__lte=F("resolve_due_at"))),
            open=Count("pk", filter=unfinished),
            overdue=Count("pk", filter=unfinished & Q(resolve_due_at__lt=now)),
        )
        .order_by()
    )


@dataclass
class IncidentFigures:
    """An incident cube added up by month, by category and by place."""

    total: Tally = field(default_factory=Tally)
    by_month: dict = field(default_factory=dict)  # month → {category: count}
    by_category: dict = field(default_factory=dict)  # category → count
    by_place: dict = field(default_factory=dict)  # place code → Tally
    by_place_category: dict = field(default_factory=dict)  # place code → {category: count}

    @classmethod
    def of(cls, cube):
        figures = cls()
        for row in cube:
            month, place, category = month_of(row["month"]), row["place"], row["category"]
            figures.total.add(row)
            figures.by_place.setdefault(place, Tally()).add(row)
            _bump(figures.by_month.setdefault(month, {}), category, row["total"])
            _bump(figures.by_category, category, row["total"])
            _bump(figures.by_place_category.setdefault(place, {}), category, row["total"])
        return figures

    def categories(self):
        """Categories that occur, most frequent first."""
        return sorted(self.by_category, key=lambda c: (-self.by_category[c], c))


def _bump(counts, key, value):
    counts[key] = counts.get(key, 0) + value


# --- Cameras ----------------------------------------------------------------------------------


@dataclass
class CameraTally:
    total: int = 0
    in_service: int = 0
    online: int = 0
    up: timedelta = timedelta(0)
    known: timedelta = timedelta(0)

    @property
    def uptime(self):
        """Percent of the known camera-time that cameras in service were online, or None."""
        return 100 * (self.up / self.known) if self.known else None

    def add(self, other):
        for name in ("total", "in_service", "online", "up", "known"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def camera_figures(cameras, *, breakdown, start, end):
    """{place code: CameraTally}: cameras, in service, online now, and the uptime of those in
    service over [start, end) as `cameras.health.uptime` counts it (time before a camera's first
    recorded status is not counted), added up over the place's cameras.

    Two queries whatever the number of cameras: one per camera (its state at `start`, until its
    first change), one over the status changes inside the window (each lasts until the camera's
    next change, found with a window function, or until `end`).
    """
    end = max(end, start)  # a period still to come has no uptime yet
    places = {}
    in_service = Q(status=Camera.Status.ACTIVE)
    first_segment = Coalesce(_first_change_after(start, end), Value(end)) - Value(start)
    # Grouped by the state at `start` too, so that each subquery runs once per camera.
    rows = (
        cameras.annotate(place=breakdown.key("area"), state=_state_at(start))
        .values("place", "state")
        .annotate(
            total=Count("pk"),
            in_service=Count("pk", filter=in_service),
            online=Count("pk", filter=in_service & Q(online=True)),
            first_segment=Sum(first_segment, filter=in_service),
        )
        .order_by()
    )
    for row in rows:
        tally = places.setdefault(row["place"], CameraTally())
        for name in ("total", "in_service", "online"):
            setattr(tally, name, getattr(tally, name) + row[name])
        if row["state"] is not None and row["first_segment"]:
            tally.known += row["first_segment"]
            tally.up += row["first_segment"] if row["state"] else timedelta(0)
    if end > start and places:
        for place, (up, known) in _segments_after(cameras, breakdown, places, start, end).items():
            places[place].up += up
            places[place].known += known
    return places


def _state_at(moment):
    """A camera's recorded state at `moment` (its last change at or before it), or None."""
    changes = CameraStatusChange.objects.filter(camera=OuterRef("pk"), at__lte=moment)
    return Subquery(changes.order_by("-at", "-pk").values("online")[:1])


def _first_change_after(start, end):
    changes = CameraStatusChange.objects.filter(camera=OuterRef("pk"), at__gt=start, at__lt=end)
    return Subquery(changes.order_by("at", "pk").values("at")[:1])


def _segments_after(cameras, breakdown, places, start, end):
    """{place: (online time, known time)} of the segments that start with a change inside
    (start, end). Window functions cannot be grouped by, but they can be aggregated over: one
    pair of filtered sums per place (a report has a few dozen places at most)."""
    next_change = Window(
        Lead("at"), partition_by=[F("camera_id")], order_by=[F("at").asc(), F("pk").asc()]
    )
    changes = CameraStatusChange.objects.filter(
        camera__in=cameras.filter(status=Camera.Status.ACTIVE).values("pk"),
        at__gt=start,
        at__lt=end,
    ).annotate(
        place=breakdown.key("camera__area"),
        length=Coalesce(next_change, Value(end)) - F("at"),
    )
    codes = list(places)
    sums = {}
    for n, code in enumerate(codes):
        sums[f"up{n}"] = Sum("length", filter=Q(place=code, online=True))
        sums[f"known{n}"] = Sum("length", filter=Q(place=code))
    found = changes.aggregate(**sums)
    zero = timedelta(0)
    return {
        code: (found[f"up{n}"] or zero, found[f"known{n}"] or zero) for n, code in enumerate(codes)
    }
