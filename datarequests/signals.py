"""Events other parts listen to (the accountability trail, the live alerts).

`request_event`: sent inside the transaction that changed a data request, with `data_request`,
`kind` (one of Event), `actor` (a user, or None: the citizen or the SLA sweep), `at` and
`detail` (a dict of short texts). Listeners store what they need in the same transaction.
"""

from django.dispatch import Signal

request_event = Signal()


class Event:
    FILED = "diajukan"
    VERIFIED = "diverifikasi"
    GRANTED = "dikabulkan"
    REFUSED = "ditolak"
    DUE_SOON = "batas_dekat"
    OVERDUE = "terlambat"
    OPENED = "dibuka"  # staff read the request (who asked, their contact, why)
    DOCUMENT_VIEWED = "dokumen_dilihat"
    DOWNLOADED = "diunduh"
    STATUS_VIEWED = "status_dilihat"
