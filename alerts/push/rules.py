"""Which alerts are pushed to whom. The live alerts (the bell) tell everyone in scope about
everything; a push wakes a phone, so it carries less:

- new and escalated incidents reaching the person's area and level,
- incidents overdue for follow-up (the SLA) to those who must follow them up,
- a camera gone offline to the staff of its area (`watch_camera_health`), and a media node
  that stopped answering (its cameras offline at once) to the provincial admins,

each only at or above the device's severity threshold. Scope comes from the door
(`scope_codes_of`, read fresh) and the alerts' one rule (`alerts.models.reaches`), at fan-out and
again right before sending: a person revoked in between gets nothing.
"""

from alerts.models import Kind, reaches
from kelurahan.access import scope_codes_of
from kelurahan.roles import Action

PUSHED = {
    Kind.INCIDENT_CREATED: Action.VIEW,
    Kind.INCIDENT_ESCALATED: Action.VIEW,
    Kind.INCIDENT_OVERDUE: Action.RESOLVE_INCIDENT,
    Kind.CAMERA_OFFLINE: Action.WATCH_CAMERA_HEALTH,
    Kind.MEDIA_NODE_DOWN: Action.WATCH_CAMERA_HEALTH,
}


def is_pushed(event):
    return event.kind in PUSHED


def recipients(event, user_ids):
    """The ids among `user_ids` who may be told of `event` by push now."""
    action = PUSHED.get(event.kind)
    if action is None or not user_ids:
        return set()
    codes = scope_codes_of(list(user_ids), action)
    return {uid for uid, held in codes.items() if reaches(held, event.area_id, event.min_depth)}
