"""Live alerts benchmark: N WebSocket clients (default 2,000), one per officer, spread over all
kelurahan, connected to one daphne with the Redis channel layer and driven from separate client
processes (the `websockets` library). Alerts are raised at a fixed rate through
alerts.publish.publish_alert (stored in the database, pushed through Redis), most for one
kelurahan, every tenth for the whole province. Prints raise-to-receive latency p50/p99 for both,
lost and duplicated deliveries, daphne's memory per connection and idle CPU; then the same
clients and the same alert schedule against a minimal asyncio `websockets` broadcast server, and
our latency as a ratio to it. Asserts nothing.

Targets (issue 5): 0 lost, 0 duplicated; kelurahan p99 <= 100 ms and province-wide p99 <= 500 ms
at 2,000 clients. Needs REDIS_URL (skipped without it). Runs on a scratch database it creates
and drops again: `jakcctv_bench` on the PostgreSQL server DATABASE_URL points at, or without
DATABASE_URL a throwaway SQLite file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/alerts.py [--clients 10000] [--processes 4]
"""

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PROVINCE_EVERY = 10  # every tenth alert is province-wide


def raise_fd_limit():
    """Each socket is a file descriptor: allow as many as the hard limit permits."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


# --- Client worker process --------------------------------------------------------------------
# Commands on stdin, one JSON per line: {"connect": url, "protocol": "portal"|"baseline", ...},
# {"report": true}, {"close": true}. Answers on stdout, one JSON per line.


async def client_worker(sockets):
    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    open_sockets, received, readers = [], {}, []

    def answer(data):
        sys.stdout.write(json.dumps(data) + "\n")
        sys.stdout.flush()

    async def listen(index, socket):
        async for text in socket:
            message = json.loads(text)
            if message.get("type") == "alert":
                received.setdefault(index, []).append(
                    (message["id"], time.time() - message["payload"]["t"])
                )

    async def open_one(index, command, gate):
        key, kelurahan = sockets[index]
        portal = command["protocol"] == "portal"
        url = command["connect"] + ("/ws/alerts/" if portal else f"/ws?k={kelurahan}")
        last = None
        for attempt in range(10):
            try:
                async with gate:
                    socket = await connect(
                        url,
                        origin=command["origin"],
                        additional_headers={"Cookie": f"sessionid={key}"} if portal else None,
                        ping_interval=None,
                        open_timeout=60,
                        max_queue=None,
                    )
                    if portal:
                        await socket.send(
                            json.dumps({"type": "resume", "last_id": command["since"]})
                        )
                        while json.loads(await socket.recv())["type"] != "ready":
                            pass
                return index, socket
            except Exception as error:  # noqa: BLE001 (refused or timed out: tried again)
                last = error
                await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"socket {index} could not connect: {last!r}")

    while line := await reader.readline():
        command = json.loads(line)
        if "connect" in command:
            received.clear()
            # Handshakes in flight at once: a crowd waiting longer than daphne's handshake timeout
            # (5 s) is dropped and tries again, which only adds work.
            gate = asyncio.Semaphore(20)
            start = time.monotonic()
            opened = await asyncio.gather(
                *(open_one(i, command, gate) for i in range(len(sockets)))
            )
            open_sockets[:] = [socket for _i, socket in opened]
            readers[:] = [asyncio.create_task(listen(i, socket)) for i, socket in opened]
            answer({"connected": len(opened), "seconds": time.monotonic() - start})
        elif "count" in command:
            answer({"count": sum(len(items) for items in received.values())})
        elif "report" in command:
            answer({"received": received})
        elif "close" in command:
            for task in readers:
                task.cancel()
            await asyncio.gather(*(s.close() for s in open_sockets), return_exceptions=True)
            open_sockets.clear()
            answer({"closed": True})
            return


class Clients:
    """The client processes, each holding its share of the sockets."""

    def __init__(self, sockets, processes):
        self.shares = [sockets[i::processes] for i in range(processes)]
        self.workers = []
        folder = Path(tempfile.mkdtemp(prefix="jakcctv-bench-clients-"))
        for n, share in enumerate(self.shares):
            # In a file: thousands of session keys are too long for an environment variable.
            (folder / f"{n}.json").write_text(json.dumps(share))
            worker = subprocess.Popen(
                [sys.executable, __file__, "--client-worker", str(folder / f"{n}.json")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self.workers.append(worker)

    def ask(self, command):
        for worker in self.workers:
            worker.stdin.write(json.dumps(command) + "\n")
            worker.stdin.flush()
        return [json.loads(worker.stdout.readline()) for worker in self.workers]

    def drain(self, expected, patience=10, limit=120):
        """Wait until `expected` deliveries are in, or none came for `patience` seconds (the rest
        are lost), at most `limit` seconds. Returns the seconds waited."""
        started = last_change = time.monotonic()
        count = -1
        while time.monotonic() - started < limit:
            now_count = sum(a["count"] for a in self.ask({"count": True}))
            if now_count >= expected:
                break
            if now_count != count:
                count, last_change = now_count, time.monotonic()
            elif time.monotonic() - last_change > patience:
                break
            time.sleep(0.5)
        return time.monotonic() - started

    def received(self):
        """{global socket index: [(alert id, latency s), ...]}"""
        merged = {}
        for share_index, answer in enumerate(self.ask({"report": True})):
            for index, items in answer["received"].items():
                merged[int(index) * len(self.workers) + share_index] = items
        return merged

    def close(self):
        try:
            self.ask({"close": True})
        except (OSError, ValueError):
            pass  # a worker that already ended
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


# --- The minimal broadcast server (the baseline) -----------------------------------------------


async def baseline_server(port):
    from websockets.asyncio.server import broadcast, serve

    by_kelurahan, everyone = {}, set()

    async def handler(socket):
        path = socket.request.path
        if path == "/raise":
            async for text in socket:
                message = json.loads(text)
                area = message["area"]
                broadcast(everyone if area == "31" else by_kelurahan.get(area, ()), text)
            return
        kelurahan = path.partition("k=")[2]
        everyone.add(socket)
        by_kelurahan.setdefault(kelurahan, set()).add(socket)
        try:
            await socket.wait_closed()
        finally:
            everyone.discard(socket)
            by_kelurahan[kelurahan].discard(socket)

    async with serve(handler, "127.0.0.1", port, ping_interval=None, max_queue=None):
        print("ready", flush=True)
        await asyncio.Future()


# --- The run ------------------------------------------------------------------------------------


def schedule(kelurahan, rate, seconds, seed=5):
    """(due offset s, area code) of every alert: the same for both servers."""
    pick = random.Random(seed)
    count = int(rate * seconds)
    return [
        (n / rate, "31" if n % PROVINCE_EVERY == PROVINCE_EVERY - 1 else pick.choice(kelurahan))
        for n in range(count)
    ]


def raise_portal_alerts(plan):
    """Raise each alert through publish_alert at its due time (as the sweeps and health checks
    do, from a thread of an asyncio program); returns {id: area} and publish durations."""
    from asgiref.sync import sync_to_async
    from django.db import transaction

    from alerts.publish import publish_alert

    def publish(area, due):
        with transaction.atomic():
            event = publish_alert(
                kind="pengumuman" if area == "31" else "kejadian_baru",
                area_code=area,
                severity="tinggi",
                title="Uji beban",
                payload={"t": due},
                min_depth=1 if area == "31" else 4,
            )
        return event.pk

    async def run():
        raised, durations = {}, []
        start = time.time() + 0.5
        for offset, area in plan:
            due = start + offset
            await asyncio.sleep(max(0.0, due - time.time()))
            began = time.perf_counter()
            raised[await sync_to_async(publish)(area, due)] = area
            durations.append(time.perf_counter() - began)
        return raised, durations

    return asyncio.run(run())


def raise_baseline_alerts(port, plan):
    from websockets.sync.client import connect

    raised = {}
    with connect(f"ws://127.0.0.1:{port}/raise") as control:
        start = time.time() + 0.5
        for n, (offset, area) in enumerate(plan, start=1):
            due = start + offset
            time.sleep(max(0.0, due - time.time()))
            control.send(
                json.dumps({"type": "alert", "id": n, "area": area, "payload": {"t": due}})
            )
            raised[n] = area
    return raised


def expected_deliveries(sockets, raised):
    """How many deliveries `raised` ({id: area}) owes these sockets in all."""
    per_kelurahan = Counter(kelurahan for _key, kelurahan in sockets)
    return sum(len(sockets) if area == "31" else per_kelurahan[area] for area in raised.values())


def score(sockets, raised, received):
    """Latencies by kind, and lost / duplicated deliveries."""
    latency = {"kelurahan": [], "province": []}
    lost = duplicated = expected_total = 0
    for index, (_key, kelurahan) in enumerate(sockets):
        expected = {i for i, area in raised.items() if area in ("31", kelurahan)}
        got = [alert_id for alert_id, _latency in received.get(index, [])]
        expected_total += len(expected)
        lost += len(expected - set(got))
        duplicated += len(got) - len(set(got))
        for alert_id, seconds in received.get(index, []):
            if alert_id in raised:
                kind = "province" if raised[alert_id] == "31" else "kelurahan"
                latency[kind].append(seconds * 1000)
    return latency, lost, duplicated, expected_total


def describe(label, latency):
    for kind, values in latency.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        worst = max(values, default=float("nan"))
        print(
            f"  {label} {kind:9}: {len(values):7,} deliveries, p50 {p50:6.1f} ms, "
            f"p99 {p99:6.1f} ms, max {worst:6.1f} ms"
        )


def process_figures(pid):
    """(RSS in KiB, CPU seconds used) of a process, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss, (int(fields[11]) + int(fields[12])) / ticks


