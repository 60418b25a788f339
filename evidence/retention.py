"""What evidence keeps for a while (common/retention.py): a clip's file, for EVIDENCE_HOLD_DAYS
after its incident is finished, or until its hold is lifted. The row, its hash and its custody
log stay, so that a copy handed over earlier can still be checked against the portal."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.retention import keep
from evidence.models import Clip, ClipEvent
from evidence.services import _custody, expired_clips, refresh_hour_holds


def register():
    keep(
        "klip",
        _("Berkas klip bukti yang penahanannya berakhir"),
        "EVIDENCE_HOLD_DAYS",
        expired=expired_clips,
        remove=_remove_files,
    )


def _remove_files(clips, now):
    removed = 0
    for clip in clips.select_for_update(of=("self",)).select_related("incident"):
        name = clip.file.name
        clip.removed_at, clip.held_until, clip.file = now, None, ""
        clip.save(update_fields=["removed_at", "held_until", "file"])
        refresh_hour_holds(clip.camera_id, clip.start, clip.end)
        _custody(clip, ClipEvent.Kind.REMOVED, None, None, at=now)
        if name:
            transaction.on_commit(lambda name=name: Clip.file.field.storage.delete(name))
        removed += 1
    return removed
