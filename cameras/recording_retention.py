"""How long recordings are kept, and the disk guard.

Each camera keeps its recordings for `Camera.recording_days`, else the days of the nearest area
above it with an `AreaRecordingPolicy`, else RECORDING_DAYS. `apply_retention` (registered in
cameras/retention.py) deletes the hours past that; the disk guard (run by the stream supervisor
or the MediaMTX watch every minute) keeps RECORDING_MIN_FREE_MB free, deleting the oldest hours
first and telling the provincial admins (`recordings_disk_low`). An hour whose `held_until` lies
ahead is evidence: neither ever deletes it.
"""

import logging
import shutil
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from cameras.models import AreaRecordingPolicy, Camera, RecordingHour
from cameras.recordings import HOUR, hour_folder
from cameras.signals import recordings_disk_low

log = logging.getLogger(__name__)
MB = 1024 * 1024
GUARD_BATCH = 200  # hours deleted between two looks at the free space


def days_per_camera():
    """{camera id: days} for the cameras whose days differ from RECORDING_DAYS."""
    policies = dict(AreaRecordingPolicy.objects.values_list("area_id", "days"))
    days = {}
    rows = Camera.objects.values_list("pk", "area_id", "recording_days")
    for camera_id, area_code, own in rows.iterator(chunk_size=5000):
        chosen = own
        if chosen is None and policies:
            parts = area_code.split(".")
            for depth in range(len(parts), 0, -1):  # the nearest area with a policy wins
                chosen = policies.get(".".join(parts[:depth]))
                if chosen is not None:
                    break
        if chosen is not None and chosen != settings.RECORDING_DAYS:
            days[camera_id] = chosen
    return days


def expired_hours(now=None):
    """The hours past their camera's retention at `now`, not held."""
    now = now or timezone.now()
    per_days = defaultdict(list)
    for camera_id, days in days_per_camera().items():
        per_days[days].append(camera_id)
    special = [camera_id for ids in per_days.values() for camera_id in ids]
    query = Q(hour__lt=now - timedelta(days=settings.RECORDING_DAYS) - HOUR) & ~Q(
        camera_id__in=special
    )
    for days, ids in per_days.items():
        query |= Q(camera_id__in=ids, hour__lt=now - timedelta(days=days) - HOUR)
    return RecordingHour.objects.unheld(now).filter(query)


def delete_hours(rows, now=None):
    """Delete these hours: rows now, their folders once the transaction commits; how many."""
    pairs = list(rows.values_list("pk", "camera_id", "hour"))
    for start in range(0, len(pairs), 5000):
        chunk = pairs[start : start + 5000]
        RecordingHour.objects.filter(pk__in=[pk for pk, _c, _h in chunk]).delete()
    folders = [hour_folder(camera_id, hour) for _pk, camera_id, hour in pairs]
    transaction.on_commit(lambda: remove_folders(folders))
    return len(pairs)


def remove_folders(folders):
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
        try:
            folder.parent.rmdir()  # the day's folder, once its last hour is gone
        except OSError:
            pass


def free_space():
    root = settings.RECORDINGS_ROOT
    root.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(root).free


def _delete_oldest(now, needed):
    """Delete the oldest unheld hours until `needed(freed)` (bytes still to free) is <= 0, by
    the index's byte counts; returns (hours, bytes) deleted."""
    deleted, freed = 0, 0
    while (still := needed(freed)) > 0:
        with transaction.atomic():
            batch = RecordingHour.objects.unheld(now).order_by("hour", "camera_id")[:GUARD_BATCH]
            rows, total = [], 0
            for row in batch.values_list("pk", "camera_id", "hour", "bytes"):
                rows.append(row)
                total += row[3]
                if total >= still:
                    break
            if not rows:
                break
            RecordingHour.objects.filter(pk__in=[row[0] for row in rows]).delete()
        remove_folders([hour_folder(camera_id, hour) for _pk, camera_id, hour, _b in rows])
        deleted += len(rows)
        freed += total
    return deleted, freed


def recorded_bytes():
    return RecordingHour.objects.aggregate(total=Sum("bytes"))["total"] or 0


def disk_guard(*, free_bytes=free_space, now=None):
    """Keep recordings under RECORDING_MAX_MB (a quota: the demo's) and RECORDING_MIN_FREE_MB
    free on their disk, deleting the oldest unheld hours first. Running short of free space also
    tells the provincial admins. Returns how many hours were deleted."""
    now = now or timezone.now()
    deleted = 0
    cap = settings.RECORDING_MAX_MB * MB
    if cap:
        over = recorded_bytes() - cap
        if over > 0:
            hours, _freed = _delete_oldest(now, lambda freed: over - freed)
            log.info("recordings: over RECORDING_MAX_MB, %d oldest hours deleted", hours)
            deleted += hours
    floor = settings.RECORDING_MIN_FREE_MB * MB
    if not floor or free_bytes() >= floor:
        return deleted
    before = free_bytes()
    hours, freed = _delete_oldest(now, lambda _freed: floor - free_bytes())
    deleted += hours
    after = free_bytes()
    log.warning(
        "recordings: free space under %d MB; %d oldest hours deleted (%d MB), %d MB free now",
        settings.RECORDING_MIN_FREE_MB,
        hours,
        freed // MB,
        after // MB,
    )
    with transaction.atomic():
        recordings_disk_low.send(
            sender=RecordingHour,
            deleted_hours=hours,
            freed_bytes=freed,
            free_before=before,
            free_after=after,
            floor=floor,
            at=now,
        )
    return deleted
