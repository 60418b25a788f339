"""Embedded recording: the live HLS segments of a camera marked `record`, kept.

ffmpeg already writes 1 s H.264 segments for the live stream and deletes them once they leave the
6-entry playlist. A `SegmentRecorder` reads that playlist every couple of seconds and hard-links
each finished segment into the camera's hour folder (cameras/recordings.py), named by the
segment's own PROGRAM-DATE-TIME and duration: the same bytes, no second encode, no copy. When
ffmpeg deletes its name, the recording's name keeps the file. The hour's index row is written
every FLUSH_EVERY seconds from what was linked, never by listing the folder again.
"""

import logging
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.utils import timezone

from cameras.ffmpeg import PLAYLIST
from cameras.models import Camera, RecordingHour
from cameras.recordings import (
    HourIndex,
    floor_hour,
    hour_folder,
    hour_of_folder,
    index_hour_folder,
    segment_name,
)

log = logging.getLogger(__name__)

_SEGMENT_LINE = re.compile(r"^seg(\d+)\.ts$")


def finished_segments(playlist_text):
    """[(sequence, name, start datetime, duration)] listed in a live playlist, in order."""
    found, start, duration = [], None, None
    for line in playlist_text.splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            try:
                start = datetime.fromisoformat(line.split(":", 1)[1])
            except ValueError:
                start = None
        elif line.startswith("#EXTINF:"):
            try:
                duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
            except ValueError:
                duration = None
        elif match := _SEGMENT_LINE.match(line):
            if start is not None and duration:
                found.append((int(match.group(1)), line, start.astimezone(UTC), duration))
            start, duration = None, None
    return found


class SegmentRecorder:
    """Keeps one camera's finished live segments in its hour folders, and their index."""

    def __init__(self, camera_id, live_folder, root):
        self.camera_id = camera_id
        self.live_folder = Path(live_folder)
        self.root = Path(root)
        self.last_sequence = -1
        self.hours = {}  # hour -> (HourIndex, merged with the stored row yet?)
        self.dirty = set()

    def collect(self):
        """Link the segments finished since the last look; how many."""
        try:
            text = (self.live_folder / PLAYLIST).read_text()
        except FileNotFoundError:
            return 0
        linked = 0
        for sequence, name, start, duration in finished_segments(text):
            if sequence <= self.last_sequence:
                continue
            self.last_sequence = sequence
            source = self.live_folder / name
            hour = floor_hour(start)
            folder = hour_folder(self.camera_id, hour, self.root)
            target = folder / segment_name(start, duration)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                os.link(source, target)
                size = target.stat().st_size
            except FileExistsError:
                continue  # kept already (a restarted supervisor reading the same playlist)
            except FileNotFoundError:
                log.warning("camera %s: segment %s gone before it was kept", self.camera_id, name)
                continue
            self._index(hour).add(start, duration, size)
            self.dirty.add(hour)
            linked += 1
        return linked

    def _index(self, hour):
        if hour not in self.hours:
            self.hours[hour] = (HourIndex(self.camera_id, hour), False)
        return self.hours[hour][0]

    def flush(self):
        """Write the index rows of the hours that grew; forget hours long finished."""
        for hour in sorted(self.dirty):
            index, merged = self.hours[hour]
            if not merged:
                # The supervisor may have restarted within the hour: continue the stored row.
                row = RecordingHour.objects.filter(camera_id=self.camera_id, hour=hour).first()
                if row is not None:
                    stored = HourIndex.from_row(row)
                    for begin, end in index.spans:
                        stored.spans.append([begin, end])
                    stored.spans = _merged(stored.spans)
                    stored.seconds += index.seconds
                    stored.bytes += index.bytes
                    index = stored
                self.hours[hour] = (index, True)
            index.save()
        self.dirty.clear()
        newest = max(self.hours, default=None)
        for hour in [h for h in self.hours if newest and h < newest and h not in self.dirty]:
            if (newest - hour).total_seconds() > 3600:
                del self.hours[hour]


def _merged(spans):
    spans = sorted(spans)
    out = []
    for begin, end in spans:
        if out and begin <= out[-1][1] + 1.5:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([begin, end])
    return out


class FolderSweep:
    """Production: MediaMTX records (docker/mediamtx.yml); this keeps the hourly index in step by
    looking at the current and previous hour folder of each recording camera, reindexing a folder
    only when its modification time moved (a new segment file changes it)."""

    def __init__(self, root=None):
        self.root = root
        self.seen = {}  # folder -> mtime at the last reindex

    def sweep(self, now=None):
        """Reindex the folders that changed; how many."""
        now = now or timezone.now()
        changed = 0
        current = floor_hour(now)
        recording = Camera.objects.filter(record=True).values_list("pk", flat=True)
        for camera_id in recording.iterator(chunk_size=5000):
            for hour in (current - timedelta(hours=1), current):
                folder = hour_folder(camera_id, hour, self.root)
                try:
                    mtime = folder.stat().st_mtime_ns
                except FileNotFoundError:
                    continue
                if self.seen.get(folder) == mtime:
                    continue
                index_hour_folder(camera_id, hour, self.root)
                self.seen[folder] = mtime
                changed += 1
        old = current - timedelta(hours=2)
        self.seen = {
            f: m for f, m in self.seen.items() if _folder_hour(f) is None or _folder_hour(f) >= old
        }
        return changed


def _folder_hour(folder):
    return hour_of_folder(folder)
