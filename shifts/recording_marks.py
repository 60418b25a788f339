"""Shift notes on a camera's recordings timeline (cameras.signals.timeline_marks_wanted)."""

from django.db.models.functions import Substr
from django.dispatch import receiver

from cameras.signals import timeline_marks_wanted
from shifts.models import ShiftNote

TITLE_LENGTH = 120


@receiver(timeline_marks_wanted, dispatch_uid="shift-notes-on-the-timeline")
def notes_on_the_timeline(sender, camera, user, start, end, **kwargs):
    """The shift notes and observations about `camera` between start and end that `user` may
    see (the text's first line as the title)."""
    notes = (
        ShiftNote.objects.visible_to(user)
        .filter(camera=camera, created_at__gte=start, created_at__lt=end)
        .order_by("created_at")
        # Only the start of the text: its first line, cut at 120 characters, lies within it.
        .annotate(head=Substr("text", 1, TITLE_LENGTH + 1))
        .values_list("pk", "created_at", "head")[:200]
    )
    return {
        "notes": [
            {"id": pk, "at": at, "title": head.splitlines()[0][:TITLE_LENGTH] if head else ""}
            for pk, at, head in notes
        ]
    }
