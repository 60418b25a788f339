"""API benchmark at Jakarta scale: the incident list and the camera list, for a kelurahan officer
and for the provincial admin, through an API token (and, for comparison, a browser session).

Seeds a scratch database it creates itself (`jakcctv_bench` on the PostgreSQL server DATABASE_URL
points at, dropped again at the end; without DATABASE_URL a throwaway SQLite file): the official
area list with all 267 kelurahan (kelurahan/data/) and RW_PER_KELURAHAN RW each, 5,000 cameras,
100,000 incidents spread over kelurahan, levels, statuses and a year of dates, and 10,000 users
with role assignments. Then serves the portal with daphne and prints, per persona and endpoint:
SQL queries per request (counted in-process on the same requests, at several page sizes),
requests/s as fast as one daphne answers (and daphne's CPU time per request, a figure other work
on the machine disturbs less), and p50/p99 at a fixed rate (BENCH_RATE per second).
Prints figures; asserts nothing. Targets (issue 4): p99 <= 50 ms, <= 3 queries per request
regardless of page size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/api.py

Options (environment): BENCH_SECONDS (30: some 600 samples, so that p99 is not the
second-worst one) per run, BENCH_CONNECTIONS (8), BENCH_RATE (20), BENCH_VERBOSE=1 prints the
SQL, BENCH_KEEP_DB=1 keeps the seeded scratch database for the next run (and uses one kept
earlier).
"""

import io
import os
import random
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import SCRATCH_DATABASE, scratch_env  # noqa: E402

# Keep the seeded scratch database at the end and use it again next time (to iterate quickly).
KEEP = os.environ.get("BENCH_KEEP_DB") == "1"
# Pages (not only JSON) with DEBUG=0 need the hashed static files: collected into the scratch.
SCRATCH = scratch_env("jakcctv-bench-api-", own_database=True, keep=KEEP, roots=("media", "static"))
ENV, PG_SERVER = SCRATCH.env, SCRATCH.server

import django  # noqa: E402

django.setup()

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.load import Daphne, get_request, run_load  # noqa: E402
from cameras.models import Camera, Tag  # noqa: E402
from incidents.models import Category, Incident, IncidentLevel, Severity, Status  # noqa: E402
from incidents.services import ack_deadline  # noqa: E402
from kelurahan.areas_import import import_areas  # noqa: E402
from kelurahan.codes import ancestor_at  # noqa: E402
from kelurahan.models import ApiToken, Area, RoleAssignment, User  # noqa: E402
from kelurahan.roles import Level, Role  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "30"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
RATE = int(os.environ.get("BENCH_RATE", "20"))
VERBOSE = os.environ.get("BENCH_VERBOSE") == "1"
CAMERAS, INCIDENTS, USERS = 5_000, 100_000, 10_000
RW_PER_KELURAHAN = 5
OFFICER_KELURAHAN = "31.73.05.1001"  # Kebon Jeruk
ENDPOINTS = ["/api/v1/incidents/", "/api/v1/cameras/"]
PAGE_SIZES = [10, 100, 1000]
BATCH = 5_000
UNUSABLE = "!"  # an unusable password hash: nobody signs in with a password here


def seed():
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if KEEP and Incident.objects.count() >= INCIDENTS:
        print(f"seeded earlier (BENCH_KEEP_DB=1): {Incident.objects.count():,} incidents")
        return
    import_areas(stream=io.StringIO())
    kelurahan = list(Area.objects.filter(level=Level.KELURAHAN).values_list("code", "lat", "lon"))
    rws = [
        Area(code=f"{code}.{n:03d}", name=f"RW {n:03d}", level=Level.RW, parent_id=code)
        for code, _lat, _lon in kelurahan
        for n in range(1, RW_PER_KELURAHAN + 1)
    ]
    Area.objects.bulk_create(rws, batch_size=BATCH)
    rng = random.Random(2026)
    users = _seed_users(rng, [code for code, _lat, _lon in kelurahan], [rw.code for rw in rws])
    _seed_cameras(rng, kelurahan)
    _seed_incidents(rng, [code for code, _lat, _lon in kelurahan], [rw.code for rw in rws], users)
    print(
        f"seeded in {time.perf_counter() - started:.0f} s: {len(kelurahan)} kelurahan, "
        f"{len(rws):,} RW, {Camera.objects.count():,} cameras, "
        f"{Incident.objects.count():,} incidents, {User.objects.count():,} users, "
        f"{RoleAssignment.objects.count():,} assignments"
    )


