"""The maintenance sweep: opens a ticket for each camera offline longer than MAINTENANCE_AFTER
(or, once every MAINTENANCE_UPTIME_EVERY, online less than MAINTENANCE_UPTIME_MIN percent of the
last 24 hours), closes each ticket whose camera has been back online MAINTENANCE_CONFIRM minutes,
reopens a "repaired" ticket whose camera failed again, and reports overdue tickets once.

Set-based, so that a round costs the same for 50 or 50,000 cameras, and at most three SQL
statements: one INSERT ... SELECT opens every missing ticket (on the uptime round, with the day's
uptime computed inside it) and returns their ids; one UPDATE ... RETURNING closes, reopens and
marks the tickets newly past their deadline; when either found any, the `tickets_to_announce`
signal has the alerts app store all their alerts in one more statement. Each statement is atomic
on its own: the round opens no transaction. (A sweeper killed between its statements leaves
those tickets unannounced: opened or marked, without their alerts.) The unique constraint "one
unresolved ticket per camera" makes a second sweeper, or a person opening one by hand, harmless.
"""

from datetime import timedelta

from django.conf import settings
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
from common.sql import insert_select, update_returning
from maintenance.models import Reason, Status, Ticket
from maintenance.signals import tickets_to_announce

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
    round still costs the same: the uptime is computed inside the INSERT."""
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
    settled, overdue = settle(now)
    if opened or overdue:
        # The alerts app stores the round's alerts in one statement of its own.
        tickets_to_announce.send(Ticket, opened=opened, overdue=overdue)
    return {"opened": len(opened), "settled": settled, "overdue": len(overdue)}


def open_tickets(cameras, *, reason, now):
    """Open a ticket for each of `cameras` that is streamable and has none unresolved: one
    INSERT ... SELECT, built by the ORM (so the same on SQLite and PostgreSQL); returns the new
    tickets' ids. `reason`: a Reason, or an expression over the camera giving one. A camera the
    unique constraint "one unresolved ticket per camera" refuses (someone opened one meanwhile)
    is skipped."""
    unresolved = Ticket.objects.unresolved().filter(camera_id=OuterRef("pk"))
    when = Value(now, output_field=DateTimeField())
    hours = Coalesce(F("maintainer__repair_hours"), DEFAULT_REPAIR_HOURS)
    if not hasattr(reason, "resolve_expression"):
        reason = Value(str(reason))
    # A camera whose media node does not answer is not broken itself: the node's one alert
    # (to the provincial admins, who run the nodes) tells of it. If it is still offline once
    # its node answers again, its ticket opens then.
    wanted = (
        cameras.filter(status=Camera.Status.ACTIVE)
        .exclude(node__reachable=False)
        .exclude(Exists(unresolved))
    )
    columns = {
        "camera": F("pk"),
        "area": F("area_id"),
        "maintainer": F("maintainer_id"),
        "reason": reason,
        "description": Value(""),
        "status": Value(str(Status.OPEN)),
        "opened_at": when,
        "deadline": AddHours(when, hours),
        "reopen_count": Value(0, output_field=IntegerField()),
    }
    return [pk for (pk,) in insert_select(Ticket, [(wanted, columns)])]


def settle(now):
    """Close the tickets whose camera has been back online MAINTENANCE_CONFIRM minutes, reopen
    (counting it) the "repaired" ones whose camera went offline after the repair, and mark the
    others past their deadline not yet reported: one UPDATE ... RETURNING. Returns the number
    closed or reopened and the ids of the tickets just found overdue.

    A ticket opened by hand or for low uptime (the camera may be online all along) closes only
    once repaired and confirmed. A ticket closed in a round is never reported overdue; one
    reopened in a round is, if it is overdue, in the next."""
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
    # Never both `close` and `reopen`: the camera is back online, or offline again.
    reopen = Q(status=Status.REPAIRED) & Exists(failed_again)
    late = Q(deadline__lt=now, overdue_alerted_at__isnull=True)
    moment = Value(now, output_field=DateTimeField())
    rows = update_returning(
        Ticket.objects.unresolved().filter(close | reopen | late),
        ["pk", "overdue_alerted_at"],
        status=Case(
            When(close, then=Value(Status.CLOSED)),
            When(reopen, then=Value(Status.OPEN)),
            default=F("status"),
        ),
        closed_at=Case(When(close, then=moment), default=F("closed_at")),
        reopen_count=F("reopen_count") + Case(When(reopen, then=1), default=0),
        repaired_at=Case(When(reopen, then=None), default=F("repaired_at")),
        overdue_alerted_at=Case(
            When(close | reopen, then=F("overdue_alerted_at")),
            When(late, then=moment),
            default=F("overdue_alerted_at"),
        ),
    )
    # Each row was closed, reopened or marked overdue, only one of them; the marked ones carry
    # this round's moment.
    overdue = [pk for pk, alerted_at in rows if alerted_at == now]
    return len(rows) - len(overdue), overdue


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
