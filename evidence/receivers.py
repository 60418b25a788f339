"""What evidence hears from the apps below: an incident finishing (its clips' holds get an
end) and an incident's page being built (the clips panel)."""

from django.template.loader import render_to_string

from evidence.forms import ClipForm
from evidence.models import Clip
from evidence.services import forwarded_agencies, may
from incidents.models import FINAL_STATUSES, IncidentEvent
from incidents.signals import incident_event, incident_page
from kelurahan.roles import Action


def connect():
    incident_event.connect(_incident_changed, dispatch_uid="evidence-incident-finished")
    incident_page.connect(_clips_panel, dispatch_uid="evidence-incident-panel")


def _incident_changed(sender, incident, event, **kwargs):
    if event.kind == IncidentEvent.Kind.STATUS and incident.status in FINAL_STATUSES:
        from evidence.services import incident_finished

        incident_finished(incident)


def _clips_panel(sender, incident, request, **kwargs):
    """The "Rekaman bukti" card of the incident page, for those who may watch recordings."""
    user = request.user
    if not may(user, Action.VIEW_RECORDINGS, incident):
        return ""
    clips = Clip.objects.visible_to(user).filter(incident=incident).select_related("camera")
    context = {
        "incident": incident,
        "clips": clips,
        "form": ClipForm(incident=incident, user=user),
        "may_export": may(user, Action.EXPORT_EVIDENCE, incident),
        "agencies": forwarded_agencies(incident),
    }
    return render_to_string("evidence/incident_panel.html", context, request=request)
