"""People import benchmark: `import_people` on a generated 3,000-row FKDM roster.

Loads the official area list (kelurahan/data/) into a throwaway SQLite database (or the
database DATABASE_URL names, when set: give it a scratch database, people are written) and
prints the time of a dry run, a first import as an operator of Jakarta Selatan (3,000 new people
and roles, with post_save sent for each), a re-import (all skipped) and a roster of 3,000 new
roles for the people just created. Target: a 3,000-row roster in a few seconds. Run: `make bench`.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_env  # noqa: E402

scratch_env("jakcctv-bench-import-people-", DEBUG="1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from kelurahan.areas_import import import_areas  # noqa: E402
from kelurahan.models import Area, RoleAssignment, User  # noqa: E402
from kelurahan.people.importing import import_people  # noqa: E402
from kelurahan.people.rows import COLUMNS  # noqa: E402
from kelurahan.roles import Level, Role  # noqa: E402

ROWS = 3000


def roster(kelurahan, role):
    lines = [",".join(COLUMNS)]
    for number in range(ROWS):
        area = kelurahan[number % len(kelurahan)]
        lines.append(
            f"fkdm.{number:05d},fkdm{number:05d}@relawan.test,Relawan,{number},{role},"
            f"{area.code},2099-12-31"
        )
    return "\n".join(lines) + "\n"


def timed(label, text, **options):
    with open(os.devnull, "w") as quiet:  # the progress bar is noise here
        start = time.perf_counter()
        report = import_people(text, stream=quiet, **options)
        seconds = time.perf_counter() - start
    print(
        f"{label}: {seconds:.2f}s ({len(report.new_people)} new people, "
        f"{len(report.new_assignments)} new roles, {len(report.skipped)} skipped, "
        f"{len(report.rejected)} rejected)"
    )


def main():
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        import_areas(stream=quiet)
    operator = User.objects.create_user("operator.jaksel", "op@jakcctv.test", "x")
    RoleAssignment.objects.create(user=operator, role=Role.OPERATOR, area_id="31.74")
    kelurahan = list(Area.objects.under("31.74").filter(level=Level.KELURAHAN))
    print(f"database: {connection.vendor}; {ROWS} rows over {len(kelurahan)} kelurahan")
    fkdm = roster(kelurahan, "relawan_fkdm")
    timed("dry run, empty database", fkdm, by=operator, dry_run=True)
    timed("first import", fkdm, by=operator)
    timed("re-import (all skipped)", fkdm, by=operator)
    timed("a new role for each", roster(kelurahan, "petugas_piket"), by=operator)


if __name__ == "__main__":
    main()
