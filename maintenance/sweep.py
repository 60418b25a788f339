"""The maintenance sweep: opens a ticket for each camera offline longer than MAINTENANCE_AFTER
(or, once every MAINTENANCE_UPTIME_EVERY, online less than MAINTENANCE_UPTIME_MIN percent of the
last 24 hours), closes each ticket whose camera has been back online MAINTENANCE_CONFIRM minutes,
reopens a "repaired" ticket whose camera failed again, and reports overdue tickets once.

Set-based, so that a round costs the same for 50 or 50,000 cameras: one INSERT ... SELECT opens
every missing ticket (on the uptime round, with the day's uptime computed inside it), one UPDATE
closes and reopens, one SELECT finds overdue tickets not yet reported (the rare overdue ones are
then marked and announced): three statements. A round that opens tickets announces them in a
transaction of its own with two more, however many there are (their alerts, in bulk). The
unique constraint "one unresolved ticket per camera" makes a second sweeper, or a person opening
one by hand, harmless.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cameras.models import Camera, CameraStatusChange
from maintenance.models import Reason, Status, Ticket
from maintenance.signals import ticket_overdue, tickets_opened

DEFAULT_REPAIR_HOURS = 72  # a camera without a maintainer: Diskominfotik's 3x24 hours


def deadline_for(maintainer, opened_at):
    hours = maintainer.repair_hours if maintainer else DEFAULT_REPAIR_HOURS
    return opened_at + timedelta(hours=hours)


class AddHours(Func):
    """`moment` plus `hours` (an integer column) hours: SQL's date arithmetic differs by
    database, and Django's duration arithmetic does not multiply a column by an interval."""

    output_field = DateTimeField()

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores SQLite datetimes as UTC text; keep that shape (milliseconds kept).
        moment, hours = (compiler.compile(e) for e in self.source_expressions)
        sql = f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {moment[0]}, '+' || ({hours[0]}) || ' hours')"
        return sql, (*moment[1], *hours[1])

    def as_postgresql(self, compiler, connection, **extra):
        moment, hours = (compiler.compile(e) for e in self.source_expressions)
        return f"({moment[0]} + make_interval(hours => {hours[0]}))", (*moment[1], *hours[1])


def sweep(*, now=None, uptime=False):
    """One round; returns {"opened": n, "settled": n (closed or reopened), "overdue": n}.
    `uptime`: also apply the 24-hour uptime rule (the command does every UPTIME_EVERY); the
    round still costs three statements: the uptime is computed inside the INSERT."""
    now = now or timezone.now()
    offline_since = now - timedelta(minutes=settings.MAINTENANCE_AFTER)
    offline = Q(online=False, online_changed_at__lte=offline_since)
    wanted = offline
    if uptime and settings.MAINTENANCE_UPTIME_MIN > 0:
        wanted |= Q(pk__in=low_uptime_cameras(now))
    opened = open_tickets(
        Camera.objects.filter(wanted),
        reason=Case(
            When(offline, then=Value(str(Reason.OFFLINE))), default=Value(str(Reason.LOW_UPTIME))
        ),
        now=now,
    )
    return {"opened": opened, "settled": settle(now), "overdue": report_overdue(now)}


def open_tickets(cameras, *, reason, now):
    """Open a ticket for each of `cameras` that is streamable and has none unresolved: one
    INSERT ... SELECT, built by the ORM (so the same on SQLite and PostgreSQL). `reason`: a
    Reason, or an expression over the camera giving one."""
    unresolved = Ticket.objects.unresolved().filter(camera_id=OuterRef("pk"))
    when = Value(now, output_field=DateTimeField())
    hours = Coalesce(F("maintainer__repair_hours"), DEFAULT_REPAIR_HOURS)
    if not hasattr(reason, "resolve_expression"):
        reason = Value(str(reason))
    rows = (
        cameras.filter(status=Camera.Status.ACTIVE)
        .exclude(Exists(unresolved))
        .order_by()
        .annotate(
            t_camera=F("pk"),
            t_area=F("area_id"),
            t_maintainer=F("maintainer_id"),
            t_reason=reason,
            t_description=Value(""),
            t_status=Value(str(Status.OPEN)),
            t_opened=when,
            t_deadline=AddHours(when, hours),
            t_reopen=Value(0, output_field=IntegerField()),
        )
    )
    columns = list(_COLUMNS)
    select, params = rows.values_list(*[f"t_{name}" for name in columns]).query.sql_with_params()
    table = connection.ops.quote_name(Ticket._meta.db_table)
    names = ", ".join(connection.ops.quote_name(_COLUMNS[name]) for name in columns)
    # One statement, atomic on its own, that needs no savepoint: a row the unique constraint
    # "one unresolved ticket per camera" refuses (someone opened one meanwhile) is skipped. (The
    # SELECT always has a WHERE clause, which SQLite needs before ON CONFLICT.)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) {select} ON CONFLICT DO NOTHING RETURNING id",  # noqa: S608
            params,
        )
        opened = [row[0] for row in cursor.fetchall()]
    if opened:
        # Announced (`tickets_opened`: the alerts) in a transaction of their own, so that the
        # common round, opening nothing, opens no transaction at all.
        with transaction.atomic():
            tickets_opened.send(Ticket, ticket_ids=opened)
    return len(opened)


