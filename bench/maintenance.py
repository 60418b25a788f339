"""Maintenance sweep benchmark: one round of `maintenance_sweep` over 5,000 cameras, 10% offline.

Seeds a throwaway SQLite database (or the database DATABASE_URL names) with the official areas,
5,000 active cameras spread over the kelurahan and three maintainers, a status history (every
camera online two days ago; 500 offline for the last hour; 250 flapping, offline 29 minutes of
every hour of the last day, so that the uptime rule has work) and prints, for each kind of round,
SQL statements and wall time (p50/p99 over BENCH_REPEAT rounds where the round can repeat):

- the first round, which opens the 500 tickets and announces them;
- a steady round, with nothing to change (the common case: every 60 s in production);
- a round that closes 250 tickets whose cameras came back;
- an uptime round (once an hour: MAINTENANCE_UPTIME_EVERY), opening the flapping cameras';
- a round three days later that finds every unresolved ticket past its deadline and reports them.

Targets (issue 15): <= 1 s per round and <= 3 statements per round, independent of camera count
and of what the round does: the uptime round too (the day's uptime is computed inside its
INSERT), and a round that opens or reports overdue tickets however many (their alerts are one
INSERT ... SELECT; no transaction, so no BEGIN or COMMIT either).
Asserts nothing.

    DEBUG=1 .venv/bin/python bench/maintenance.py
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_env  # noqa: E402

scratch_env("jakcctv-bench-maintenance-", DEBUG="1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from cameras.models import Camera, CameraStatusChange  # noqa: E402
from kelurahan.areas_import import import_areas  # noqa: E402
from kelurahan.models import Area, Maintainer  # noqa: E402
from maintenance.models import Ticket  # noqa: E402
from maintenance.sweep import sweep  # noqa: E402

CAMERAS = int(os.environ.get("BENCH_CAMERAS", "5000"))
OFFLINE_SHARE = 0.10
FLAPPING = CAMERAS // 20
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
BATCH = 500


def seed(now):
    rng = random.Random(2026)
    with open(os.devnull, "w") as quiet:
        import_areas(stream=quiet)
    kelurahan = list(Area.objects.filter(level="kelurahan").values_list("code", flat=True))
    maintainers = [
        Maintainer.objects.create(name="Diskominfotik", kind="diskominfotik"),
        Maintainer.objects.create(name="Sponsor CSR", kind="csr", repair_hours=48),
        Maintainer.objects.create(name="Vendor", kind="vendor", repair_hours=24),
    ]
    offline = int(CAMERAS * OFFLINE_SHARE)
    cameras = Camera.objects.bulk_create(
        [
            Camera(
                code=f"bench-{n:05d}",
                name=f"Kamera {n:05d}",
                area_id=rng.choice(kelurahan),
                lat=-6.2,
                lon=106.8,
                maintainer=rng.choice(maintainers),
                online=n >= offline,
                online_changed_at=now - (timedelta(hours=1) if n < offline else timedelta(days=2)),
            )
            for n in range(CAMERAS)
        ],
        batch_size=BATCH,
    )
    changes = [
        CameraStatusChange(camera=c, online=True, at=now - timedelta(days=2)) for c in cameras
    ]
    changes += [
        CameraStatusChange(camera=c, online=False, at=now - timedelta(hours=1))
        for c in cameras[:offline]
    ]
    for camera in cameras[offline : offline + FLAPPING]:
        for hour in range(1, 24):
            start = now - timedelta(hours=24) + timedelta(hours=hour)
            changes.append(CameraStatusChange(camera=camera, online=False, at=start))
            changes.append(
                CameraStatusChange(camera=camera, online=True, at=start + timedelta(minutes=29))
            )
    CameraStatusChange.objects.bulk_create(changes, batch_size=BATCH)
    return cameras[:offline]


def measured(now, **options):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        found = sweep(now=now, **options)
        seconds = time.perf_counter() - started
    return found, len(queries.captured_queries), seconds


def show(label, found, queries, seconds):
    print(f"{label}: {queries} queries, {seconds * 1000:.1f} ms, {found}")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    call_command("migrate", verbosity=0)
    now = timezone.now()
    offline = seed(now)
    print(
        f"database: {connection.vendor}; cameras: {Camera.objects.count()}, offline: "
        f"{len(offline)}, status changes: {CameraStatusChange.objects.count()}"
    )
    # A worker loads the URLconf once, with the first alert link it writes: not a round's cost.
    reverse("maintenance:ticket-detail", args=[1])
    show("first round (opens the tickets, announces them)", *measured(now))

    times, counts = [], set()
    for n in range(REPEAT):
        _found, queries, seconds = measured(now + timedelta(seconds=n + 1))
        times.append(seconds)
        counts.add(queries)
    print(
        f"steady round: {sorted(counts)} queries, p50 {statistics.median(times) * 1000:.1f} ms, "
        f"p99 {percentile(times, 0.99) * 1000:.1f} ms (n={REPEAT})"
    )

    back = [camera.pk for camera in offline[: len(offline) // 2]]
    Camera.objects.filter(pk__in=back).update(online=True, online_changed_at=now)
    show("closing round (half came back)", *measured(now + timedelta(minutes=15)))
    show("uptime round (hourly)", *measured(now + timedelta(minutes=16), uptime=True))
    times, counts = [], set()
    for n in range(REPEAT):  # nothing left to open: the uptime rule's own cost, each hour
        _found, queries, seconds = measured(now + timedelta(minutes=17, seconds=n), uptime=True)
        times.append(seconds)
        counts.add(queries)
    print(
        f"steady uptime round: {sorted(counts)} queries, p50 "
        f"{statistics.median(times) * 1000:.1f} ms, p99 {percentile(times, 0.99) * 1000:.1f} ms "
        f"(n={REPEAT})"
    )
    show("overdue round (reports them all)", *measured(now + timedelta(hours=73)))
    print(f"tickets: {Ticket.objects.count()}, unresolved: {Ticket.objects.unresolved().count()}")


if __name__ == "__main__":
    main()