def _seed_users(rng, kelurahan, rws):
    """10,000 people: admins, kota and kecamatan operators, and per kelurahan 2 staf, 8 piket
    and 25 FKDM volunteers; the rest FKDM volunteers of an RW."""
    plan = [(Role.ADMIN_PROVINSI, "31")] * 5
    for code in Area.objects.filter(level=Level.KOTA).values_list("code", flat=True):
        plan += [(Role.OPERATOR, code)] * 10
    for code in Area.objects.filter(level=Level.KECAMATAN).values_list("code", flat=True):
        plan += [(Role.OPERATOR, code)] * 5
    for code in kelurahan:
        plan += [(Role.STAF_KELURAHAN, code)] * 2
        plan += [(Role.PETUGAS_PIKET, code)] * 8
        plan += [(Role.RELAWAN_FKDM, code)] * 25
    plan += [(Role.RELAWAN_FKDM, rng.choice(rws)) for _ in range(USERS - len(plan))]
    users = User.objects.bulk_create(
        [User(username=f"bench.{n:05d}", password=UNUSABLE) for n in range(len(plan))],
        batch_size=BATCH,
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=user, role=role, area_id=code)
            for user, (role, code) in zip(users, plan, strict=True)
        ],
        batch_size=BATCH,
    )
    return [user.pk for user in users]


def _seed_cameras(rng, kelurahan):
    tags = [
        Tag.objects.create(slug=slug, name=slug.replace("-", " ").title())
        for slug in ("taman-24-jam", "rawan-banjir", "rawan-kebakaran", "keramaian")
    ]
    statuses = [Camera.Status.ACTIVE] * 90 + [Camera.Status.MAINTENANCE] * 7
    statuses += [Camera.Status.RETIRED] * 3
    cameras = []
    for n in range(CAMERAS):
        code, lat, lon = rng.choice(kelurahan)
        area = code if rng.random() < 0.6 else f"{code}.{rng.randint(1, RW_PER_KELURAHAN):03d}"
        cameras.append(
            Camera(
                code=f"bench-{n:05d}",
                name=f"Kamera {n:05d}",
                area_id=area,
                lat=lat + rng.uniform(-0.002, 0.002),
                lon=lon + rng.uniform(-0.002, 0.002),
                status=rng.choice(statuses),
                online=rng.random() < 0.8,
                is_public=rng.random() < 0.1,
            )
        )
    cameras = Camera.objects.bulk_create(cameras, batch_size=BATCH)
    links = [
        Camera.tags.through(camera_id=camera.pk, tag_id=tag.pk)
        for camera in cameras
        for tag in rng.sample(tags, rng.randint(0, 2))
    ]
    Camera.tags.through.objects.bulk_create(links, batch_size=BATCH)


def _seed_incidents(rng, kelurahan, rws, users):
    now = timezone.now()
    levels = [IncidentLevel.KELURAHAN] * 70 + [IncidentLevel.KECAMATAN] * 15
    levels += [IncidentLevel.KOTA] * 10 + [IncidentLevel.PROVINSI] * 5
    statuses = [Status.BARU] * 10 + [Status.DITERIMA] * 10 + [Status.DITANGANI] * 10
    statuses += [Status.SELESAI] * 60 + [Status.DITUTUP] * 10
    sources = [Incident.Source.PORTAL] * 5 + [Incident.Source.JAKI] * 3
    sources += [Incident.Source.CAMERA, Incident.Source.DETECTOR]
    batch = []
    for n in range(INCIDENTS):
        area = rng.choice(kelurahan) if rng.random() < 0.8 else rng.choice(rws)
        level = rng.choice(levels)
        created = now - timedelta(seconds=rng.randint(0, 365 * 86400))
        severity = rng.choice(Severity.values)
        status = rng.choice(statuses)
        source = rng.choice(sources)
        outside = source in {Incident.Source.JAKI, Incident.Source.DETECTOR}
        batch.append(
            Incident(
                category=rng.choice(Category.values),
                severity=severity,
                title=f"Kejadian {n}",
                description="Uraian kejadian untuk pengukuran.",
                area_id=area,
                level=level,
                responsible_area_id=ancestor_at(area, level),
                status=status,
                source=source,
                external_id=f"bench-{n}" if outside else "",
                reporter_id=rng.choice(users),
                reporter_name="Warga" if source == Incident.Source.JAKI else "",
                created_at=created,
                ack_due_at=ack_deadline(severity, created),
                resolve_due_at=created + timedelta(days=settings.INCIDENT_FOLLOW_UP_DAYS),
                acknowledged_at=None if status == Status.BARU else created,
                resolved_at=created if status in {Status.SELESAI, Status.DITUTUP} else None,
            )
        )
        if len(batch) == BATCH:
            Incident.objects.bulk_create(batch)
            batch = []
    Incident.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        # As autovacuum leaves a live database: statistics, and the visibility map that lets
        # counts read the index alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def personas():
    """(label, username, token key, session cookie) for the kelurahan officer and the admin."""
    User.objects.filter(username__in=["bench.staf", "bench.admin"]).delete()
    officer = User.objects.create(username="bench.staf", password=UNUSABLE)
    RoleAssignment.objects.create(user=officer, role=Role.STAF_KELURAHAN, area_id=OFFICER_KELURAHAN)
    admin = User.objects.create(username="bench.admin", password=UNUSABLE)
    RoleAssignment.objects.create(user=admin, role=Role.ADMIN_PROVINSI, area_id="31")
    TOTP.activate(admin, generate_totp_secret())  # admins' sessions need TOTP enrolled
    found = []
    for label, user in (("kelurahan officer", officer), ("provincial admin", admin)):
        _token, key = ApiToken.issue(user=user, name="bench")
        found.append((label, user, key, _session_cookie(user)))
    return found


