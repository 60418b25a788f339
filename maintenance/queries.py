"""Reading tickets, shared by the pages and the API: filters, the camera's health, a note's
photo."""

from datetime import timedelta

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cameras.health import uptime
from kelurahan.models import in_areas
from maintenance.models import Status

UNRESOLVED = "belum_selesai"  # open or repaired, awaiting confirmation
ALL = "semua"


def filter_tickets(tickets, data):
    """Apply the list's filters (status, camera, maintainer, area) to visible tickets."""
    status = data.get("status") or UNRESOLVED
    if status == UNRESOLVED:
        tickets = tickets.unresolved()
    elif status != ALL:
        tickets = tickets.filter(status=status)
    if data.get("camera"):
        tickets = tickets.filter(camera_id=data["camera"])
    if data.get("maintainer"):
        tickets = tickets.filter(maintainer_id=data["maintainer"])
    if data.get("area"):
        tickets = tickets.filter(in_areas("area__code", [data["area"]]))
    return tickets


STATUS_CHOICES = [(UNRESOLVED, "Belum selesai"), (ALL, "Semua"), *Status.choices]


def camera_health(camera, now=None):
    """What a technician may know of a camera's health: online, since when, 24-hour uptime."""
    now = now or timezone.now()
    return {
        "online": camera.online,
        "since": camera.online_changed_at,
        "last_seen_at": camera.last_seen_at,
        "uptime_24h": round(uptime([camera.pk], now - timedelta(hours=24), now)[camera.pk], 3),
    }


def note_photo_response(ticket, note_id):
    """A note's photo, for someone who may see `ticket` (the caller found it through
    `Ticket.objects.visible_to`): never a public media URL. 404 for a note without a photo (or
    whose photo went with the retention period)."""
    note = ticket.notes.exclude(photo="").filter(pk=note_id).first()
    if note is None:
        raise Http404(_("Foto tidak ditemukan."))
    try:
        handle = note.photo.open("rb")
    except FileNotFoundError:
        raise Http404(_("Foto tidak ditemukan.")) from None
    response = FileResponse(handle, filename=note.photo.name.rpartition("/")[2])
    response["Cache-Control"] = "private, max-age=3600"
    return response
