"""Shift notes on a camera's recordings timeline (cameras.signals.timeline_marks_wanted)."""

from django.dispatch import receiver

from cameras.signals import timeline_marks_wanted
from shifts.models import ShiftNote


@receiver(timeline_marks_wanted, dispatch_uid="shift-notes-on-the-timeline")
def notes_on_the_timeline(sender, camera, user, start, end, **kwargs):
    """The shift notes and observations about `camera` between start and end that `user` may
    see (the text's first line as the title)."""
    notes = ShiftNote.objects.visible_to(user).filter(
        camera=camera, created_at__gte=start, created_at__lt=end
    )
    return {
        "notes": [
            {
                "id": n.pk,
                "at": n.created_at,
                "title": n.text.splitlines()[0][:120] if n.text else "",
            }
            for n in notes.order_by("created_at")[:200]
        ]
    }
