"""Real HLS streams for tests: the stream supervisor running real ffmpeg in a scratch folder.

Any test can play real video with one of these. As a context manager:

    from tests.streams import running_streams

    with running_streams(["kebonjeruk-simpang"], tmp_path):  # returns once playlists are ready
        ...  # with settings.STREAMS_ROOT = tmp_path, /streams/kebonjeruk-simpang/index.m3u8 plays

Or as the `live_streams` fixture (import it into the test module or conftest.py), which also
points STREAMS_ROOT at its folder:

    from tests.streams import live_streams_fixture  # noqa: F401

    def test_video_plays(live_streams, ...):
        live_streams("kebonjeruk-simpang")

The streams are demo test patterns (code and WIB clock burnt in), made by the same supervisor and
ffmpeg command line as `run_streams`; no database is needed. Every ffmpeg is stopped on exit.
"""

import re
import threading
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.db import connections

from cameras.ffmpeg import PLAYLIST
from cameras.supervisor import StreamSource, Supervisor
from tests.waiting import wait_for


def playlist_segments(folder):
    """Segment names listed in `folder`'s playlist ([] while there is none)."""
    try:
        text = (Path(folder) / PLAYLIST).read_text()
    except FileNotFoundError:
        return []
    return re.findall(r"^(seg\d+\.ts)$", text, flags=re.MULTILINE)


@contextmanager
def background(run, stop, *, share_db=True):
    """Run `run()` in a thread for the duration of the block; `stop()` and join it on exit.

    With `share_db`, a SQLite in-memory test database is shared with the thread as Django's
    live_server shares it (two connections to it lock each other's tables); other databases
    give the thread its own connection, which sees committed data (use transactional_db).
    """
    shared = [c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()]
    shared = shared if share_db else []

    def target():
        for conn in shared:
            connections[conn.alias] = conn
        run()

    for conn in shared:
        conn.inc_thread_sharing()
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop()
        thread.join(timeout=15)
        for conn in shared:
            conn.dec_thread_sharing()
        assert not thread.is_alive(), f"{run} did not stop"


@contextmanager
def running_streams(codes, root, *, segments=2, timeout=30):
    """Run the supervisor for demo cameras `codes`, writing `root/<code>/`; the block starts once
    every playlist lists `segments` segments. Yields the Supervisor; stops all ffmpeg on exit."""
    sources = [StreamSource(code) for code in codes]
    supervisor = Supervisor(root, sources=lambda: sources, check_health=False)
    with background(supervisor.run, supervisor.stop, share_db=False) as thread:
        for code in codes:
            wait_for(
                lambda code=code: (
                    not thread.is_alive() or len(playlist_segments(Path(root) / code)) >= segments
                ),
                timeout=timeout,
                message=f"{segments} segments of {code}",
            )
        assert thread.is_alive(), "the stream supervisor stopped early (see the log)"
        yield supervisor


@pytest.fixture(name="live_streams")
def live_streams_fixture(settings, tmp_path):
    """`live_streams("code", ..., segments=2)` starts real demo streams under STREAMS_ROOT (a
    temporary folder) and returns once they play; everything stops at the end of the test."""
    root = tmp_path / "streams"
    settings.STREAMS_ROOT = root
    with ExitStack() as stack:

        def start(*codes, segments=2):
            return stack.enter_context(running_streams(codes, root, segments=segments))

        yield start
