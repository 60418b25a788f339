"""The fuzz stage: schemathesis over the OpenAPI schema, as an FKDM volunteer, kelurahan staff
and a provincial admin, with every check, must find nothing.

Each persona gets its own fresh test database (transaction=True: emptied after the test) with
the demo areas, people, cameras and agencies, an API token, and a real daphne serving it (the
production server: Twisted's parsing and the ASGI path included), stopped when the run ends.
schemathesis runs as its command line does, with tests/site/schemathesis.toml: schema examples,
generated cases (MAX_EXAMPLES per operation, drawn the same way on every run) and stateful
sequences (create an incident, then act on it). The coverage phase (every boundary and every
kind of wrong value of every parameter, about 3,500 requests) runs as the admin, who reaches
every operation's validation; the volunteer and the staff member meet refusals first. It runs
in the PostgreSQL pass of CI only (see PHASES).

The figures (operations, cases, seconds) are printed at the end of the pytest run.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from incidents.demo import create_agencies
from kelurahan.models import ApiToken
from tests.figures import FUZZ_FIGURES
from tests.live_daphne import LiveDaphne

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 5
PHASES = {
    "fkdm.kebonjeruk": "examples,fuzzing,stateful",
    "staf.kebonjeruk": "examples,fuzzing,stateful",
    "admin.provinsi": "examples,coverage,fuzzing,stateful",
}
# The coverage phase is most of the stage's time; it runs where production runs (PostgreSQL),
# the drawn cases on every database.
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    PHASES["admin.provinsi"] = "examples,fuzzing,stateful"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", list(PHASES))
def test_schemathesis_finds_nothing(persona, demo_users, demo_cameras, tmp_path):
    create_agencies()
    _token, key = ApiToken.issue(user=demo_users[persona], name="fuzz")
    started = time.monotonic()
    # New data requests are throttled per visitor (tests/datarequests tests that); here every
    # case comes from one address, and the stage is to reach the validation behind it.
    with LiveDaphne(DATAREQUEST_RATE="1000000/hour") as server:
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "--config-file",
                str(CONFIG),
                "run",
                f"{server.url}/api/v1/schema/?format=json",
                "--checks",
                "all",
                "--max-examples",
                str(MAX_EXAMPLES),
                "--phases",
                PHASES[persona],
                "--workers",
                "1",
                "--report",
                "json",
                "--report-dir",
                str(tmp_path),
            ],
            # Its caches and reports stay in the test's temporary folder.
            cwd=tmp_path,
            env={**server.env, "JAKCCTV_FUZZ_TOKEN": key, "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            timeout=900,
        )
        server_log = server.output()
    report = json.loads(next(tmp_path.glob("json-*.json")).read_text())
    FUZZ_FIGURES[persona] = {
        "phases": PHASES[persona],
        "operations": report["operations"]["tested"],
        "cases": report["test_cases"]["generated"],
        "seconds": round(time.monotonic() - started),
    }
    # schemathesis's own account (its failures and how to reproduce them) comes last, where a
    # log cut short in the middle still shows it.
    assert run.returncode == 0, f"{server_log[-2000:]}\n{run.stderr[-2000:]}\n{run.stdout[-20000:]}"
    assert report["operations"]["tested"] == report["operations"]["total"] > 40
    assert not report["failures"] and not report["errors"]
