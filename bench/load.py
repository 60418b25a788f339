"""A small HTTP/1.1 load generator (asyncio, keep-alive), helpers to run a portal process, and
the benchmarks' scratch database.

Used by the benchmarks only: it needs no tool beyond Python, so `make bench` runs anywhere.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    seconds: float
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)

    @property
    def rate(self):
        return len(self.latencies) / self.seconds

    def percentile(self, share):
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def line(self, label):
        return (
            f"{label}: {self.rate:,.0f} req/s over {self.seconds:.0f} s, "
            f"p50 {self.percentile(0.5) * 1000:.1f} ms, p99 {self.percentile(0.99) * 1000:.1f} ms, "
            f"mean {statistics.mean(self.latencies) * 1000:.1f} ms, statuses {self.statuses}"
        )


async def _read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _worker(host, port, make_request, until, result, interval=None, offset=0.0):
    """Closed loop (next request when the answer is in) or, with `interval`, paced: requests are
    due every `interval` seconds from `offset` on and latency counts from when a request was
    due, so a slow server cannot hide its queueing (no coordinated omission)."""
    reader, writer = await asyncio.open_connection(host, port)
    due = time.perf_counter() + offset
    try:
        while time.monotonic() < until:
            if interval:
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                start = due
                due += interval
            else:
                start = time.perf_counter()
            writer.write(make_request())
            status = await _read_response(reader)
            result.latencies.append(time.perf_counter() - start)
            result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()


def run_load(ports, make_request, *, seconds=10, connections=8, rate=None, host="127.0.0.1"):
    """Send requests over `connections` keep-alive connections spread over `ports` for
    `seconds`: as fast as answers come, or at a fixed total `rate` per second. Returns Result."""
    ports = [ports] if isinstance(ports, int) else list(ports)
    interval = connections / rate if rate else None
    # At a fixed rate the connections take turns, one request every 1/rate s: started together,
    # they would send bursts of `connections` requests that queue behind each other.
    offsets = [i / rate if rate else 0.0 for i in range(connections)]

    async def main():
        result = Result(seconds=seconds)
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(
                _worker(
                    host, ports[i % len(ports)], make_request, until, result, interval, offsets[i]
                )
                for i in range(connections)
            )
        )
        return result

    return asyncio.run(main())


def get_request(path, headers=None, host="127.0.0.1"):
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post_json_request(path, body, host="127.0.0.1"):
    payload = body.encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Daphne:
    """A daphne process serving the portal with the given environment; stopped on exit."""

    def __init__(self, env, port=None, application="jakcctv.asgi:application"):
        self.port = port or free_port()
        self.env = {**os.environ, **env}
        self.application = application
        self.process = None

    def __enter__(self):
        daphne = str(Path(sys.executable).parent / "daphne")
        self.process = subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(self.port), self.application],
            cwd=BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("daphne did not start")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def run_wrk(ports, path, body, *, seconds=10, connections=8):
    """The same POST load from wrk (a C load generator, much lighter than this Python client),
    one wrk per port, run together. Returns (requests/s summed, worst p50 ms, worst p99 ms), or
    None when wrk is not installed (Debian: `apt-get install wrk`)."""
    if not shutil.which("wrk"):
        return None
    script = Path(tempfile.mkdtemp()) / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(body)}\n"
    )
    runs = [
        subprocess.Popen(
            [
                "wrk",
                "-t1",
                f"-c{max(connections // len(ports), 1)}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}{path}",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for port in ports
    ]
    rate, p50, p99 = 0.0, 0.0, 0.0
    for run in runs:
        out = run.communicate()[0]
        rate += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p50 = max(p50, _wrk_ms(re.search(r"50%\s+([\d.]+)(\w+)", out)))
        p99 = max(p99, _wrk_ms(re.search(r"99%\s+([\d.]+)(\w+)", out)))
    return rate, p50, p99


def _wrk_ms(match):
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]