def prepare(clients):
    """Areas, one piket officer with a session per client (round-robin over all kelurahan)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from kelurahan.areas_import import import_areas
    from kelurahan.models import Area, RoleAssignment, User

    call_command("migrate", run_syncdb=True, verbosity=0)
    with open(os.devnull, "w") as quiet:
        import_areas(stream=quiet)  # the official list shipped in kelurahan/data/
    kelurahan = list(Area.objects.filter(level="kelurahan").values_list("code", flat=True))
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"bench.{n}", password=password) for n in range(clients)], batch_size=1000
    )
    places = [kelurahan[n % len(kelurahan)] for n in range(clients)]
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=user, role="petugas_piket", area_id=place)
            for user, place in zip(users, places, strict=True)
        ],
        batch_size=1000,
    )
    store, expires = SessionStore(), timezone.now() + timezone.timedelta(days=1)
    sessions = [
        Session(
            session_key=get_random_string(32),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expires,
        )
        for user in users
    ]
    Session.objects.bulk_create(sessions, batch_size=1000)
    return kelurahan, [(s.session_key, place) for s, place in zip(sessions, places, strict=True)]


def main(args):
    if not os.environ.get("REDIS_URL"):
        print("skipped: the alerts benchmark needs Redis (set REDIS_URL)")
        return
    from bench.scratch import scratch_env

    files = raise_fd_limit()
    scratch = scratch_env(
        "jakcctv-bench-alerts-", own_database=True, DJANGO_SETTINGS_MODULE="bench.alerts_settings"
    )
    import django

    django.setup()
    try:
        run(args, scratch.env, files)
    finally:
        scratch.drop()


def run(args, env, files):
    from django.conf import settings
    from django.db import connection

    from bench.load import Daphne, free_port

    kelurahan, sockets = prepare(args.clients)
    plan = schedule(kelurahan, args.rate, args.seconds)
    provinces = sum(1 for _offset, area in plan if area == "31")
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[1]
    print(
        f"{args.clients:,} clients over {len(kelurahan)} kelurahan, {args.processes} client "
        f"process(es); {len(plan)} alerts at {args.rate}/s ({provinces} province-wide); "
        f"file descriptors allowed: {files:,}; database: {connection.vendor}; layer: {layer}; "
        f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} cores"
    )

    clients = Clients(sockets, args.processes)
    try:
        with Daphne(env) as server:
            time.sleep(1)
            rss_before, _cpu = process_figures(server.process.pid)
            origin = f"http://127.0.0.1:{server.port}"
            answers = clients.ask(
                {
                    "connect": f"ws://127.0.0.1:{server.port}",
                    "origin": origin,
                    "protocol": "portal",
                    "since": 0,
                }
            )
            connect_seconds = max(a["seconds"] for a in answers)
            time.sleep(2)
            rss_after, cpu_before = process_figures(server.process.pid)
            time.sleep(args.idle)
            _rss, cpu_after = process_figures(server.process.pid)
            connected = sum(a["connected"] for a in answers)
            print(f"connected {connected:,} sockets in {connect_seconds:.1f} s")
            per_socket = (rss_after - rss_before) / args.clients
            print(
                f"daphne RSS: {rss_before / 1024:.0f} MiB before, {rss_after / 1024:.0f} MiB with "
                f"every socket open: {per_socket:.1f} KiB per connection"
            )
            print(
                f"daphne idle CPU: {(cpu_after - cpu_before) / args.idle * 100:.1f}% of one core "
                f"(over {args.idle} s, every socket open, no alerts)"
            )
            _rss, cpu_before = process_figures(server.process.pid)
            raised, durations = raise_portal_alerts(plan)
            waited = clients.drain(expected_deliveries(sockets, raised))
            _rss, cpu_after = process_figures(server.process.pid)
            received = clients.received()
            ours, lost, duplicated, expected = score(sockets, raised, received)
            p50, p99 = percentile(durations, 0.5) * 1000, percentile(durations, 0.99) * 1000
            print(
                f"portal (daphne + Redis layer): publish_alert p50 {p50:.1f} ms, p99 {p99:.1f} ms"
            )
            describe("portal  ", ours)
            delivered = sum(len(values) for values in ours.values())
            print(
                f"  portal   daphne CPU while alerting: {cpu_after - cpu_before:.1f} s, "
                f"{(cpu_after - cpu_before) / max(delivered, 1) * 1e6:.0f} µs per delivery"
            )
            print(
                f"  portal   lost {lost} of {expected:,} expected, duplicated {duplicated} "
                f"(waited {waited:.1f} s after the last alert)"
            )
        # The sockets to daphne are gone with it; the same clients now meet the baseline.
        clients.close()
        clients = Clients(sockets, args.processes)
        port = free_port()
        baseline = subprocess.Popen(
            [sys.executable, __file__, "--baseline-server", str(port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            baseline.stdout.readline()
            clients.ask(
                {"connect": f"ws://127.0.0.1:{port}", "origin": None, "protocol": "baseline"}
            )
            time.sleep(1)
            raised = raise_baseline_alerts(port, plan)
            waited = clients.drain(expected_deliveries(sockets, raised))
            theirs, lost, duplicated, expected = score(sockets, raised, clients.received())
            describe("baseline", theirs)
            print(
                f"  baseline lost {lost} of {expected:,} expected, duplicated {duplicated} "
                f"(waited {waited:.1f} s after the last alert)"
            )
        finally:
            baseline.terminate()
            baseline.wait()
        for kind in ("kelurahan", "province"):
            ratio50 = percentile(ours[kind], 0.5) / percentile(theirs[kind], 0.5)
            ratio99 = percentile(ours[kind], 0.99) / percentile(theirs[kind], 0.99)
            print(f"ratio portal/baseline {kind:9}: p50 x{ratio50:.1f}, p99 x{ratio99:.1f}")
        print("targets: 0 lost, 0 duplicated; kelurahan p99 <= 100 ms, province-wide p99 <= 500 ms")
    finally:
        clients.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20, help="alerts per second")
    parser.add_argument("--seconds", type=float, default=15, help="how long alerts are raised")
    parser.add_argument("--processes", type=int, default=1, help="client processes")
    parser.add_argument("--idle", type=float, default=10, help="seconds of idle CPU measure")
    parser.add_argument("--client-worker", help=argparse.SUPPRESS)  # its sockets' file
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.client_worker:
        raise_fd_limit()
        asyncio.run(client_worker(json.loads(Path(arguments.client_worker).read_text())))
    elif arguments.baseline_server:
        raise_fd_limit()
        asyncio.run(baseline_server(arguments.baseline_server))
    else:
        # Stopped (SIGTERM): still stop daphne and the clients, drop the scratch database.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        main(arguments)
