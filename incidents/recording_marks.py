"""Incidents on a camera's recordings timeline (cameras.signals.timeline_marks_wanted)."""

from django.dispatch import receiver
from django.urls import reverse

from cameras.signals import timeline_marks_wanted
from incidents.models import Incident


@receiver(timeline_marks_wanted, dispatch_uid="incidents-on-the-timeline")
def incidents_on_the_timeline(sender, camera, user, start, end, **kwargs):
    """The incidents reported on `camera` between start and end that `user` may see: one query
    for the three columns shown, along the (camera, created_at) index."""
    incidents = (
        Incident.objects.visible_to(user)
        .filter(camera=camera, created_at__gte=start, created_at__lt=end)
        .order_by("created_at")
        .values_list("pk", "created_at", "title")[:200]
    )
    return {
        "incidents": [
            {"id": pk, "at": at, "title": title, "url": reverse("incident-detail", args=[pk])}
            for pk, at, title in incidents
        ]
    }
