"""Light video for phones: the low rendition, the master playlist and the snapshot.

Production (MediaMTX) serves the low rendition as a path of its own (cameras/mediamtx_paths.py)
and the portal the master playlist naming both (production_master_playlist); stills are made
from the node's HLS (cameras/snapshots.py). In embedded mode each camera's ffmpeg decodes its
input once and writes, beside the main rendition (`index.m3u8`, `seg<n>.ts`, unchanged), a low
one (`low.m3u8`, `low<n>.ts`: 320x180, 5 fps, under 100 kbit/s) and a still (`snapshot.jpg`)
every SNAPSHOT_SECONDS. `live.m3u8` is the master playlist naming both renditions with BANDWIDTH
and RESOLUTION, so hls.js can switch between them (or be held to the low one: "Hemat data").
Every file goes through the same stream gate.
"""

from pathlib import Path

from django.conf import settings

MASTER_PLAYLIST = "live.m3u8"
LOW_PLAYLIST = "low.m3u8"
SNAPSHOT = "snapshot.jpg"
LOW_SIZE = "320x180"
LOW_FPS = 5
LOW_KBPS = 80
SUBSTREAM_KBPS = 512  # assumed for a camera's own sub-stream (typically 640x360 or smaller)


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


def master_playlist(
    *,
    main_size=None,
    main_kbps,
    main_fps=None,
    main_uri="index.m3u8",
    low_uri=LOW_PLAYLIST,
    low=(LOW_SIZE, LOW_KBPS, LOW_FPS),
):
    """Both renditions, main first; the size and frame rate of what a real camera sends (its
    main stream, or its own sub-stream as the low one) are not known here: left out."""
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        f"#EXT-X-STREAM-INF:{_variant(main_size, main_kbps, main_fps)}\n{main_uri}\n"
        f"#EXT-X-STREAM-INF:{_variant(*low)}\n{low_uri}\n"
    )


def _variant(size, kbps, fps):
    text = f"BANDWIDTH={kbps * 1200}"  # peak, with the container's overhead
    if size:
        text += f",RESOLUTION={size}"
    if fps:
        text += f",FRAME-RATE={fps}.000"
    return text


def production_master_playlist(camera, main_uri, low_uri):
    """Production: the camera's node's main path and its low path (the camera's sub-stream,
    about SUBSTREAM_KBPS, or the node's 320x180 transcode) as one master playlist."""
    if camera.source_url:
        main = {"main_kbps": 2000}
    else:  # the demo pattern, published at STREAM_SIZE and STREAM_FPS
        size, fps = settings.STREAM_SIZE, settings.STREAM_FPS
        main = {"main_size": size, "main_kbps": main_kbps(size, fps), "main_fps": fps}
    low = (None, SUBSTREAM_KBPS, None) if camera.substream_url else (LOW_SIZE, LOW_KBPS, LOW_FPS)
    return master_playlist(**main, main_uri=main_uri, low_uri=low_uri, low=low)


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
