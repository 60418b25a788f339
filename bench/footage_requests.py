"""Data requests and transparency at Jakarta scale: the deadline sweep and the public page's
transparency figures.

Seeds its own scratch database (bench/api.py's setup: `jakcctv_bench_requests` on the server
DATABASE_URL points at, or a throwaway SQLite file): the official areas with all 267 kelurahan,
5,000 cameras (bench/api.py's mix: a tenth public), and REQUESTS data requests over the last
year, 95% answered (most in time), the rest open with deadlines spread over the next and
the last three days. Prints, for `request_sweep` (a round that finds work, and a quiet round
after it) and for the transparency figures computed afresh: seconds and SQL queries. Asserts
nothing. Targets: a quiet sweep round <= 3 queries and <= 50 ms whatever the number of
requests; the transparency figures <= 1 s and a number of queries independent of the number of
cameras and requests (they are cached for PUBLIC_STATS_CACHE_SECONDS).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/footage_requests.py

Figures (SQLite, shared 2-core machine, 20,000 requests of which 995 open, 5,000 cameras): a
round that alerts 591 near deadlines and 502 lapsed ones 45-49 s (about 10 queries per alert:
row lock, alert, trail row); a quiet round 21 ms, 2 queries; transparency afresh 0.7-1.3 s,
7 queries.
"""

import io
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_DATABASE", "jakcctv_bench_requests")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import api  # noqa: E402  (creates the scratch database and sets Django up)
from datarequests.models import DataRequest, Status  # noqa: E402
from datarequests.services import format_number, request_sweep  # noqa: E402
from kelurahan.areas_import import import_areas  # noqa: E402
from kelurahan.models import Area  # noqa: E402
from kelurahan.roles import Level  # noqa: E402
from reports.public import compute_transparency  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20000"))


def seed():
    call_command("migrate", verbosity=0)
    if DataRequest.objects.exists():
        return
    started = time.perf_counter()
    import_areas(stream=io.StringIO())
    kelurahan = list(Area.objects.filter(level=Level.KELURAHAN).values_list("code", "lat", "lon"))
    Area.objects.bulk_create(
        [
            Area(code=f"{code}.{n:03d}", name=f"RW {n:03d}", level=Level.RW, parent_id=code)
            for code, _lat, _lon in kelurahan
            for n in range(1, api.RW_PER_KELURAHAN + 1)
        ],
        batch_size=api.BATCH,
    )
    rng = random.Random(2026)
    api._seed_cameras(rng, kelurahan)
    now = timezone.now()
    rows = []
    for n in range(1, REQUESTS + 1):
        answered = rng.random() < 0.95
        filed = now - timedelta(hours=rng.uniform(0, 365 * 24) if answered else rng.uniform(0, 144))
        due = filed + timedelta(hours=72)
        rows.append(
            DataRequest(
                number=format_number(now.year, n),
                year=now.year,
                sequence=n,
                secret_digest="0" * 64,
                requester_name=f"Pemohon {n}",
                requester_contact="bench@contoh.test",
                area_id=rng.choice(kelurahan)[0],
                period_start=filed - timedelta(hours=2),
                period_end=filed - timedelta(hours=1),
                reason="bench",
                id_document="",
                id_document_type="image/png",
                status=Status.GRANTED if answered else Status.RECEIVED,
                created_at=filed,
                due_at=due,
                answered_at=filed + timedelta(hours=rng.uniform(1, 90)) if answered else None,
            )
        )
    DataRequest.objects.bulk_create(rows, batch_size=api.BATCH)
    print(f"seeded in {time.perf_counter() - started:.0f} s: {REQUESTS:,} requests, 5,000 cameras")


def measure(label, work):
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    count = f"{len(queries)} queries" if len(queries) < 9000 else "over 9,000 queries"
    print(f"{label}: {seconds * 1000:,.0f} ms, {count} -> {result!r:.80}")


def main():
    try:
        seed()
        open_requests = DataRequest.objects.open().count()
        print(f"{open_requests:,} open requests, {DataRequest.objects.count():,} in all")
        now = timezone.now()  # both rounds at one moment: the second has nothing left to do
        measure("request_sweep, first round", lambda: request_sweep(now=now))
        measure("request_sweep, quiet round", lambda: request_sweep(now=now))
        measure(
            "transparency figures, afresh", lambda: len(str(compute_transparency(timezone.now())))
        )
    finally:
        api.SCRATCH.drop()


if __name__ == "__main__":
    main()
