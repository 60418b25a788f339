"""The ffmpeg command lines behind the streams: demo test pattern, RTSP ingest, HLS output.

ffmpeg comes from the `imageio-ffmpeg` wheel, so no system ffmpeg is needed.
"""

import re
from pathlib import Path

import imageio_ffmpeg

from cameras import renditions

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# A POSIX zone string: the clock is burnt in as WIB (UTC+7, no daylight saving) without needing
# a time zone database on the machine.
WIB_TZ = "WIB-7"
SEGMENT_SECONDS = 1
PLAYLIST_SEGMENTS = 6
PLAYLIST = "index.m3u8"
_URL_CREDENTIALS = re.compile(r"(?i)\b(rtsps?|https?)://[^/\s]+@")


def ffmpeg_exe():
    return imageio_ffmpeg.get_ffmpeg_exe()


def find_font():
    """A DejaVu Sans file for the burnt-in text, or None (then the pattern carries no text)."""
    candidates = [FONT_DIR / "DejaVuSans-Bold.ttf", FONT_DIR / "DejaVuSans.ttf"]
    candidates += sorted(FONT_DIR.glob("DejaVuSans*.ttf"))
    for path in candidates:
        # ':' and ',' would have to be escaped inside a filter graph; such a path is not worth it.
        if path.is_file() and not set(str(path)) & {":", ",", "'", "\\"}:
            return path
    return None


def demo_input_args(size, fps):
    return ["-re", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}"]


def demo_text_filter(code, *, size, font):
    """The camera code and the WIB wall clock burnt in ("" without a font)."""
    if not font:
        return ""
    height = int(size.split("x")[1])
    fontsize = max(12, height // 13)
    label = f"fontfile={font}:fontsize={fontsize}:fontcolor=white:box=1:boxcolor=black@0.6"
    code_text = f"drawtext={label}:boxborderw=3:x=6:y=6:text={code}"
    # %F %T: the date and time without ':' in the strftime format (no extra escaping).
    clock_text = f"drawtext={label}:boxborderw=3:x=6:y=h-th-6:text='%{{localtime\\:%F %T}} WIB'"
    return f"{code_text},{clock_text}"


def demo_encode_args(size, fps):
    """H.264 of the demo pattern, 1 s keyframe interval."""
    kbps = renditions.main_kbps(size, fps)
    return [
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-threads", "1",
        "-pix_fmt", "yuv420p", "-g", str(fps), "-keyint_min", str(fps), "-sc_threshold", "0",
        "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{2 * kbps}k",
    ]  # fmt: skip


def demo_pattern_args(code, *, size, fps, font):
    """Input and H.264 encoding of a demo camera: a moving test pattern, 1 s keyframe interval,
    with the camera code and the WIB wall clock burnt in when a font is available."""
    args = demo_input_args(size, fps)
    text = demo_text_filter(code, size=size, font=font)
    if text:
        args += ["-vf", text]
    return args + demo_encode_args(size, fps)


def rtsp_input_args(url):
    """A real camera: its RTSP stream over TCP, video copied as is (no decoding, little CPU)."""
    # -timeout: a camera that stops sending makes ffmpeg exit (and be restarted) after 10 s.
    return [
        "-rtsp_transport",
        "tcp",
        "-timeout",
        "10000000",
        "-i",
        url,
        "-map",
        "0:v:0",
        "-c",
        "copy",
    ]


def hls_output_args(folder, *, playlist=PLAYLIST, segment="seg%d.ts"):
    """1 s segments, a 6-entry rolling playlist with PROGRAM-DATE-TIME, old segments deleted."""
    flags = "delete_segments+program_date_time+temp_file+independent_segments"
    return [
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_list_size", str(PLAYLIST_SEGMENTS),
        "-hls_flags", flags,
        # Media sequence numbers from the clock keep rising across restarts, so players resume.
        "-hls_start_number_source", "epoch",
        "-hls_segment_filename", str(Path(folder) / segment), str(Path(folder) / playlist),
    ]  # fmt: skip


def stream_command(code, source_url, folder, *, size, fps, font, ffmpeg=None):
    """The whole command line for one camera (a list for subprocess, never through a shell):
    one input, decoded once, written as the main rendition, the low one and the snapshot
    (cameras/renditions.py)."""
    head = [ffmpeg or ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    low_graph = renditions.low_filter("lowin", "low", "snapshot")
    if source_url:
        # The main rendition is the camera's own stream, copied; only the low one is decoded.
        source = rtsp_input_args(source_url)
        graph = f"[0:v:0]null[lowin];{low_graph}"
        main = []
    else:
        text = demo_text_filter(code, size=size, font=font)
        source = demo_input_args(size, fps)
        graph = f"[0:v]{text or 'null'},split=2[main][lowin];{low_graph}"
        main = ["-map", "[main]", *demo_encode_args(size, fps)]
    return (
        head
        + source
        + ["-filter_complex", graph]
        + main
        + hls_output_args(folder)
        + renditions.low_output_args("low", folder, hls_output_args)
        + renditions.snapshot_output_args("snapshot", folder)
    )


def hide_credentials(text):
    """`text` with the user:password part of any URL removed (ffmpeg's messages quote its input)."""
    return _URL_CREDENTIALS.sub(r"\1://***@", text)
