"""Camera import benchmark: `import_cameras` on a generated 5,000-row CSV.

Loads the official area list (kelurahan/data/) into a throwaway SQLite database (or the
database DATABASE_URL names, when set: give it a scratch database, cameras are written) and
prints the time of a first import (all created), a dry run, a re-import (all unchanged) and an
import where a tenth of the rows change. Target: 5,000 rows in seconds. Run: `make bench`.
"""

import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_env  # noqa: E402

scratch_env("jakcctv-bench-import-cameras-", DEBUG="1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from cameras.importing import COLUMNS, import_cameras  # noqa: E402
from kelurahan.areas_import import import_areas  # noqa: E402
from kelurahan.models import Area  # noqa: E402
from kelurahan.roles import Level  # noqa: E402

ROWS = 5000
TAGS = ["jalan", "pasar", "halte", "permukiman", "rawan-banjir", "taman-24-jam", "sekolah"]


def write_csv(path, kelurahan, *, renamed=0):
    rng = random.Random(2026)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for number in range(ROWS):
            area = kelurahan[number % len(kelurahan)]
            csr = number % 7 == 0
            writer.writerow(
                [
                    f"cam-{number:05d}",
                    f"Kamera {number}{' (baru)' if number < renamed else ''}",
                    area.code,
                    round(area.lat + rng.uniform(-0.003, 0.003), 6),
                    round(area.lon + rng.uniform(-0.003, 0.003), 6),
                    "ptz" if number % 5 == 0 else "fixed",
                    ";".join(rng.sample(TAGS, 2)),
                    "csr" if csr else "apbd",
                    "PT Contoh" if csr else "",
                    "2025-06-01",
                    "1" if number % 10 == 0 else "0",
                    "aktif",
                    f"rtsp://viewer:rahasia{number}@10.{number // 250}.{number % 250}.1:554/live",
                ]
            )


def timed(label, path, **options):
    with open(os.devnull, "w") as quiet:  # the progress bar is noise here
        start = time.perf_counter()
        result = import_cameras(path, stream=quiet, **options)
        seconds = time.perf_counter() - start
    print(
        f"{label}: {seconds:.2f}s ({len(result.created)} created, {len(result.updated)} "
        f"updated, {result.unchanged} unchanged, {len(result.rejected)} rejected)"
    )


def main():
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        import_areas(stream=quiet)
    kelurahan = list(Area.objects.filter(level=Level.KELURAHAN, lat__isnull=False))
    print(f"database: {connection.vendor}; {ROWS} rows over {len(kelurahan)} kelurahan")
    with tempfile.TemporaryDirectory() as scratch:
        first, changed = Path(scratch, "cameras.csv"), Path(scratch, "changed.csv")
        write_csv(first, kelurahan)
        write_csv(changed, kelurahan, renamed=ROWS // 10)
        timed("dry run, empty database", first, dry_run=True)
        timed("first import", first)
        timed("re-import", first)
        timed("dry run, nothing to do", first, dry_run=True)
        timed("a tenth renamed", changed)


if __name__ == "__main__":
    main()
