"""What the incidents app keeps for a while (common/retention.py): the photo files of finished
incidents (their rows and the incident's timeline stay)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.retention import keep
from incidents.models import FINAL_STATUSES, IncidentAttachment


def register():
    keep(
        "lampiran",
        _("Berkas lampiran kejadian yang sudah selesai/ditutup"),
        "RETENTION_ATTACHMENT_DAYS",
        expired=_finished_before,
        remove=_remove_files,
    )


def _finished_before(cutoff):
    # Only once the incident is over: an open incident keeps its photos however old.
    return IncidentAttachment.objects.filter(
        removed_at__isnull=True,
        incident__status__in=FINAL_STATUSES,
        incident__resolved_at__lt=cutoff,
    )


def _remove_files(attachments, now):
    """Delete the files, keep the rows (marked removed) and the incident's timeline."""
    found = dict(attachments.select_for_update(of=("self",)).values_list("pk", "image"))
    IncidentAttachment.objects.filter(pk__in=found).update(removed_at=now, image="")
    storage = IncidentAttachment._meta.get_field("image").storage

    def delete_files():
        for name in found.values():
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
    return len(found)
