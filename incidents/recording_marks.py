"""Incidents on a camera's recordings timeline (cameras.signals.timeline_marks_wanted)."""

from django.dispatch import receiver
from django.urls import reverse

from cameras.signals import timeline_marks_wanted
from incidents.models import Incident


@receiver(timeline_marks_wanted, dispatch_uid="incidents-on-the-timeline")
def incidents_on_the_timeline(sender, camera, user, start, end, **kwargs):
    """The incidents reported on `camera` between start and end that `user` may see."""
    incidents = Incident.objects.visible_to(user).filter(
        camera=camera, created_at__gte=start, created_at__lt=end
    )
    return {
        "incidents": [
            {
                "id": i.pk,
                "at": i.created_at,
                "title": i.title,
                "url": reverse("incident-detail", args=[i.pk]),
            }
            for i in incidents.order_by("created_at")[:200]
        ]
    }
