"""Real recordings for the evidence tests and the clip benchmark, made faster than real time.

ffmpeg (imageio-ffmpeg) encodes the demo test pattern into 1 s MPEG-TS segments, as the
embedded supervisor records them; `lay_out` puts copies into a camera's hourly folders, named
for the moments they are to stand for (cameras/recordings.py's layout), and indexes the hours.
"""

import os
import subprocess
from datetime import timedelta
from pathlib import Path

from cameras import ffmpeg
from cameras.recordings import floor_hour, hour_folder, index_hour_folder, segment_name


def encode_segments(folder, seconds, *, size="320x180", fps=10):
    """`seconds` one-second H.264 segments in `folder` (seg00000.ts ...), in order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pattern = ffmpeg.demo_pattern_args("uji", size=size, fps=fps, font=None)
    pattern = [arg for arg in pattern if arg != "-re"]  # as fast as it goes
    command = [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *pattern,
        "-t", str(seconds), "-f", "segment", "-segment_time", "1", "-segment_format", "mpegts",
        str(folder / "seg%05d.ts"),
    ]  # fmt: skip
    subprocess.run(command, check=True, timeout=300, capture_output=True)  # noqa: S603
    return sorted(folder.glob("seg*.ts"))


def lay_out(camera_id, start, segments, root):
    """Copy (hard-link) `segments` into `camera_id`'s hour folders as if recorded from `start`,
    one second each; index every hour touched. Returns the moment the last one ends."""
    hours = set()
    moment = start
    for source in segments:
        folder = hour_folder(camera_id, moment, root)
        folder.mkdir(parents=True, exist_ok=True)
        os.link(source, folder / segment_name(moment, 1.0))
        hours.add(floor_hour(moment))
        moment += timedelta(seconds=1)
    for hour in sorted(hours):
        index_hour_folder(camera_id, hour, root)
    return moment
