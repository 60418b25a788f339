"""Light video for phones: the low rendition, the master playlist and the snapshot (embedded mode).

Each camera's ffmpeg decodes its input once and writes, beside the main rendition
(`index.m3u8`, `seg<n>.ts`, unchanged), a low one (`low.m3u8`, `low<n>.ts`: 320x180, 5 fps,
under 100 kbit/s) and a still (`snapshot.jpg`) every SNAPSHOT_SECONDS. `live.m3u8` is the master
playlist naming both renditions with BANDWIDTH and RESOLUTION, so hls.js can switch between them
(or be held to the low one: "Hemat data"). Every file goes through the same stream gate.
"""

from pathlib import Path

from django.conf import settings

MASTER_PLAYLIST = "live.m3u8"
LOW_PLAYLIST = "low.m3u8"
SNAPSHOT = "snapshot.jpg"
LOW_SIZE = "320x180"
LOW_FPS = 5
LOW_KBPS = 80


def main_kbps(size, fps):
    """The bit rate the demo pattern's main rendition is encoded at."""
    width, height = (int(n) for n in size.split("x"))
    return max(100, width * height * fps // 4000)


def low_filter(source, out_low, out_snapshot):
    """A filter graph from `source` (a pad label) to a 320x180 low picture and a still every
    SNAPSHOT_SECONDS; a camera of another shape is letterboxed, never stretched."""
    width, height = LOW_SIZE.split("x")
    every = settings.SNAPSHOT_SECONDS
    return (
        f"[{source}]fps={LOW_FPS},"
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,split=2[{out_low}][snapin];"
        # The first frame at once, then one every `every` seconds (not one per viewer).
        f"[snapin]select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{every})'[{out_snapshot}]"
    )


def low_output_args(label, folder, hls_args):
    """Encode the low picture as its own HLS playlist, beside the main one."""
    return [
        "-map", f"[{label}]",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-threads", "1",
        "-pix_fmt", "yuv420p", "-g", str(LOW_FPS), "-keyint_min", str(LOW_FPS),
        "-sc_threshold", "0",
        "-b:v", f"{LOW_KBPS}k", "-maxrate", f"{LOW_KBPS}k", "-bufsize", f"{2 * LOW_KBPS}k",
        *hls_args(folder, playlist=LOW_PLAYLIST, segment="low%d.ts"),
    ]  # fmt: skip


def snapshot_output_args(label, folder):
    """The latest still, replaced atomically (a reader never sees half a JPEG)."""
    return [
        "-map", f"[{label}]", "-c:v", "mjpeg", "-q:v", "6", "-fps_mode", "passthrough",
        "-f", "image2", "-update", "1", "-atomic_writing", "1", str(Path(folder) / SNAPSHOT),
    ]  # fmt: skip


def master_playlist(*, main_size=None, main_kbps, main_fps=None):
    """Both renditions, main first; size and frame rate of a real camera are not known here."""
    main = f"BANDWIDTH={main_kbps * 1200}"  # peak, with the container's overhead
    if main_size:
        main += f",RESOLUTION={main_size}"
    if main_fps:
        main += f",FRAME-RATE={main_fps}.000"
    low = f"BANDWIDTH={LOW_KBPS * 1200},RESOLUTION={LOW_SIZE},FRAME-RATE={LOW_FPS}.000"
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        f"#EXT-X-STREAM-INF:{main}\nindex.m3u8\n"
        f"#EXT-X-STREAM-INF:{low}\n{LOW_PLAYLIST}\n"
    )


def write_master_playlist(folder, *, source_url, size, fps):
    """Write `live.m3u8` for one camera's folder. A real camera's main rendition is its own
    stream copied as is: its bandwidth is assumed (2 Mbit/s), its size left out."""
    if source_url:
        text = master_playlist(main_kbps=2000)
    else:
        text = master_playlist(main_size=size, main_kbps=main_kbps(size, fps), main_fps=fps)
    temporary = Path(folder) / f".{MASTER_PLAYLIST}.tmp"
    temporary.write_text(text)
    temporary.replace(Path(folder) / MASTER_PLAYLIST)
