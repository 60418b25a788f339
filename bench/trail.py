"""Accountability trail benchmark: the trail page, its CSV and `apply_retention` on a big trail.

Loads the official area list (kelurahan/data/) into a throwaway SQLite database (or the
database DATABASE_URL names, when set: give it a scratch database, rows are written), writes
TRAIL_ROWS rows (default 200,000: months of a busy portal's logins, viewings and incident
actions, spread over every kelurahan) and prints how long the pages take for a provincial admin
and a kota operator (first page, page 100, person, one day, one kind), how fast the CSV
streams, and how long `apply_retention` takes on it (viewing rows go after 90 days, the rest
after 730). Targets: every page under 0.5 s; the CSV streams thousands of rows a second.
Run: `make bench`.
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_env  # noqa: E402

scratch_env("jakcctv-bench-trail-", DEBUG="1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from audit.models import Kind, TrailEntry  # noqa: E402
from audit.retention import apply_retention  # noqa: E402
from kelurahan.areas_import import import_areas  # noqa: E402
from kelurahan.models import Area, RoleAssignment, User  # noqa: E402
from kelurahan.roles import Level, Role  # noqa: E402

ROWS = int(os.environ.get("TRAIL_ROWS", "200000"))
KINDS = [Kind.LOGIN, Kind.STREAM_VIEW, Kind.STREAM_VIEW, Kind.STREAM_VIEW, Kind.INCIDENT]


def fill(kelurahan, users, now):
    span = timedelta(days=settings.RETENTION_TRAIL_DAYS * 2)  # half of it past retention
    batch = []
    for number in range(ROWS):
        user = users[number % len(users)]
        batch.append(
            TrailEntry(
                at=now - span * (number / ROWS),
                kind=KINDS[number % len(KINDS)],
                actor=user,
                actor_name=user.username,
                object_type="cameras.camera",
                object_id=str(number % 5000),
                object_label=f"Kamera {number % 5000}",
                area_id=kelurahan[number % len(kelurahan)],
                ip=f"10.{number % 200}.{number % 250}.{number % 7 + 1}",
                user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/131",
                detail={"viewing": number, "mode": "embedded"},
            )
        )
        if len(batch) == 5000:
            TrailEntry.objects.bulk_create(batch)
            batch = []
    TrailEntry.objects.bulk_create(batch)


def timed_get(client, url, runs=5):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    return best


def main():
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        import_areas(stream=quiet)
    kelurahan = list(Area.objects.of_level(Level.KELURAHAN).values_list("code", flat=True))
    admin = User.objects.create_user("bench.admin")
    operator = User.objects.create_user("bench.operator")
    RoleAssignment.objects.create(user=admin, role=Role.ADMIN_PROVINSI, area_id="31")
    RoleAssignment.objects.create(user=operator, role=Role.OPERATOR, area_id="31.73")
    users = [User.objects.create_user(f"petugas.{n:03d}") for n in range(300)]
    now = timezone.now()
    start = time.perf_counter()
    fill(kelurahan, users, now)
    seconds = time.perf_counter() - start
    print(f"{ROWS} trail rows over {len(kelurahan)} kelurahan written in {seconds:.1f}s")

    settings.REQUIRE_ADMIN_MFA = False
    for label, user in (("admin", admin), ("operator 31.73", operator)):
        client = Client()
        client.force_login(user)
        for what, url in (
            ("page 1", "/jejak/"),
            ("page 100", "/jejak/?page=100"),
            ("person", "/jejak/?person=petugas.042"),
            ("one day", f"/jejak/?date_from={now:%Y-%m-%d}&date_to={now:%Y-%m-%d}"),
            ("kind", "/jejak/?kind=kejadian"),
        ):
            print(f"{label} {what}: {timed_get(client, url) * 1000:.0f} ms")
        start = time.perf_counter()
        response = client.get("/jejak/csv/")
        lines = sum(chunk.count(b"\n") for chunk in response) - 1
        seconds = time.perf_counter() - start
        print(f"{label} CSV: {lines} rows in {seconds:.1f}s ({lines / seconds:,.0f} rows/s)")

    start = time.perf_counter()
    counts = apply_retention(now=now)
    removed = counts["jejak"] + counts["jejak_menonton"]
    print(f"apply_retention: {removed} rows removed in {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
