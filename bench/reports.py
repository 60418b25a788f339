"""Reports benchmark at Jakarta scale: the report page and its CSVs for the provincial admin
(province-wide) and a kelurahan officer, and the public statistics page and JSON.

Seeds with bench/api.py's functions (imported, so both benchmarks measure the same data): the
official areas with all 267 kelurahan, 5,000 cameras, 100,000 incidents over a year, 10,000
users; plus a status history for every camera over the last six months (most cameras steady, a
quarter flaky, one in twenty flapping twice a day: about 140,000 changes), which the uptime
figures read. Its scratch database is `jakcctv_bench_reports` (BENCH_DATABASE) on the server
DATABASE_URL points at (SQLite file without it), dropped at the end unless BENCH_KEEP_DB=1.

Prints, per page: SQL queries per request and in-process p50/p99 over BENCH_REPEAT requests
(the public figures both from a cold cache and from the cache), then p50/p99 through one daphne
at a fixed rate. Asserts nothing. Target (issue 6): province-wide report p99 under 1 s on
PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/reports.py
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_DATABASE", "jakcctv_bench_reports")

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import api  # noqa: E402  (creates the scratch database and sets Django up)
from bench.load import Daphne, get_request, run_load  # noqa: E402
from cameras.models import Camera, CameraStatusChange  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
RATE_ADMIN = float(os.environ.get("BENCH_RATE_ADMIN", "0.5"))  # province-wide reports per second
SECONDS = api.SECONDS
HISTORY_DAYS = 183
KECAMATAN = "31.73.05"  # Kebon Jeruk


def seed_camera_history():
    if CameraStatusChange.objects.exists():
        return
    started = time.perf_counter()
    rng = random.Random(2026)
    now = timezone.now()
    span = HISTORY_DAYS * 86400
    rows = []
    for camera_id in Camera.objects.order_by("pk").values_list("pk", flat=True):
        kind = rng.random()
        changes = rng.randint(1, 4) if kind < 0.7 else 30 if kind < 0.95 else 2 * HISTORY_DAYS
        moments = sorted(rng.uniform(0, span) for _ in range(changes))
        online = rng.random() < 0.5
        for seconds in moments:
            at = now - timedelta(seconds=span - seconds)
            rows.append(CameraStatusChange(camera_id=camera_id, online=online, at=at))
            online = not online
        if len(rows) >= api.BATCH:
            CameraStatusChange.objects.bulk_create(rows)
            rows = []
    CameraStatusChange.objects.bulk_create(rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    count = CameraStatusChange.objects.count()
    print(f"camera history: {count:,} status changes in {time.perf_counter() - started:.0f} s")


def measure(headers, path, *, cold=False):
    """(status, queries, p50 ms, p99 ms) of REPEAT in-process requests after a warm-up one."""
    client = Client(headers=headers)
    client.get(path)
    timings = []
    queries = None
    for _ in range(REPEAT):
        if cold:
            cache.delete_many([key for key in _public_keys()])
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(0.99 * len(timings)))]
    return response.status_code, queries, statistics.median(timings) * 1000, p99 * 1000


def _public_keys():
    from reports.stats import month_of

    return [f"reports:public:v1:{month_of(timezone.now()):%Y-%m}"]


def main():
    print(
        f"database: {connection.vendor} ({api.SCRATCH_DATABASE if api.PG_SERVER else 'file'}); "
        f"{REPEAT} in-process requests per line, then {SECONDS} s per run through daphne"
    )
    call_command("collectstatic", "--noinput", verbosity=0)
    api.seed()
    seed_camera_history()
    people = {label: cookie for label, _user, _key, cookie in api.personas()}
    admin = {"Cookie": people["provincial admin"]}
    officer = {"Cookie": people["kelurahan officer"]}
    last_year = f"{(timezone.localtime() - timedelta(days=330)):%Y-%m}"
    pages = [
        ("admin", admin, "/laporan/", False),
        ("admin", admin, f"/laporan/?month_from={last_year}", False),
        ("admin", admin, "/laporan/sla.csv", False),
        ("admin", admin, "/laporan/kamera.csv", False),
        ("admin", admin, "/laporan/?area=31.73", False),
        ("admin", admin, f"/laporan/?area={KECAMATAN}", False),
        ("officer", officer, "/laporan/", False),
        ("anonymous", {}, "/statistik/", True),
        ("anonymous", {}, "/statistik/", False),
        ("anonymous", {}, "/api/v1/public/stats/", True),
        ("anonymous", {}, "/api/v1/public/stats/", False),
    ]
    print("\nIn-process (queries include the session, user and alert badge of every page):")
    for who, headers, path, cold in pages:
        status, queries, p50, p99 = measure(headers, path, cold=cold)
        cache_note = " (cold cache)" if cold else (" (cached)" if "stat" in path else "")
        print(
            f"  {who:9} {path + cache_note:44} {status}  {queries:2} queries  "
            f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
        )
    connections.close_all()
    print(f"\nThrough daphne (one process), {SECONDS} s per run at a fixed rate:")
    # Rates a single process keeps up with, so that the figures are latency, not queueing.
    runs = [
        ("admin /laporan/ (province)", admin, "/laporan/", RATE_ADMIN),
        ("officer /laporan/", officer, "/laporan/", 2),
        ("anonymous /statistik/", {}, "/statistik/", 5),
        ("anonymous /api/v1/public/stats/", {}, "/api/v1/public/stats/", 10),
    ]
    with Daphne(api.ENV) as server:
        for label, headers, path, rate in runs:
            request = get_request(path, headers)
            run_load(server.port, lambda r=request: r, seconds=2, connections=1)
            paced = run_load(
                server.port, lambda r=request: r, seconds=SECONDS, connections=1, rate=rate
            )
            print(f"  {paced.line(f'{label} at {rate}/s')}")
    print("target: province-wide report p99 < 1 s on PostgreSQL")


if __name__ == "__main__":
    try:
        main()
    finally:
        api.SCRATCH.drop()
