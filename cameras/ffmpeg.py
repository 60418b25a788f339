"""The ffmpeg command lines behind the streams: demo test pattern, RTSP ingest, HLS output.

ffmpeg comes from the `imageio-ffmpeg` wheel, so no system ffmpeg is needed.
"""

import re
from pathlib import Path

import imageio_ffmpeg

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


def demo_pattern_args(code, *, size, fps, font):
    """Input and H.264 encoding of a demo camera: a moving test pattern, 1 s keyframe interval,
    with the camera code and the WIB wall clock burnt in when a font is available."""
    width, height = (int(n) for n in size.split("x"))
    args = ["-re", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}"]
    if font:
        fontsize = max(12, height // 13)
        label = f"fontfile={font}:fontsize={fontsize}:fontcolor=white:box=1:boxcolor=black@0.6"
        code_text = f"drawtext={label}:boxborderw=3:x=6:y=6:text={code}"
        # %F %T: the date and time without ':' in the strftime format (no extra escaping).
        clock_text = f"drawtext={label}:boxborderw=3:x=6:y=h-th-6:text='%{{localtime\\:%F %T}} WIB'"
        args += ["-vf", f"{code_text},{clock_text}"]
    kbps = max(100, width * height * fps // 4000)
    args += [
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-threads", "1",
        "-pix_fmt", "yuv420p", "-g", str(fps), "-keyint_min", str(fps), "-sc_threshold", "0",
        "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{2 * kbps}k",
    ]  # fmt: skip
    return args


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


def hls_output_args(folder):
    """1 s segments, a 6-entry rolling playlist with PROGRAM-DATE-TIME, old segments deleted."""
    flags = "delete_segments+program_date_time+temp_file+independent_segments"
    return [
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_list_size", str(PLAYLIST_SEGMENTS),
        "-hls_flags", flags,
        # Media sequence numbers from the clock keep rising across restarts, so players resume.
        "-hls_start_number_source", "epoch",
        "-hls_segment_filename", str(Path(folder) / "seg%d.ts"), str(Path(folder) / PLAYLIST),
    ]  # fmt: skip


def stream_command(code, source_url, folder, *, size, fps, font, ffmpeg=None):
    """The whole command line for one camera (a list for subprocess, never through a shell)."""
    if source_url:
        source = rtsp_input_args(source_url)
    else:
        source = demo_pattern_args(code, size=size, fps=fps, font=font)
    head = [ffmpeg or ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    return head + source + hls_output_args(folder)


def hide_credentials(text):
    """`text` with the user:password part of any URL removed (ffmpeg's messages quote its input)."""
    return _URL_CREDENTIALS.sub(r"\1://***@", text)
