"""Every change to a maintenance ticket: opening by hand, notes and photos, "repaired", and the
sweep that opens, closes and reopens tickets by itself. Keyword-only, each in a transaction."""

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cameras.models import Camera
from common.refusals import Refused
from kelurahan.access import can
from kelurahan.roles import Action
from maintenance.models import MANUAL_REASONS, Status, Ticket, TicketNote
from maintenance.signals import tickets_to_announce
from maintenance.sweep import deadline_for


class TicketRefused(Refused):
    """A ticket action that cannot be done."""


def ticket_open(*, by, camera_id, reason, description="", now=None):
    """Open a ticket by hand (damaged, moved, obstructed view) for a camera `by` may see."""
    now = now or timezone.now()
    if reason not in dict(MANUAL_REASONS):
        raise TicketRefused(400, _("Alasan tidak dikenal."), "reason")
    camera = (
        Camera.objects.visible_to(by, Action.VIEW_TICKETS)
        .select_related("maintainer")
        .filter(pk=camera_id)
        .first()
    )
    if camera is None:
        raise TicketRefused(404, _("Kamera tidak ditemukan."), "camera")
    if not can(by, Action.OPEN_TICKET, camera):
        raise TicketRefused(403, _("Anda tidak dapat membuka tiket untuk kamera ini."))
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                camera=camera,
                area_id=camera.area_id,
                maintainer=camera.maintainer,
                reason=reason,
                description=description.strip(),
                opened_by=by,
                opened_at=now,
                deadline=deadline_for(camera.maintainer, now),
            )
            tickets_to_announce.send(Ticket, opened=[ticket.pk], overdue=[])
    except IntegrityError:
        ticket = Ticket.objects.unresolved().filter(camera_id=camera.pk).first()
        raise TicketRefused(
            409,
            _("Kamera ini sudah punya tiket yang belum selesai (#%s).")
            % (ticket.pk if ticket else "?"),
        ) from None
    return ticket


def _ticket_for(by, ticket_id, action):
    """The ticket, locked, when `by` may see it (else 404) and may `action` on it (else 403)."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).visible_to(by).filter(pk=ticket_id).first()
    )
    if ticket is None:
        raise TicketRefused(404, _("Tiket tidak ditemukan."))
    if not can(by, action, ticket):
        raise TicketRefused(403, _("Anda tidak dapat melakukan ini pada tiket ini."))
    return ticket


@transaction.atomic
def ticket_note(*, by, ticket_id, text, photo=None, now=None):
    """Add a note, with an optional photo already cleaned by `common.images.clean_image`."""
    ticket = _ticket_for(by, ticket_id, Action.NOTE_TICKET)
    text = (text or "").strip()
    if not text and photo is None:
        raise TicketRefused(400, _("Tulis catatan atau lampirkan foto."), "text")
    if ticket.status == Status.CLOSED:
        raise TicketRefused(409, _("Tiket sudah ditutup."))
    note = TicketNote(ticket=ticket, author=by, text=text, created_at=now or timezone.now())
    if photo is not None:
        note.photo.save(photo.name, ContentFile(photo.content), save=False)
    note.save()
    return note


@transaction.atomic
def ticket_repaired(*, by, ticket_id, text="", now=None):
    """The technician says the camera is fixed: the ticket waits for the camera to stay online
    for MAINTENANCE_CONFIRM minutes (the sweep closes it then, or reopens it if it fails)."""
    now = now or timezone.now()
    ticket = _ticket_for(by, ticket_id, Action.REPAIR_TICKET)
    if ticket.status != Status.OPEN:
        raise TicketRefused(409, _("Hanya tiket yang terbuka dapat ditandai diperbaiki."))
    ticket.status = Status.REPAIRED
    ticket.repaired_at = now
    ticket.repaired_by = by
    ticket.save(update_fields=["status", "repaired_at", "repaired_by"])
    text = (text or "").strip() or _("Ditandai diperbaiki.")
    TicketNote.objects.create(ticket=ticket, author=by, text=text, created_at=now)
    return ticket


def close_for_retired(sender, camera_ids, at, **kwargs):
    """Cameras taken out of service (cameras.signals.cameras_retired): their unresolved tickets
    close, with a note saying why; in the transaction that retired them."""
    found = list(
        Ticket.objects.unresolved().filter(camera_id__in=camera_ids).values_list("pk", flat=True)
    )
    if not found:
        return
    Ticket.objects.filter(pk__in=found).update(status=Status.CLOSED, closed_at=at)
    text = _("Kamera dinonaktifkan: tiket ditutup otomatis.")
    TicketNote.objects.bulk_create(
        TicketNote(ticket_id=pk, author=None, text=text, created_at=at) for pk in found
    )
