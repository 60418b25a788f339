"""What `run_streams` runs: the ffmpeg processes of embedded mode, or the watch over MediaMTX.

Embedded mode (`Supervisor`): one ffmpeg per streamable camera writes STREAMS_ROOT/<code>/ (a
6-entry playlist of 1 s segments). A process that exits (crashed, or its camera unreachable) is
started again after 1, 2, 4 ... 60 s; every 5 s the supervisor compares what runs with
`Camera.objects.streamable()` and checks the cameras' health (cameras/health.py). Each ffmpeg runs
in its own process group and is killed by the kernel if the supervisor dies, so none outlives it.
Cameras marked `record` keep their finished segments (cameras/recorder.py: hard links into the
hourly recording folders, the index written every FLUSH_EVERY s); every minute the disk guard
keeps the recordings' disk from filling (cameras/recording_retention.py).

Production mode (`MediaMTXWatch`): MediaMTX pulls and serves the streams itself; this keeps each
node's paths in step with the registry, checks health from their path lists, ends the sessions
of viewers who lost access, indexes what MediaMTX recorded and guards the recordings' disk.
"""

import ctypes
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from cameras import ffmpeg, health, renditions
from cameras.mediamtx_paths import sync_all_nodes
from cameras.models import Camera
from cameras.recorder import FolderSweep, SegmentRecorder
from cameras.recording_retention import disk_guard
from cameras.snapshots import StillMaker

try:
    from cameras.mediamtx import sweep_media_sessions
except ImportError:  # ending revoked viewers' MediaMTX sessions is a separate module; optional here
    sweep_media_sessions = None

log = logging.getLogger(__name__)

TICK = 0.5  # seconds between looks at the processes
RECONCILE_EVERY = 5
HEALTH_EVERY = 5
MEDIAMTX_SYNC_EVERY = 30
RECORD_EVERY = 2  # seconds between looks at recording cameras' playlists (they hold 6 s)
FLUSH_EVERY = 10  # seconds between writes of the recordings' hourly index
GUARD_EVERY = 60  # seconds between looks at the recordings disk's free space
RESTART_MIN_DELAY = 1
RESTART_MAX_DELAY = 60
STABLE_AFTER = 30  # a process that ran this long before exiting starts its back-off afresh
STOP_TIMEOUT = 5  # SIGTERM, then SIGKILL after this long
_FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class StreamSource:
    code: str
    source_url: str = ""  # empty: a demo camera, streaming a generated test pattern
    camera_id: int | None = None
    record: bool = False  # keep the finished segments (cameras/recorder.py)


def streamable_sources():
    """What should be streaming now, from the camera registry."""
    rows = Camera.objects.streamable().values_list("code", "source_url", "pk", "record")
    return [StreamSource(*row) for row in rows]


def run_periodically(jobs, stop):
    """Run each job of [(every_seconds, function)] when due, until the `stop` event is set.

    A job that fails is logged and tried again at its next turn: a database hiccup must not
    take every camera's stream down with it.
    """
    due = [0.0] * len(jobs)
    while not stop.is_set():
        for index, (every, job) in enumerate(jobs):
            now = time.monotonic()
            if now >= due[index]:
                try:
                    job()
                except Exception:
                    log.exception("run_streams: %s failed", getattr(job, "__name__", job))
                due[index] = now + every
        stop.wait(TICK)


# --- Embedded mode ----------------------------------------------------------------------------


