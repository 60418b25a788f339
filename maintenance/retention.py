"""What the maintenance app keeps for a while (common/retention.py): the photos on tickets
closed long ago (the notes and the tickets themselves stay, for the repair reports)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.retention import keep
from maintenance.models import Status, TicketNote


def register():
    keep(
        "foto_tiket",
        _("Foto pada tiket perbaikan yang sudah ditutup"),
        "RETENTION_TICKET_PHOTO_DAYS",
        expired=_closed_before,
        remove=_remove_photos,
    )


def _closed_before(cutoff):
    return TicketNote.objects.exclude(photo="").filter(
        ticket__status=Status.CLOSED, ticket__closed_at__lt=cutoff
    )


def _remove_photos(notes, now):
    found = dict(notes.select_for_update(of=("self",)).values_list("pk", "photo"))
    TicketNote.objects.filter(pk__in=found).update(photo="", photo_removed_at=now)
    storage = TicketNote._meta.get_field("photo").storage

    def delete_files():
        for name in found.values():
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
    return len(found)
