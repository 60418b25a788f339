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


def encode_segments(folder, seconds, *, size="320x180", fps=10, clock_from=None):
    """`seconds` one-second H.264 segments in `folder` (seg00000.ts ...), in order. With
    `clock_from` (an aware datetime), the camera code and a WIB clock starting at that moment
    are burnt in, as the demo cameras burn in the wall clock: the picture says when it stands
    for, though it is encoded faster than real time."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pattern = ffmpeg.demo_pattern_args("uji", size=size, fps=fps, font=None)
    pattern = [arg for arg in pattern if arg != "-re"]  # as fast as it goes
    font = ffmpeg.find_font() if clock_from else None
    if font:
        # The demo filter's wall clock, made the frame's own time from `clock_from`.
        text = ffmpeg.demo_text_filter("uji", size=size, font=font).replace(
            "localtime\\:%F %T", f"pts\\:localtime\\:{clock_from.timestamp():.0f}\\:%F %T"
        )
        pattern[pattern.index("-c:v") : pattern.index("-c:v")] = ["-vf", text]
    command = [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *pattern,
        "-t", str(seconds), "-f", "segment", "-segment_time", "1", "-segment_format", "mpegts",
        str(folder / "seg%05d.ts"),
    ]  # fmt: skip
    env = {**os.environ, "TZ": ffmpeg.WIB_TZ}  # the burnt-in clock shows WIB
    subprocess.run(command, check=True, timeout=300, capture_output=True, env=env)  # noqa: S603
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