class Supervisor:
    """Keeps one CameraStream per wanted camera, and checks health, until `stop()`."""

    def __init__(
        self, root=None, *, sources=streamable_sources, check_health=True, recordings_root=None
    ):
        self.root = Path(root or settings.STREAMS_ROOT)
        self.recordings_root = Path(recordings_root or settings.RECORDINGS_ROOT)
        self.sources = sources
        self.check_health = check_health
        self.streams = {}  # camera code -> CameraStream
        self.options = {
            "size": settings.STREAM_SIZE,
            "fps": settings.STREAM_FPS,
            "font": ffmpeg.find_font(),
            "ffmpeg": ffmpeg.ffmpeg_exe(),
        }
        self.started_at = None
        self._refused = set()  # codes already reported as unusable
        self._stop = threading.Event()

    def stop(self):
        """Ask `run()` to stop (safe from a signal handler or another thread)."""
        self._stop.set()

    def run(self):
        self.root.mkdir(parents=True, exist_ok=True)
        self.started_at = timezone.now()
        jobs = [(RECONCILE_EVERY, self.reconcile), (TICK, self.poll)]
        jobs += [(RECORD_EVERY, self.collect_recordings), (FLUSH_EVERY, self.flush_recordings)]
        jobs.append((GUARD_EVERY, self.guard_disk))
        if self.check_health:
            jobs.append((HEALTH_EVERY, self.check))
        try:
            run_periodically(jobs, self._stop)
        finally:
            self.stop_all()
            connections.close_all()

    def reconcile(self):
        """Start streams for new cameras; stop those removed, put out of service or re-sourced."""
        close_old_connections()
        wanted = {}
        for source in self.sources():
            if _FOLDER_NAME.match(source.code):
                wanted[source.code] = source
            elif source.code not in self._refused:
                self._refused.add(source.code)
                log.error("camera %r: code not usable as a folder name, not streamed", source.code)
        for code, stream in list(self.streams.items()):
            if wanted.get(code) != stream.source:
                log.info("camera %s: stopping its stream", code)
                stream.stop()
                del self.streams[code]
        for code, source in wanted.items():
            if code not in self.streams:
                self.streams[code] = CameraStream(
                    source, self.root, self.options, recordings_root=self.recordings_root
                )

    def poll(self):
        now = time.monotonic()
        for stream in list(self.streams.values()):
            stream.poll(now)

    def collect_recordings(self):
        for stream in list(self.streams.values()):
            if stream.recorder:
                stream.recorder.collect()

    def flush_recordings(self):
        close_old_connections()
        for stream in list(self.streams.values()):
            if stream.recorder:
                stream.recorder.flush()

    def guard_disk(self):
        if any(stream.recorder for stream in self.streams.values()):
            close_old_connections()
            disk_guard()

    def check(self):
        health.check_camera_health(watching_since=self.started_at, root=self.root)

    def stop_all(self):
        """Stop every ffmpeg: SIGTERM to all, then SIGKILL whatever is left after STOP_TIMEOUT."""
        for stream in self.streams.values():
            stream.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for stream in self.streams.values():
            stream.wait(deadline)
            stream.keep_recording()
            stream.remove_files()
        self.streams.clear()


_prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)  # Linux only
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid):
    """Runs in the new process before ffmpeg starts: the kernel SIGKILLs it when the supervisor
    (the thread that started it) ends, however it ends: SIGKILL, crash or a normal exit."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the supervisor died before prctl took effect
        os._exit(1)


class CameraStream:
    """One camera's ffmpeg: started, watched, restarted with back-off, stopped."""

    def __init__(self, source, root, options, *, recordings_root=None):
        self.source = source
        self.folder = Path(root) / source.code
        self.recorder = None
        if source.record and source.camera_id is not None:
            root = recordings_root or settings.RECORDINGS_ROOT
            self.recorder = SegmentRecorder(source.camera_id, self.folder, root)
        self.options = options
        self.process = None
        self.failures = 0  # exits in a row, for the back-off
        self.retry_at = 0.0  # time.monotonic() at which to start again
        self.started_at = 0.0
        self.errors = deque(maxlen=5)  # ffmpeg's last messages, passwords removed
        self._reader = None

    @property
    def code(self):
        return self.source.code

    def poll(self, now):
        """Start the process when due; when it has exited, schedule its restart."""
        if self.process is None:
            if now >= self.retry_at:
                self.start(now)
            return
        returncode = self.process.poll()
        if returncode is None:
            return
        self._join_reader()
        self.process = None
        self._schedule_restart(now, f"exited with code {returncode}")

    def start(self, now):
        command = ffmpeg.stream_command(
            self.code, self.source.source_url, self.folder, **self.options
        )
        self.errors.clear()
        self.started_at = now
        try:
            self._clean()
            self._write_master_playlist()
            self.process = subprocess.Popen(  # noqa: S603 (a list, no shell)
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={**os.environ, "TZ": ffmpeg.WIB_TZ},  # the burnt-in clock shows WIB
                # Own process group: a terminal's Ctrl-C reaches only us; we stop ffmpeg in order.
                start_new_session=True,
                preexec_fn=partial(_die_with_parent, os.getpid()),
            )
        except OSError as error:
            self.process = None
            self._schedule_restart(now, f"could not start: {error}")
            return
        self._reader = threading.Thread(
            target=self._read_errors, args=(self.process.stderr,), daemon=True
        )
        self._reader.start()
        log.info("camera %s: ffmpeg started (pid %s)", self.code, self.process.pid)

    def _write_master_playlist(self):
        """Both renditions' playlists in one (cameras/renditions.py), for the players to pick."""
        renditions.write_master_playlist(
            self.folder,
            source_url=self.source.source_url,
            size=self.options["size"],
            fps=self.options["fps"],
        )

    def _schedule_restart(self, now, reason):
        if now - self.started_at >= STABLE_AFTER:
            self.failures = 0
        self.failures += 1
        delay = min(RESTART_MIN_DELAY * 2 ** (self.failures - 1), RESTART_MAX_DELAY)
        self.retry_at = now + delay
        messages = " | ".join(self.errors) or "no message"
        log.warning(
            "camera %s: ffmpeg %s, restart in %s s (%s)", self.code, reason, delay, messages
        )

    def _read_errors(self, stream):
        for line in stream:
            text = line.decode(errors="replace").strip()
            if text:
                self.errors.append(ffmpeg.hide_credentials(text))
        stream.close()

    def _join_reader(self):
        if self._reader:
            self._reader.join(timeout=2)
            self._reader = None

    def terminate(self):
        if self.process and self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)

    def wait(self, deadline):
        """Wait for the process to end until `deadline` (monotonic), then kill it."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait()
        self._join_reader()
        self.process = None

    def stop(self):
        self.terminate()
        self.wait(time.monotonic() + STOP_TIMEOUT)
        self.keep_recording()
        self.remove_files()

    def keep_recording(self):
        """Keep what the last playlist lists, and write the index, before the folder goes."""
        if self.recorder is None:
            return
        try:
            self.recorder.collect()
            self.recorder.flush()
        except Exception:
            log.exception("camera %s: keeping the last recorded segments failed", self.code)

    def _clean(self):
        """A fresh folder: an old playlist must not pass for this run's."""
        self.keep_recording()
        self.remove_files()
        self.folder.mkdir(parents=True)

    def remove_files(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def _signal_group(process, signum):
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


# --- Production mode --------------------------------------------------------------------------


class MediaMTXWatch:
    """MediaMTX ingests and serves; this keeps its paths, health and sessions in step."""

    def __init__(self):
        self.started_at = None
        self._stop = threading.Event()
        self.recordings = FolderSweep()
        self.stills = StillMaker()

    def stop(self):
        self._stop.set()

    def run(self):
        self.started_at = timezone.now()
        jobs = [(MEDIAMTX_SYNC_EVERY, self.sync), (HEALTH_EVERY, self.check)]
        jobs.append((1, self.make_stills))
        jobs += [(MEDIAMTX_SYNC_EVERY, self.index_recordings), (GUARD_EVERY, self.guard_disk)]
        if sweep_media_sessions is not None:
            jobs.append((MEDIAMTX_SYNC_EVERY, sweep_media_sessions))
        try:
            run_periodically(jobs, self._stop)
        finally:
            self.stills.close()
            connections.close_all()

    def make_stills(self):
        close_old_connections()
        self.stills.round()

    def sync(self):
        close_old_connections()
        for result in sync_all_nodes():
            if result.error:
                log.warning("MediaMTX node %s not synced: %s", result.node, result.error)
            elif result.added or result.changed or result.removed:
                log.info(
                    "MediaMTX node %s paths: %d added, %d changed, %d removed",
                    result.node,
                    len(result.added),
                    len(result.changed),
                    len(result.removed),
                )

    def index_recordings(self):
        """MediaMTX's recordings into the hourly index (what `runOnRecordSegmentComplete` could
        announce one by one, found by looking at the folders every 30 s)."""
        close_old_connections()
        self.recordings.sweep()

    def guard_disk(self):
        close_old_connections()
        disk_guard()

    def check(self):
        close_old_connections()
        health.check_camera_health(watching_since=self.started_at)
