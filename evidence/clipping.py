"""Cutting a clip from recorded segments by stream copy (ffmpeg `-c copy`: no re-encoding, so the
clip carries the camera's own picture bit for bit, and a 5-minute clip takes about a second).

MPEG-TS segments (the embedded supervisor's, 1 s each, each starting on a keyframe) are whole
segments fed to ffmpeg one after the other: MPEG-TS is made to be joined so, and it is ten times
faster than ffmpeg's concat demuxer, which probes every file. The clip is then the segments that
overlap the range asked for (at most a second more on either side). fMP4 segments (MediaMTX's)
each carry their own header, so they go through the concat demuxer, whose timeline starts at 0
at the first segment: `-ss` before the input seeks to the keyframe at or before the start.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cameras.ffmpeg import ffmpeg_exe

TIMEOUT = 300  # seconds: a 30-minute clip by stream copy takes a few seconds


class ClipFailed(Exception):
    """ffmpeg could not make the clip (a segment vanished, or is damaged)."""


def sha256_of(path, chunk=1024 * 1024):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _concat_list(segments):
    lines = ["ffconcat version 1.0"]
    for path, _start, duration in segments:
        quoted = str(path).replace("'", "'\\''")
        lines += [f"file '{quoted}'", f"duration {duration:.3f}"]
    return "\n".join(lines) + "\n"


def whole_segments(segments):
    """Whether the clip is made of whole segments (MPEG-TS), so that it spans exactly them."""
    return all(Path(path).suffix == ".ts" for path, _start, _seconds in segments)


# The index at the front: the clip plays in a browser before it is fully loaded.
_OUTPUT = ["-map", "0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4"]


def cut(segments, start, end, target):
    """Write the [start, end) part of `segments` [(path, start, seconds)] to the MP4 `target`
    (MPEG-TS: the whole segments); return (sha256, bytes). The file appears complete or not at
    all."""
    if not segments:
        raise ClipFailed("no segments")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    head = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".klip-") as scratch:
        partial = Path(scratch) / "klip.mp4"
        errors = Path(scratch) / "ffmpeg.log"
        if whole_segments(segments):
            command = [*head, "-f", "mpegts", "-i", "pipe:", *_OUTPUT, str(partial)]
            _run(command, errors, feed=[path for path, _start, _seconds in segments])
        else:
            listing = Path(scratch) / "segmen.ffconcat"
            listing.write_text(_concat_list(segments))
            offset = max(0.0, (start - segments[0][1]).total_seconds())
            command = [
                *head, "-f", "concat", "-safe", "0", "-ss", f"{offset:.3f}", "-i", str(listing),
                "-t", f"{(end - start).total_seconds():.3f}", *_OUTPUT, str(partial),
            ]  # fmt: skip
            _run(command, errors)
        if not partial.exists() or partial.stat().st_size == 0:
            raise ClipFailed(errors.read_text(errors="replace")[-500:])
        digest = sha256_of(partial)
        size = partial.stat().st_size
        os.replace(partial, target)
    return digest, size


def _run(command, errors, feed=()):
    """Run ffmpeg with its messages in `errors`, writing the files of `feed` to its input."""
    with errors.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            command, stdin=subprocess.PIPE if feed else subprocess.DEVNULL, stderr=log
        )
        try:
            for path in feed:
                with open(path, "rb") as segment:
                    shutil.copyfileobj(segment, process.stdin, 1024 * 1024)
        except (BrokenPipeError, FileNotFoundError):
            pass  # ffmpeg stopped (its message says why), or a segment vanished meanwhile
        finally:
            if process.stdin:
                process.stdin.close()
        try:
            code = process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise ClipFailed("ffmpeg took too long") from None
    if code != 0:
        raise ClipFailed(errors.read_text(errors="replace")[-500:])
