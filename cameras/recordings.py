"""Recordings on disk and their hourly index.

Layout (shared by the embedded supervisor, MediaMTX's `recordPath` and evidence clips):

    <RECORDINGS_ROOT>/<camera id>/<YYYY-MM-DD>/<HH>/<MM>-<SS>-<ffffff>[_<duration ms>].<ts|mp4>

Folders are UTC hours; a file's name is the UTC minute, second and microsecond its segment
starts at. The embedded supervisor links each finished live HLS segment here (same bytes, no
second encode) and writes its duration into the name; MediaMTX names its fMP4 segments without
one, so a segment then lasts until the next one starts (the last one: until the file was last
written). The portal keeps one `RecordingHour` row per camera and hour, never one per segment.
"""

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings

from cameras.models import RecordingHour

HOUR = timedelta(hours=1)
# Segments closer than this are one stretch: the gap between two 1 s HLS segments is rounding.
JOIN_WITHIN = 1.5
_SEGMENT_NAME = re.compile(r"^(\d{2})-(\d{2})-(\d{6})(?:_(\d{1,7}))?\.(ts|mp4)$")


def floor_hour(moment):
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def camera_folder(camera_id, root=None):
    return Path(root or settings.RECORDINGS_ROOT) / str(camera_id)


def hour_folder(camera_id, hour, root=None):
    """The folder of one camera's UTC hour (`hour` any moment inside it)."""
    hour = floor_hour(hour)
    return camera_folder(camera_id, root) / f"{hour:%Y-%m-%d}" / f"{hour:%H}"


def segment_name(start, duration=None, ext="ts"):
    """The file name of a segment starting at `start` (aware), lasting `duration` seconds."""
    start = start.astimezone(UTC)
    name = f"{start:%M-%S}-{start.microsecond:06d}"
    if duration is not None:
        name += f"_{round(duration * 1000)}"
    return f"{name}.{ext}"


def hour_of_folder(folder):
    """The UTC hour a folder .../<YYYY-MM-DD>/<HH> holds, or None when it is not one."""
    try:
        return datetime.strptime(f"{folder.parent.name} {folder.name}", "%Y-%m-%d %H").replace(
            tzinfo=UTC
        )
    except ValueError:
        return None


@dataclass(frozen=True)
class Segment:
    path: Path
    start: datetime  # aware, UTC
    duration: float  # seconds
    bytes: int = 0


def read_hour(folder, hour=None):
    """The segments in one hour folder, in order ([] when there is none)."""
    hour = hour or hour_of_folder(Path(folder))
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except FileNotFoundError:
        return []
    found = []  # (entry, start, duration or None)
    for entry in entries:
        match = _SEGMENT_NAME.match(entry.name)
        if not match:
            continue  # a temporary file being written, or something else
        minute, second, micro, millis, _ext = match.groups()
        start = hour + timedelta(minutes=int(minute), seconds=int(second), microseconds=int(micro))
        found.append((entry, start, int(millis) / 1000 if millis else None))
    segments = []
    for index, (entry, start, duration) in enumerate(found):
        try:
            stat = entry.stat()
        except FileNotFoundError:  # deleted meanwhile
            continue
        if duration is None:
            if index + 1 < len(found):
                duration = (found[index + 1][1] - start).total_seconds()
            else:
                written = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                duration = max(0.0, (written - start).total_seconds())
        segments.append(Segment(Path(entry.path), start, duration, stat.st_size))
    return segments


def segments_between(camera, start, end, root=None):
    """[(path, start datetime, duration seconds)] of `camera`'s segments overlapping [start, end),
    in order. `camera` is a Camera or its id."""
    camera_id = getattr(camera, "pk", camera)
    found = []
    hour = floor_hour(start)
    while hour < end:
        for segment in read_hour(hour_folder(camera_id, hour, root), hour):
            seg_end = segment.start + timedelta(seconds=segment.duration)
            if segment.start < end and seg_end > start:
                found.append((segment.path, segment.start, segment.duration))
        hour += HOUR
    return found


# --- The hourly index -------------------------------------------------------------------------


@dataclass
class HourIndex:
    """One camera-hour's index as it grows: stretches (seconds after the hour), seconds, bytes."""

    camera_id: int
    hour: datetime
    spans: list = field(default_factory=list)  # [[from, to]] in order
    seconds: float = 0.0
    bytes: int = 0

    @classmethod
    def from_row(cls, row):
        spans = [list(span) for span in row.spans()]
        return cls(row.camera_id, row.hour, spans, row.seconds, row.bytes)

    @classmethod
    def from_segments(cls, camera_id, hour, segments):
        index = cls(camera_id, hour)
        for segment in segments:
            index.add(segment.start, segment.duration, segment.bytes)
        return index

    def add(self, start, duration, size):
        begin = (start - self.hour).total_seconds()
        end = min(begin + duration, HOUR.total_seconds())
        self.seconds += max(0.0, end - begin)
        self.bytes += size
        if self.spans and begin <= self.spans[-1][1] + JOIN_WITHIN:
            self.spans[-1][1] = max(self.spans[-1][1], end)
        else:
            self.spans.append([begin, end])
            self.spans.sort()

    def fields(self):
        gaps = [[a[1], b[0]] for a, b in zip(self.spans, self.spans[1:], strict=False)]
        return {
            "seconds": round(self.seconds, 3),
            "bytes": self.bytes,
            "covered_from": self.spans[0][0] if self.spans else 0,
            "covered_to": self.spans[-1][1] if self.spans else 0,
            "gaps": [[round(a, 3), round(b, 3)] for a, b in gaps],
        }

    def save(self):
        """Write the row (its hold, set by evidence, is left as it is)."""
        RecordingHour.objects.update_or_create(
            camera_id=self.camera_id, hour=self.hour, defaults=self.fields()
        )


def index_hour_folder(camera_id, hour, root=None):
    """Rebuild one hour's row from its folder (MediaMTX's segments, or after a crash); an empty
    or missing folder removes the row unless it is held."""
    hour = floor_hour(hour)
    segments = read_hour(hour_folder(camera_id, hour, root), hour)
    if not segments:
        RecordingHour.objects.filter(camera_id=camera_id, hour=hour).unheld().delete()
        return None
    index = HourIndex.from_segments(camera_id, hour, segments)
    index.save()
    return index


def recorded_spans(camera, start, end):
    """[(from, to)] aware datetimes recorded of `camera` within [start, end), joined across
    hours, from the index alone (no disk)."""
    rows = RecordingHour.objects.filter(
        camera=camera, hour__gte=floor_hour(start), hour__lt=end
    ).order_by("hour")
    spans = []
    for row in rows.only("hour", "covered_from", "covered_to", "gaps"):
        for begin, finish in row.spans():
            a = max(row.hour + timedelta(seconds=begin), start)
            b = min(row.hour + timedelta(seconds=finish), end)
            if b <= a:
                continue
            if spans and (a - spans[-1][1]).total_seconds() <= JOIN_WITHIN:
                spans[-1][1] = max(spans[-1][1], b)
            else:
                spans.append([a, b])
    return [(a, b) for a, b in spans]
