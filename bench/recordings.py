"""Recordings benchmark: (a) CPU of the embedded stream supervisor with recording on vs off,
(b) click-to-first-frame of a range an hour ago in Chromium, (c) the 24-hour timeline query
with an index of 5,000 cameras x 14 days, (d) a retention pass over that index.

(a) runs the supervisor (real ffmpeg, BENCH_CAMERAS demo cameras) for BENCH_SECONDS with
recording off, then on, in the same run, and counts the CPU of this process (the supervisor's
threads) and of its ffmpeg children. (b) records the Kebon Jeruk demo camera with `run_streams`
for half a minute, moves those real segments an hour back in the layout (renamed, reindexed),
and times, in Chromium against daphne, from asking to play that moment to a moving picture with
its WIB time shown. (c) and (d) fill a throwaway database with 1.68 million hourly rows.

Runs on a throwaway SQLite database (or DATABASE_URL; BENCH_REUSE=1 then reuses the index and
marks an earlier run left there). Prints figures; asserts nothing.
Targets (issue 13): (a) ratio <= 1.1; (b) <= 1 s; (c) p99 <= 50 ms; (d) <= 60 s.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_env  # noqa: E402

SCRATCH = scratch_env(
    "jakcctv-bench-recordings-",
    roots=("recordings",),
    STREAM_MODE="embedded",
    RECORDING_MIN_FREE_MB="0",
)
ENV, _scratch = SCRATCH.env, SCRATCH.folder

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.load import Daphne  # noqa: E402
from cameras import supervisor  # noqa: E402
from cameras.demo import create_cameras  # noqa: E402
from cameras.models import Camera, RecordingHour  # noqa: E402
from cameras.playback import timeline  # noqa: E402
from cameras.recording_retention import delete_hours, expired_hours  # noqa: E402
from cameras.recordings import (  # noqa: E402
    floor_hour,
    hour_folder,
    index_hour_folder,
    read_hour,
    recorded_spans,
    segment_name,
)
from cameras.signals import timeline_marks_wanted  # noqa: E402
from kelurahan.areas_import import import_areas  # noqa: E402
from kelurahan.demo import DEMO_AREAS_CSV, create_rw_rt, create_users  # noqa: E402
from kelurahan.models import User  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "30"))
CAMERAS = int(os.environ.get("BENCH_CAMERAS", "4"))
INDEX_CAMERAS = int(os.environ.get("BENCH_INDEX_CAMERAS", "5000"))
INDEX_DAYS = 14
KEBON_JERUK = "31.73.05.1001"
TICKS = os.sysconf("SC_CLK_TCK")


def prepare():
    call_command("migrate", verbosity=0)
    if os.environ.get("BENCH_REUSE") and User.objects.filter(username="operator.jakbar").exists():
        return
    with open(os.devnull, "w") as quiet:
        import_areas(DEMO_AREAS_CSV, stream=quiet)
    create_rw_rt()
    create_users("bench-password")
    create_cameras()


# --- (a) supervisor CPU, recording off vs on ------------------------------------------------


def _children_cpu(sup):
    total = 0
    for stream in sup.streams.values():
        if stream.process is None:
            continue
        try:
            fields = Path(f"/proc/{stream.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return total


def supervisor_cpu(record):
    cameras = list(Camera.objects.streamable().order_by("pk")[:CAMERAS])
    Camera.objects.filter(pk__in=[c.pk for c in cameras]).update(record=record)
    sources = [supervisor.StreamSource(c.code, "", c.pk, record) for c in cameras]
    sup = supervisor.Supervisor(
        _scratch / f"streams-{record}", sources=lambda: sources, check_health=False
    )
    thread = threading.Thread(target=sup.run, daemon=True)
    thread.start()
    time.sleep(5)  # ffmpeg started and settled
    own, children = time.process_time(), _children_cpu(sup)
    time.sleep(SECONDS)
    own, children = time.process_time() - own, _children_cpu(sup) - children
    sup.stop()
    thread.join(timeout=30)
    return own + children, own


def part_a():
    off, off_own = supervisor_cpu(False)
    on, on_own = supervisor_cpu(True)
    recorded = RecordingHour.objects.aggregate(s=django.db.models.Sum("seconds"))["s"] or 0
    print(
        f"(a) supervisor + ffmpeg CPU over {SECONDS} s, {CAMERAS} cameras: recording off "
        f"{off:.2f} s (supervisor {off_own:.2f}), on {on:.2f} s (supervisor {on_own:.2f}); "
        f"ratio {on / off:.3f} (target <= 1.1); {recorded:.0f} s recorded"
    )


# --- (b) click to first frame, a range an hour ago --------------------------------------------

FIRST_FRAME = """async (at) => {
    const recordings = document.querySelector('[data-recordings]').recordings;
    const video = document.querySelector('video');
    recordings.clock.dataset.at = '';
    const started = performance.now();
    recordings.playFrom(new Date(at));
    await new Promise((resolve) => {
        const look = () => {
            if (recordings.clock.dataset.at && video.currentTime > 0 && !video.paused) resolve();
            else requestAnimationFrame(look);
        };
        look();
    });
    return performance.now() - started;
}"""


def part_b(samples=10):
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS
    from tests.provision import chromium

    camera = Camera.objects.get(code="kebonjeruk-simpang")
    Camera.objects.filter(pk=camera.pk).update(record=True)
    env = {**ENV, "DEBUG": "1"}
    streams = subprocess.Popen(
        [sys.executable, "manage.py", "run_streams"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(40)
    os.killpg(streams.pid, signal.SIGTERM)
    streams.wait(timeout=30)
    # Those real segments, an hour earlier.
    moved = []
    for folder in sorted(Path(settings.RECORDINGS_ROOT, str(camera.pk)).glob("*/*")):
        for segment in read_hour(folder):
            start = segment.start - timedelta(hours=1)
            target = hour_folder(camera.pk, start) / segment_name(start, segment.duration)
            target.parent.mkdir(parents=True, exist_ok=True)
            segment.path.rename(target)
            moved.append(start)
    RecordingHour.objects.filter(camera=camera).delete()
    for hour in {floor_hour(start) for start in moved}:
        index_hour_folder(camera.pk, hour)
    first = min(moved) + timedelta(seconds=2)
    times = []
    executable = chromium()
    with Daphne(env) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(base_url=f"http://127.0.0.1:{server.port}")
        page.goto("/accounts/login/")
        page.fill("#id_login", "piket.kebonjeruk")
        page.fill("#id_password", "bench-password")
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/" not in url)
        page.goto(f"/kamera/{camera.pk}/")
        page.wait_for_function("() => document.querySelector('[data-recordings]').recordings")
        for index in range(samples + 1):
            at = first + timedelta(seconds=2 * index)
            elapsed = page.evaluate(FIRST_FRAME, at.astimezone(UTC).isoformat())
            if index:  # the first one warms the browser's caches of hls.js and the page
                times.append(elapsed / 1000)
        browser.close()
    times.sort()
    print(
        f"(b) click to first frame, a range an hour ago ({len(moved)} real segments moved back "
        f"an hour), {samples} samples: median {times[len(times) // 2]:.3f} s, "
        f"max {times[-1]:.3f} s (target <= 1 s)"
    )


# --- (c) and (d): the index of 5,000 cameras x 14 days ----------------------------------------


def fill_index(now):
    area = KEBON_JERUK
    if os.environ.get("BENCH_REUSE"):  # a database filled by an earlier run: its index again
        ids = list(Camera.objects.filter(code__startswith="idx-").values_list("pk", flat=True))
        if ids:
            print(f"    index: reused, {len(ids):,} cameras")
            return ids
    cameras = [
        Camera(code=f"idx-{n:05d}", name=f"Indeks {n}", area_id=area, lat=-6.19, lon=106.77)
        for n in range(INDEX_CAMERAS)
    ]
    Camera.objects.bulk_create(cameras, batch_size=1000)
    ids = list(Camera.objects.filter(code__startswith="idx-").values_list("pk", flat=True))
    # 15 days up to now: the oldest day (less an hour) is past the 14 days' retention.
    first = floor_hour(now) - timedelta(days=INDEX_DAYS + 1) + timedelta(hours=1)
    hours = [first + timedelta(hours=h) for h in range((INDEX_DAYS + 1) * 24)]
    started = time.monotonic()
    adapt = connection.ops.adapt_datetimefield_value
    stamps = [adapt(hour) for hour in hours]
    updated = adapt(now)
    sql = (
        "INSERT INTO cameras_recordinghour (camera_id, hour, seconds, gaps, covered_from, "
        "covered_to, bytes, held_until, updated_at) "
        "VALUES (%s, %s, 3590, '[[1800, 1810]]', 0, 3600, 65000000, NULL, %s)"
    )
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(ids), 100):  # plain INSERTs: bulk_create takes minutes here
            values = [(c, stamp, updated) for c in ids[start : start + 100] for stamp in stamps]
            cursor.executemany(sql, values)
            rows += len(values)
    print(
        f"    index: {rows:,} hourly rows for {len(ids):,} cameras x {INDEX_DAYS + 1} days "
        f"({time.monotonic() - started:.0f} s to fill)"
    )
    return ids


def fill_marks(ids, now):
    """What the timeline marks on top of the index: BENCH_INCIDENTS incidents and as many shift
    notes on those cameras over the 14 days (a busy Jakarta: ~1.4 of each per camera a day)."""
    import random

    from incidents.models import Incident
    from shifts.models import Shift, ShiftNote, ShiftSlot

    count = int(os.environ.get("BENCH_INCIDENTS", "100000"))
    if not count or Incident.objects.filter(title__startswith="Kejadian uji").exists():
        return
    started = time.monotonic()
    draw = random.Random(13)
    span = INDEX_DAYS * 86400
    author = User.objects.get(username="piket.kebonjeruk")

    def moments():
        return sorted(now - timedelta(seconds=draw.randrange(span)) for _ in range(count))

    incidents = [
        Incident(
            category="lainnya",
            severity="sedang",
            title=f"Kejadian uji {n}",
            description="Uraian panjang kejadian. " * 20,
            area_id=KEBON_JERUK,
            responsible_area_id=KEBON_JERUK,
            camera_id=draw.choice(ids),
            created_at=moment,
            resolve_due_at=moment + timedelta(days=6),
        )
        for n, moment in enumerate(moments())
    ]
    Incident.objects.bulk_create(incidents, batch_size=2000)
    slot = ShiftSlot.objects.create(
        kelurahan_id=KEBON_JERUK, name="bench", label="Bench", starts="00:00", ends="23:59"
    )
    shifts = {}
    notes = []
    for n, moment in enumerate(moments()):
        day = timezone.localdate(moment)
        if day not in shifts:
            start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
            shifts[day] = Shift.objects.create(
                kelurahan_id=KEBON_JERUK,
                slot=slot,
                date=day,
                starts_at=start,
                ends_at=start + timedelta(days=1),
            )
        text = f"Catatan uji {n}\n" + "Isi catatan yang panjang. " * 20
        notes.append(
            ShiftNote(
                shift=shifts[day],
                author=author,
                text=text,
                camera_id=draw.choice(ids),
                created_at=moment,
            )
        )
    ShiftNote.objects.bulk_create(notes, batch_size=2000)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    print(
        f"    marks: {count:,} incidents and {count:,} shift notes on those cameras "
        f"({time.monotonic() - started:.0f} s to fill)"
    )


def part_c(ids, now, queries=500):
    user = User.objects.get(username="operator.jakbar")
    camera_list = list(Camera.objects.filter(pk__in=ids[:: max(1, len(ids) // queries)]))
    times, spans_only, marks_only = [], [], []
    window = {"start": now - timedelta(hours=24), "end": now}
    for camera in camera_list[:queries]:
        started = time.perf_counter()
        timeline_marks_wanted.send(sender=Camera, camera=camera, user=user, **window)
        marks_only.append(time.perf_counter() - started)
        started = time.perf_counter()
        answer = timeline(camera, user, now - timedelta(hours=24), now)
        times.append(time.perf_counter() - started)
        assert answer["spans"]
        started = time.perf_counter()
        recorded_spans(camera, now - timedelta(hours=24), now)
        spans_only.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries_made:
        timeline(camera_list[0], user, now - timedelta(hours=24), now)
    print(f"    queries per timeline: {len(queries_made)}")
    if os.environ.get("BENCH_SHOW_SQL"):
        for query in queries_made:
            print("     ", query["time"], query["sql"][:600])
    spans_only.sort()
    marks_only.sort()
    print(
        f"    the marks alone (incidents, shift notes): median "
        f"{marks_only[len(marks_only) // 2] * 1000:.1f} ms, p99 "
        f"{marks_only[int(len(marks_only) * 0.99) - 1] * 1000:.1f} ms"
    )
    print(
        f"    the index alone (recorded_spans): median {spans_only[len(times) // 2] * 1000:.1f} "
        f"ms, p99 {spans_only[int(len(times) * 0.99) - 1] * 1000:.1f} ms"
    )
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1]
    print(
        f"(c) timeline of 24 h (spans, incidents, notes) on {connection.vendor}, {len(times)} "
        f"cameras: median {times[len(times) // 2] * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms "
        f"(target p99 <= 50 ms)"
    )


def part_d(now):
    started = time.monotonic()
    with transaction.atomic():
        deleted = delete_hours(expired_hours(now), now)
    seconds = time.monotonic() - started
    print(
        f"(d) retention pass over the index: {deleted:,} expired hours deleted in "
        f"{seconds:.1f} s (target <= 60 s)"
    )


def main():
    prepare()
    print(f"recordings bench, database {connection.vendor}, scratch {_scratch}")
    parts = os.environ.get("BENCH_PARTS", "abcd")
    if "a" in parts:
        part_a()
    if "b" in parts:
        part_b()
    if "c" in parts or "d" in parts:
        now = timezone.now()
        ids = fill_index(now)
        if "c" in parts:
            fill_marks(ids, now)
            part_c(ids, now)
        if "d" in parts:
            part_d(now)


if __name__ == "__main__":
    main()
