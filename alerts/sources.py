"""What raises alerts (incidents, camera health, data requests, maintenance tickets) and what
re-scopes open sockets (assignments, deactivation, sign-out). Connected in AlertsConfig.ready().

The incident and camera signals are sent inside the transaction of the change, so the alert is
stored with it; the push waits for the commit (alerts/publish.py). The maintenance sweep's
tickets (opened, overdue) come in one signal per round, after its own statements (it opens no
transaction): their alerts are built from the tickets' rows in SQL and stored in one statement
however many. Late shifts are found by a periodic check (alerts/shifts.py).
"""

import hashlib

from allauth.usersessions.models import UserSession
from django.contrib.auth.signals import user_logged_out
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils.translation import gettext as _

from alerts.groups import ACCESS_CHANGED, SESSION_ENDED
from alerts.models import PROVINCIAL_ONLY, Kind
from alerts.publish import publish_alert, publish_selected, send_to_user
from cameras.models import Camera, CameraStatusChange
from cameras.signals import camera_status_changed, media_node_changed, recordings_disk_low
from common.sql import IsoFormat
from datarequests.signals import Event as RequestEvent
from datarequests.signals import request_event
from incidents.models import IncidentEvent
from incidents.signals import incident_event
from kelurahan.codes import PROVINCE
from kelurahan.models import RoleAssignment, User
from kelurahan.roles import LEVEL_DEPTH, Action, Level
from maintenance.models import Ticket
from maintenance.signals import tickets_to_announce

_INCIDENT_KINDS = {
    IncidentEvent.Kind.CREATED: Kind.INCIDENT_CREATED,
    IncidentEvent.Kind.ESCALATED: Kind.INCIDENT_ESCALATED,
    IncidentEvent.Kind.AUTO_ESCALATED: Kind.INCIDENT_ESCALATED,
    IncidentEvent.Kind.FORWARDED: Kind.INCIDENT_FORWARDED,
    IncidentEvent.Kind.OVERDUE: Kind.INCIDENT_OVERDUE,
}


def _incident_event(sender, incident, event, **kwargs):
    kind = _INCIDENT_KINDS.get(event.kind)
    if kind is None:
        return
    payload = {"incident": incident.pk, "category": incident.category, "level": incident.level}
    if event.kind == IncidentEvent.Kind.AUTO_ESCALATED:
        payload["automatic"] = True
    if event.agency_id:
        payload["agency"] = event.agency.name
    publish_alert(
        kind=kind,
        area_code=incident.area_id,
        severity=incident.severity,
        title=incident.title,
        link=f"/kejadian/{incident.pk}/",
        payload=payload,
        # Those who see the incident now: its level's people and everyone below them.
        min_depth=LEVEL_DEPTH[Level(incident.level)],
    )


def _camera_status_changed(sender, camera, online, at, node=None, **kwargs):
    if not online and camera.status != Camera.Status.ACTIVE:
        return  # stopped on purpose (maintenance, retired): nothing to act on
    if node is not None:
        return  # its media node went down or came back: one alert tells of the node
    if online and CameraStatusChange.objects.filter(camera_id=camera.pk).count() <= 1:
        return  # the first sign of life of a new camera is not news
    publish_alert(
        kind=Kind.CAMERA_ONLINE if online else Kind.CAMERA_OFFLINE,
        area_code=camera.area_id,
        severity="rendah" if online else "sedang",
        title=camera.name,
        link=camera.get_absolute_url(),
        payload={"camera": camera.code, "online": online, "at": at.isoformat()},
    )


def _media_node_changed(sender, node, online, cameras, since, at, **kwargs):
    """A media node stopped answering and took `cameras` offline (or answers again and they
    are back): one alert for the provincial admins, who run the nodes, naming how many."""
    values = {"node": node.name, "count": len(cameras)}
    if online:
        title = _("Node media %(node)s menjawab lagi: %(count)d kamera kembali online") % values
    else:
        title = _("Node media %(node)s tidak menjawab: %(count)d kamera offline") % values
    outage = since.isoformat() if since else "awal"
    publish_alert(
        kind=Kind.MEDIA_NODE_BACK if online else Kind.MEDIA_NODE_DOWN,
        area_code=PROVINCE,
        severity="rendah" if online else "tinggi",
        title=title,
        link=reverse("admin:cameras_medianode_change", args=[node.pk]),
        payload={
            "node": node.name,
            "online": online,
            "count": len(cameras),
            "cameras": cameras[:50],
            "at": at.isoformat(),
        },
        min_depth=PROVINCIAL_ONLY,
        key=f"{'node-pulih' if online else 'node-mati'}:{node.pk}:{outage}",
    )


_REQUEST_KINDS = {
    RequestEvent.FILED: (Kind.REQUEST_FILED, "rendah"),
    RequestEvent.DUE_SOON: (Kind.REQUEST_DUE_SOON, "tinggi"),
    RequestEvent.OVERDUE: (Kind.REQUEST_OVERDUE, "darurat"),
}


def _request_event(sender, data_request, kind, at, **kwargs):
    # Only the number and the deadline travel: who asked and why stay on the request's page. Told
    # only to those who handle requests in the request's area (not piket officers or FKDM
    # volunteers of the kelurahan).
    if kind not in _REQUEST_KINDS:
        return
    alert_kind, severity = _REQUEST_KINDS[kind]
    publish_alert(
        kind=alert_kind,
        area_code=data_request.area_id,
        severity=severity,
        title=data_request.number,
        link=f"/permohonan/{data_request.pk}/",
        payload={"request": data_request.number, "due": data_request.due_at.isoformat()},
        key=f"{alert_kind}:{data_request.pk}",
        action=Action.MANAGE_REQUESTS,
    )


