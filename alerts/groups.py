"""Channel-layer group names and event types of the live alerts, in one place.

A socket joins the group of each area it holds a live grant in, the group of each maintainer
organisation whose technician it is, the broadcast group and its user's own group. An alert goes
to the groups of its area and of each ancestor deep enough for its `min_depth`, plus the
province's (provincial admins see every alert): O(depth) sends, never O(users). An alert for
the province itself goes to the broadcast group alone. An alert for a maintainer (a ticket) also
goes to that organisation's group. Each socket still applies the whole rule
(alerts.models.AlertScope.reaches): a group only routes.
Group names must match ^[A-Za-z0-9._-]+$ and stay under 100 characters: area codes do.
"""

from kelurahan.codes import PROVINCE, ancestor_codes, depth_of

BROADCAST = "alerts.jakarta"
ALERT_EVENT = "alert.event"  # {"event": AlertEvent.as_message()}
ACCESS_CHANGED = "access.changed"  # the user's assignments changed: re-scope now
SESSION_ENDED = "session.ended"  # {"session": key}: that browser session signed out


def area_group(code):
    return f"alerts.{code}"


def user_group(user_id):
    return f"alerts.user.{user_id}"


def maintainer_group(maintainer_id):
    return f"alerts.maintainer.{maintainer_id}"


def groups_for_grants(scope, user_id):
    """The groups a socket of this user joins (`scope`: alerts.models.AlertScope)."""
    return {
        BROADCAST,
        user_group(user_id),
        *(area_group(code) for code in scope.areas),
        *(maintainer_group(m) for m in scope.maintainers),
    }


def groups_for_alert(area_code, min_depth, maintainer_id=None):
    """The groups an alert is sent to (see `alerts.models.reaches`: the same rule)."""
    extra = [maintainer_group(maintainer_id)] if maintainer_id is not None else []
    if area_code == PROVINCE:
        # min_depth 0 (alerts.models.PROVINCIAL_ONLY): the provincial admins' group alone.
        return [area_group(PROVINCE) if min_depth == 0 else BROADCAST, *extra]
    chain = [*ancestor_codes(area_code), area_code]
    codes = [code for code in chain if code == PROVINCE or depth_of(code) >= min_depth]
    return [*(area_group(code) for code in codes), *extra]
