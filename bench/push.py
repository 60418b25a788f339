"""Web Push benchmark: from an incident's creation to the push receiver decrypting it, with
PUSH_SUBSCRIPTIONS devices (default 1,000) that all must be told.

Loads the demo areas into a throwaway SQLite database (or the database DATABASE_URL names, when
set: give it a scratch database, rows are written), makes PUSH_SUBSCRIPTIONS FKDM volunteers of
Kebon Jeruk with one device each, whose push service is the local receiver of the tests
(tests/push_receiver.py: it checks the VAPID signature and decrypts RFC 8291 aes128gcm with each
device's own key, as a browser would). The real worker runs beside it
(`python manage.py send_push --every 0.2 --workers PUSH_WORKERS`, default 2 sender processes,
waited for until they run); PUSH_INCIDENTS incidents (default 10) are raised in Kebon Jeruk,
one at a time, each waited for on every device. Prints the latency of every delivery (creation
committed → decrypted at the receiver): median, p99, max, and the time until the first and the
last device of each incident heard of it; and the CPU per push of the worker's rounds (its
processes' time once they run, as deployed: DEBUG off) and of this process (the receiver and
the wait). On a shared machine the CPU figures are the ones to compare, the latency follows the
load.
Target: p99 <= 2 s at 1,000 subscriptions. Run: `make bench`.
"""

import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import scratch_env  # noqa: E402

scratch_env("jakcctv-bench-push-", DJANGO_SETTINGS_MODULE="bench.push_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from alerts.push.keys import generate_pair  # noqa: E402
from alerts.push.models import PushSubscription  # noqa: E402
from incidents.services import incident_create  # noqa: E402
from kelurahan.areas_import import import_areas  # noqa: E402
from kelurahan.demo import DEMO_AREAS_CSV  # noqa: E402
from kelurahan.models import RoleAssignment, User  # noqa: E402
from kelurahan.roles import Role  # noqa: E402
from tests.push_receiver import PushReceiver  # noqa: E402

SUBSCRIPTIONS = int(os.environ.get("PUSH_SUBSCRIPTIONS", "1000"))
INCIDENTS = int(os.environ.get("PUSH_INCIDENTS", "10"))
WORKERS = int(os.environ.get("PUSH_WORKERS", "2"))
KEBON_JERUK = "31.73.05.1001"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def people(receiver):
    # "!" prefixed: an unusable password (nobody signs in as them).
    User.objects.bulk_create(
        [User(username=f"fkdm.bench.{n}", password="!bench") for n in range(SUBSCRIPTIONS)]  # noqa: S106
    )
    users = list(User.objects.filter(username__startswith="fkdm.bench."))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.RELAWAN_FKDM, area_id=KEBON_JERUK) for u in users]
    )
    devices = []
    rows = []
    for user in users:
        device = receiver.device()
        sub = device.subscription("rendah")
        rows.append(
            PushSubscription(
                user=user, endpoint=sub["endpoint"], min_severity="rendah", **sub["keys"]
            )
        )
        devices.append(device)
    PushSubscription.objects.bulk_create(rows)
    return devices


def cpu_of(pid):
    """Seconds of CPU (user + system) used so far by process `pid` and its children (Linux)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for each in [pid, *map(int, children)]:
        fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (stat's 14th and 15th)
    return total / os.sysconf("SC_CLK_TCK")


def ready(worker):
    """Wait until each of the worker's sender processes has said it runs (a worker just started
    is not what is measured), then keep reading what it says so that it never blocks."""
    started = 0
    while started < WORKERS:
        line = worker.stdout.readline()
        if not line:
            raise SystemExit("the push worker ended before it started")
        started += "Ctrl-C" in line
    threading.Thread(target=worker.stdout.read, daemon=True).start()


def main():
    call_command("migrate", verbosity=0)
    import_areas(DEMO_AREAS_CSV, stream=open(os.devnull, "w"))  # noqa: SIM115
    public, private = generate_pair()
    with PushReceiver() as receiver:
        settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = public, private
        devices = people(receiver)
        env = {
            **os.environ,
            "VAPID_PUBLIC_KEY": public,
            "VAPID_PRIVATE_KEY": private,
            "PUSH_SERVICE_HOSTS": receiver.origin,
        }
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "send_push", "--every", "0.2", "--workers", str(WORKERS)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready(worker)
        worker_started = cpu_of(worker.pid)
        latencies, last = [], []
        seen = 0  # messages of the receiver's log read so far
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        try:
            for number in range(INCIDENTS):
                with transaction.atomic():
                    incident = incident_create(
                        by=None,
                        category="tawuran",
                        severity="tinggi",
                        title=f"Uji push {number}",
                        area_code=KEBON_JERUK,
                    )
                started = time.monotonic()  # committed: the worker may see it from now on
                url = f"/kejadian/{incident.pk}/"
                deadline = started + 60
                arrivals = []
                # Only what arrived since the last look is read: the receiver shares this
                # process (and its GIL), a look at every device would slow it down.
                while len(arrivals) < len(devices) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    new = receiver.log[seen:]
                    seen += len(new)
                    arrivals += [at for _device, message, at in new if message["url"] == url]
                delays = [at - started for at in arrivals]
                latencies += delays
                last.append(max(delays) if delays else float("inf"))
                first = min(delays, default=float("inf"))
                print(
                    f"incident {number + 1}: {len(arrivals)}/{len(devices)} devices, "
                    f"first after {first:.2f} s, last after {last[-1]:.2f} s"
                )
            worker_rounds = cpu_of(worker.pid) - worker_started
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        own_after = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
    missing = INCIDENTS * SUBSCRIPTIONS - len(latencies)
    print(
        f"\n{SUBSCRIPTIONS} subscriptions, {WORKERS} sender processes, {INCIDENTS} incidents, "
        f"{len(latencies)} deliveries decrypted, {missing} missing, "
        f"{len(receiver.problems)} refused by the receiver"
    )
    delivered = max(len(latencies), 1)
    worker_cpu = children.ru_utime + children.ru_stime  # its start and end too
    receiver_cpu = (own_after.ru_utime + own_after.ru_stime) - (
        own_before.ru_utime + own_before.ru_stime
    )
    print(
        f"CPU: worker {1000 * worker_rounds / delivered:.2f} ms per push in its rounds "
        f"({1000 * worker_cpu / delivered:.2f} with its start, {worker_started:.1f} s), "
        f"receiver and benchmark {1000 * receiver_cpu / delivered:.2f} ms per push; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    if latencies:
        print(
            f"creation → decrypted: median {percentile(latencies, 0.5):.2f} s, "
            f"p99 {percentile(latencies, 0.99):.2f} s, max {max(latencies):.2f} s "
            f"(target p99 <= 2 s); last device per incident: median "
            f"{percentile(last, 0.5):.2f} s"
        )


if __name__ == "__main__":
    main()
