"""What the data requests app keeps for a while (common/retention.py): answered requests with
their identity document photos, DATAREQUEST_DAYS after the answer. Open requests stay however
old (they still need an answer)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.retention import keep
from datarequests.models import ANSWERED, DataRequest


def register():
    keep(
        "permohonan_data",
        _("Permohonan data warga yang sudah dijawab, dengan foto dokumen identitasnya"),
        "DATAREQUEST_DAYS",
        expired=_answered_before,
        remove=_remove,
    )


def _answered_before(cutoff):
    return DataRequest.objects.filter(status__in=ANSWERED, answered_at__lt=cutoff)


def _remove(rows, now):
    """Delete the rows and, once committed, their document files."""
    found = dict(rows.values_list("pk", "id_document"))
    DataRequest.objects.filter(pk__in=found).delete()
    storage = DataRequest._meta.get_field("id_document").storage

    def delete_files():
        for name in found.values():
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
    return len(found)
