"""Evidence clip benchmark: the time to export a 5-minute clip from recorded segments.

Encodes 5 minutes 10 seconds of 1 s H.264 segments (the demo test pattern, as the embedded
supervisor records them) at two sizes, the demo's 320x180 and a camera-like 1280x720 at about
1.5 Mbit/s, then cuts the 5 minutes in the middle into an MP4 by stream copy and hashes it, as
`evidence.services.clip_create` does (`evidence.clipping.cut`; the service adds a handful of
queries). Prints the median and worst of BENCH_REPEAT runs and the clip's size. Asserts nothing.
Target (issue 13): a 5-minute clip exported in <= 3 s.

    DEBUG=1 .venv/bin/python bench/recordings_clip.py
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jakcctv.settings")

import django  # noqa: E402

django.setup()

import subprocess  # noqa: E402

from cameras import ffmpeg  # noqa: E402
from evidence.clipping import cut  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
RECORDED = 310  # seconds
START = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def encode(folder, size, kbps):
    pattern = ffmpeg.demo_pattern_args("bench", size=size, fps=10, font=None)
    pattern = [arg for arg in pattern if arg != "-re"]
    rate = pattern.index("-b:v")
    pattern[rate + 1 : rate + 6 : 2] = [f"{kbps}k", f"{kbps}k", f"{2 * kbps}k"]
    command = [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *pattern,
        "-t", str(RECORDED), "-f", "segment", "-segment_time", "1", "-segment_format", "mpegts",
        str(folder / "seg%05d.ts"),
    ]  # fmt: skip
    subprocess.run(command, check=True, timeout=900)  # noqa: S603
    files = sorted(folder.glob("seg*.ts"))
    return [(path, START + timedelta(seconds=n), 1.0) for n, path in enumerate(files)]


def main():
    for size, kbps in [("320x180", 150), ("1280x720", 1500)]:
        with tempfile.TemporaryDirectory(prefix="jakcctv-bench-clip-") as scratch:
            folder = Path(scratch)
            started = time.perf_counter()
            segments = encode(folder, size, kbps)
            print(
                f"{size}: {len(segments)} segments encoded in {time.perf_counter() - started:.1f} s"
            )
            start, end = START + timedelta(seconds=5), START + timedelta(seconds=305)
            # What cameras.recordings.segments_between hands over: the segments overlapping.
            segments = [
                s for s in segments if s[1] < end and s[1] + timedelta(seconds=s[2]) > start
            ]
            times, size_bytes = [], 0
            for run in range(REPEAT):
                target = folder / f"klip-{run}.mp4"
                began = time.perf_counter()
                _digest, size_bytes = cut(segments, start, end, target)
                times.append(time.perf_counter() - began)
                target.unlink()
            median, worst = statistics.median(times), max(times)
            print(
                f"  5-minute clip (stream copy + SHA-256): median {median:.2f} s, "
                f"worst {worst:.2f} s over {REPEAT} runs; {size_bytes / 1e6:.1f} MB "
                "(target <= 3 s)"
            )


if __name__ == "__main__":
    main()