# Ticket column of each value the SELECT above produces, in order.
_COLUMNS = {
    "camera": "camera_id",
    "area": "area_id",
    "maintainer": "maintainer_id",
    "reason": "reason",
    "description": "description",
    "status": "status",
    "opened": "opened_at",
    "deadline": "deadline",
    "reopen": "reopen_count",
}


def settle(now):
    """Close the tickets whose camera has been back online MAINTENANCE_CONFIRM minutes, and
    reopen (counting it) the "repaired" ones whose camera went offline after the repair. A
    ticket opened by hand or for low uptime (the camera may be online all along) closes only
    once repaired and confirmed."""
    confirmed = now - timedelta(minutes=settings.MAINTENANCE_CONFIRM)
    back = Camera.objects.filter(
        pk=OuterRef("camera_id"), online=True, online_changed_at__lte=confirmed
    )
    failed_again = Camera.objects.filter(
        pk=OuterRef("camera_id"), online=False, online_changed_at__gt=OuterRef("repaired_at")
    )
    close = Exists(back) & (
        Q(reason=Reason.OFFLINE) | Q(status=Status.REPAIRED, repaired_at__lte=confirmed)
    )
    reopen = Q(status=Status.REPAIRED) & Exists(failed_again)
    return (
        Ticket.objects.unresolved()
        .filter(close | reopen)
        .update(
            status=Case(When(close, then=Value(Status.CLOSED)), default=Value(Status.OPEN)),
            closed_at=Case(When(close, then=Value(now)), default=None),
            reopen_count=Case(When(close, then=F("reopen_count")), default=F("reopen_count") + 1),
            repaired_at=Case(When(close, then=F("repaired_at")), default=None),
        )
    )


def report_overdue(now):
    """Announce each unresolved ticket past its deadline once (`ticket_overdue`, for alerts)."""
    found = list(
        Ticket.objects.overdue(now)
        .filter(overdue_alerted_at__isnull=True)
        .select_related("camera", "maintainer")
    )
    if not found:
        return 0
    with transaction.atomic():
        marked = Ticket.objects.filter(
            pk__in=[t.pk for t in found], overdue_alerted_at__isnull=True
        ).update(overdue_alerted_at=now)
        if marked:
            for ticket in found:
                ticket.overdue_alerted_at = now
                ticket_overdue.send(Ticket, ticket=ticket)
    return marked


def low_uptime_cameras(now):
    """The cameras online less than MAINTENANCE_UPTIME_MIN percent of the last 24 hours, as a
    subquery of camera ids (no statement of its own: the sweep's INSERT embeds it).

    Each status change in the window starts a segment lasting until the camera's next change
    (or now), online or not as the change says; before its first change in the window the
    camera was in the opposite state since the window's start. A camera with no change in it
    was in one state all day: fully up, or offline (the offline rule has it)."""
    start = now - timedelta(hours=24)
    later = CameraStatusChange.objects.filter(camera_id=OuterRef("camera_id"), at__lte=now).filter(
        Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk"))
    )
    earlier = CameraStatusChange.objects.filter(
        camera_id=OuterRef("camera_id"), at__gt=start
    ).filter(Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")))
    moment = Value(now, output_field=DateTimeField())
    following = Coalesce(Subquery(later.order_by("at", "pk").values("at")[:1]), moment)
    zero = Value(timedelta(0), output_field=DurationField())
    up = Case(
        When(online=True, then=ExpressionWrapper(following - F("at"), DurationField())),
        default=zero,
    ) + Case(
        When(
            Q(online=False) & ~Exists(earlier),
            then=ExpressionWrapper(
                F("at") - Value(start, output_field=DateTimeField()), DurationField()
            ),
        ),
        default=zero,
    )
    least = timedelta(hours=24) * (settings.MAINTENANCE_UPTIME_MIN / 100)
    return (
        CameraStatusChange.objects.filter(at__gt=start, at__lte=now)
        .order_by()
        .values("camera_id")
        .annotate(up=Sum(up, output_field=DurationField()))
        .filter(up__lt=least)
        .values("camera_id")
    )