def _session_cookie(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def count_queries(headers, path):
    """(status, count, number of queries) for one request, after a warm-up one."""
    client = Client(headers=headers)
    client.get(path)  # warm: grants cache, last-used time
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if VERBOSE:
        for query in queries.captured_queries:
            print(f"      {query['sql'][:400]}")
    count = response.json().get("count") if response.status_code == 200 else None
    return response.status_code, count, len(queries.captured_queries)


def main():
    print(
        f"database: {connection.vendor} ({SCRATCH_DATABASE if PG_SERVER else 'scratch file'}); "
        f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[1]}; "
        f"{CONNECTIONS} connections, {SECONDS} s per run, fixed rate {RATE}/s"
    )
    seed()
    people = personas()
    print("\nSQL queries per request (in-process, same requests):")
    for label, _user, key, cookie in people:
        for path in ENDPOINTS:
            for auth, headers in (
                ("token", {"Authorization": f"Token {key}"}),
                ("session", {"Cookie": cookie}),
            ):
                counts = []
                for size in PAGE_SIZES:
                    status, total, queries = count_queries(headers, f"{path}?page_size={size}")
                    counts.append(f"page {size}: {queries}")
                print(f"  {label:17} {auth:7} {path:20} {total:>7,} rows  " + ", ".join(counts))
    connections.close_all()
    print(f"\nLatency through daphne (one process), page size 100, {SECONDS} s per run:")
    print(f"  (load average before: {_load()}; other work on this machine skews these figures)")
    with Daphne(ENV) as server:
        for label, _user, key, cookie in people:
            for path in ENDPOINTS:
                for auth, headers in (
                    ("token", {"Authorization": f"Token {key}"}),
                    ("session", {"Cookie": cookie}),
                ):
                    request = get_request(path, headers)
                    run_load(server.port, lambda r=request: r, seconds=2, connections=CONNECTIONS)
                    cpu = _cpu_seconds(server.process.pid)
                    most = run_load(
                        server.port, lambda r=request: r, seconds=SECONDS, connections=CONNECTIONS
                    )
                    cpu = _cpu_seconds(server.process.pid) - cpu
                    paced = run_load(
                        server.port,
                        lambda r=request: r,
                        seconds=SECONDS,
                        connections=CONNECTIONS,
                        rate=RATE,
                    )
                    name = f"{label} {auth} {path}"
                    print(
                        f"  {name}: as fast as possible {most.rate:,.0f} req/s, daphne CPU "
                        f"{cpu / max(len(most.latencies), 1) * 1000:.1f} ms per request"
                    )
                    print(f"  {paced.line(f'{name} at {RATE}/s')}")
    print(f"  (load average after: {_load()})")
    print("targets: p99 <= 50 ms, <= 3 queries per request regardless of page size")


def _cpu_seconds(pid):
    """CPU time a process has used (its own work, whatever else the machine runs)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load():
    return " ".join(f"{value:.1f}" for value in os.getloadavg()) + f" on {os.cpu_count()} cores"


if __name__ == "__main__":
    # Stopped (SIGTERM): still stop daphne and drop the scratch database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        main()
    finally:
        if not KEEP:
            SCRATCH.drop()
