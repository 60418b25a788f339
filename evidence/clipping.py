"""Cutting a clip from recorded segments by stream copy (ffmpeg `-c copy`: no re-encoding, so the
clip carries the camera's own picture bit for bit, and a 5-minute clip takes about a second).

The segments (from `cameras.recordings.segments_between`, .ts from the embedded supervisor or
fMP4 from MediaMTX) are read through ffmpeg's concat demuxer, whose timeline starts at 0 at the
first segment; `-ss` before the input seeks to the keyframe at or before the clip's start.
"""

import hashlib
import os
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


def cut(segments, start, end, target):
    """Write the [start, end) part of `segments` [(path, start, seconds)] to the MP4 `target`;
    return (sha256, bytes). The file appears complete or not at all."""
    if not segments:
        raise ClipFailed("no segments")
    offset = max(0.0, (start - segments[0][1]).total_seconds())
    length = (end - start).total_seconds()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".klip-") as scratch:
        listing = Path(scratch) / "segmen.ffconcat"
        listing.write_text(_concat_list(segments))
        partial = Path(scratch) / "klip.mp4"
        command = [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "concat", "-safe", "0", "-ss", f"{offset:.3f}", "-i", str(listing),
            "-t", f"{length:.3f}", "-map", "0", "-c", "copy",
            # The index at the front: the clip plays in a browser before it is fully loaded.
            "-movflags", "+faststart", "-f", "mp4", str(partial),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            raise ClipFailed("ffmpeg took too long") from None
        if done.returncode != 0 or not partial.exists() or partial.stat().st_size == 0:
            raise ClipFailed(done.stderr.decode(errors="replace")[-500:])
        digest = sha256_of(partial)
        size = partial.stat().st_size
        os.replace(partial, target)
    return digest, size