def _recordings_disk_low(sender, deleted_hours, freed_bytes, free_after, floor, at, **kwargs):
    """The disk guard deleted recordings early: the provincial admins alone are told."""
    mb = 1024 * 1024
    publish_alert(
        kind=Kind.RECORDING_DISK_LOW,
        area_code=PROVINCE,
        severity="tinggi",
        title=_("Ruang rekaman hampir penuh: %(hours)d jam rekaman terlama dihapus")
        % {"hours": deleted_hours},
        payload={
            "deleted_hours": deleted_hours,
            "freed_mb": freed_bytes // mb,
            "free_mb": free_after // mb,
            "floor_mb": floor // mb,
            "at": at.isoformat(),
        },
        min_depth=PROVINCIAL_ONLY,
    )


def _tickets_to_announce(sender, opened=(), overdue=(), **kwargs):
    """Opened: those who work tickets in the camera's kelurahan (and the provincial admins);
    overdue, once per ticket: those who work tickets from the kota operator (depth 2) down in
    the camera's area; both: the maintainer's technicians. One statement however many
    (`publish_selected`): each alert is built in SQL from its ticket's row."""
    parts = []
    if opened:
        parts.append(
            _ticket_alerts(
                opened,
                kind=Kind.TICKET_OPENED,
                severity="rendah",
                min_depth=LEVEL_DEPTH[Level.KELURAHAN],
                payload=_ticket_payload(with_reason=True),
                key=Value(""),
            )
        )
    if overdue:
        parts.append(
            _ticket_alerts(
                overdue,
                kind=Kind.TICKET_OVERDUE,
                severity="sedang",
                min_depth=LEVEL_DEPTH[Level.KOTA],
                payload=_ticket_payload(with_reason=False),
                key=Concat(
                    Value("tiket-terlambat:"), _text("pk"), Value(":"), _text("reopen_count")
                ),
            )
        )
    if parts:
        publish_selected(parts)


def _ticket_alerts(ticket_ids, *, kind, severity, min_depth, payload, key):
    """The alerts of these tickets, one each, as `publish_selected` takes them: the ticket's
    area and maintainer, the camera's name as the title, a link to the ticket's page."""
    return (
        Ticket.objects.filter(pk__in=ticket_ids),
        {
            "kind": Value(str(kind)),
            "area": F("area_id"),
            "min_depth": Value(min_depth),
            "severity": Value(severity),
            "title": F("camera__name"),
            "link": _ticket_link(),
            "payload": payload,
            "action": Value(str(Action.VIEW_TICKETS)),
            "maintainer": F("maintainer_id"),
            "key": key,
        },
    )


def _ticket_payload(*, with_reason):
    """A ticket alert's payload, built in SQL: the ticket, its camera's code, (why it was
    opened,) its maintainer's name ("" without one) and its deadline in ISO 8601."""
    fields = {"ticket": F("pk"), "camera": F("camera__code")}
    if with_reason:
        fields["reason"] = F("reason")
    fields["maintainer"] = Coalesce(F("maintainer__name"), Value(""))
    fields["deadline"] = IsoFormat("deadline")
    return JSONObject(**fields)


def _ticket_link():
    """The ticket's page (Ticket.get_absolute_url) in SQL: its URL around the ticket's id."""
    marker = "987654321"
    before, after = reverse("maintenance:ticket-detail", args=[int(marker)]).split(marker)
    return Concat(Value(before), _text("pk"), Value(after))


def _text(name):
    return Cast(name, CharField())


def _assignment_changed(sender, instance, **kwargs):
    # Someone who never signed in has no socket to tell (a bulk import creates thousands).
    if _ever_signed_in(instance):
        send_to_user(instance.user_id, {"type": ACCESS_CHANGED})


def _ever_signed_in(assignment):
    """From the user loaded with the assignment, if it was (a copy older than a first sign-in
    only delays the news until the socket's next recheck), else from the database."""
    if RoleAssignment._meta.get_field("user").is_cached(assignment):
        return assignment.user.last_login is not None
    return User.objects.filter(pk=assignment.user_id, last_login__isnull=False).exists()


def _user_saved(sender, instance, **kwargs):
    if not instance.is_active:
        send_to_user(instance.pk, {"type": ACCESS_CHANGED})


def _signed_out(sender, request, user, **kwargs):
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        send_to_user(user.pk, {"type": SESSION_ENDED, "session": session_digest(session_key)})


def _user_session_deleted(sender, instance, **kwargs):
    # Ended from the sessions page, or by a password change elsewhere (kelurahan/adapters.py).
    send_to_user(
        instance.user_id, {"type": SESSION_ENDED, "session": session_digest(instance.session_key)}
    )


def session_digest(session_key):
    """What travels through the channel layer instead of the session key itself."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def connect():
    incident_event.connect(_incident_event, dispatch_uid="alerts-incident")
    camera_status_changed.connect(_camera_status_changed, dispatch_uid="alerts-camera")
    media_node_changed.connect(_media_node_changed, dispatch_uid="alerts-media-node")
    request_event.connect(_request_event, dispatch_uid="alerts-datarequest")
    recordings_disk_low.connect(_recordings_disk_low, dispatch_uid="alerts-recordings-disk")
    tickets_to_announce.connect(_tickets_to_announce, dispatch_uid="alerts-tickets")
    post_save.connect(_assignment_changed, sender=RoleAssignment, dispatch_uid="alerts-ra")
    post_delete.connect(_assignment_changed, sender=RoleAssignment, dispatch_uid="alerts-ra-d")
    post_save.connect(_user_saved, sender=User, dispatch_uid="alerts-user")
    user_logged_out.connect(_signed_out, dispatch_uid="alerts-logout")
    post_delete.connect(_user_session_deleted, sender=UserSession, dispatch_uid="alerts-us-d")
