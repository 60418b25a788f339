"""Area benchmarks: kelurahan-of-a-point lookups and the "everything under X" query.

Loads the official list and boundaries (kelurahan/data/) into a throwaway SQLite database
(or the database DATABASE_URL names, when set) and prints figures. Run: `make bench`.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_env  # noqa: E402

scratch_env("jakcctv-bench-areas-", DEBUG="1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from kelurahan.areas_import import import_areas, import_boundaries  # noqa: E402
from kelurahan.geo import kelurahan_code_at  # noqa: E402
from kelurahan.models import Area  # noqa: E402


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(function, samples):
    durations = []
    for sample in samples:
        start = time.perf_counter()
        function(*sample)
        durations.append(time.perf_counter() - start)
    return durations


def report(label, durations, unit=1e6, unit_name="µs"):
    print(
        f"{label}: n={len(durations)} mean={statistics.mean(durations) * unit:.1f}{unit_name} "
        f"p50={percentile(durations, 0.5) * unit:.1f}{unit_name} "
        f"p99={percentile(durations, 0.99) * unit:.1f}{unit_name} "
        f"max={max(durations) * unit:.1f}{unit_name}"
    )


def main():
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:  # progress bars are noise here
        import_areas(stream=quiet)
        import_boundaries(stream=quiet)
    print(f"database: {connection.vendor}; areas: {Area.objects.count()}")

    kelurahan_code_at(-6.2, 106.8)  # build the index once
    rng = random.Random(2026)
    mainland = [(rng.uniform(-6.37, -6.09), rng.uniform(106.68, 106.98)) for _ in range(20000)]
    found = sum(kelurahan_code_at(lat, lon) is not None for lat, lon in mainland)
    report("kelurahan_code_at, random mainland points", timed(kelurahan_code_at, mainland))
    print(f"  inside a kelurahan: {found}/{len(mainland)}")
    outside = [(rng.uniform(-7.5, -6.5), rng.uniform(107.0, 108.0)) for _ in range(5000)]
    report("kelurahan_code_at, points outside Jakarta", timed(kelurahan_code_at, outside))

    codes = list(Area.objects.values_list("code", flat=True))
    samples = [(rng.choice(codes),) for _ in range(2000)]
    report(
        "Area.objects.under(code) as a list of codes",
        timed(lambda code: list(Area.objects.under(code).values_list("code", flat=True)), samples),
    )


if __name__ == "__main__":
    main()
