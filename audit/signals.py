"""What goes on the trail, and from where it is heard: model saves, Django's login signals and
the portal's own signals (kelurahan.signals). Each listener writes exactly one row, inside the
transaction of the change it records, so a change that rolls back leaves no row behind."""

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_save, pre_save

from audit.models import Kind
from audit.trail import area_of, home_area, record, request_user, username_owner
from cameras.models import ViewingSession
from datarequests.signals import request_event
from evidence.signals import clip_custody
from incidents.signals import incident_event
from kelurahan.models import Area, RoleAssignment, User
from kelurahan.signals import exported, person_invited

_ADMIN_ACTIONS = {ADDITION: "tambah", CHANGE: "ubah", DELETION: "hapus"}


def connect():
    hooks = [
        (pre_save, _assignment_before, RoleAssignment),
        (post_save, _assignment_saved, RoleAssignment),
        (pre_save, _user_before, User),
        (post_save, _user_saved, User),
        (post_save, _viewing_started, ViewingSession),
        (post_save, _admin_logged, LogEntry),
        (user_logged_in, _logged_in, None),
        (user_login_failed, _login_failed, None),
        (user_logged_out, _logged_out, None),
        (person_invited, _invited, None),
        (exported, _exported, None),
        (incident_event, _incident_event, None),
        (request_event, _request_event, None),
        (clip_custody, _clip_custody, None),
    ]
    for signal, receiver, sender in hooks:
        signal.connect(receiver, sender=sender, dispatch_uid=f"trail-{receiver.__name__}")


# --- Roles and accounts -----------------------------------------------------------------------


def _assignment_before(sender, instance, raw=False, update_fields=None, **kwargs):
    # Only a save that sets revoked_at can revoke; ask the database what it held before.
    instance._trail_revoking = (
        not raw
        and not instance._state.adding
        and instance.revoked_at is not None
        and (update_fields is None or "revoked_at" in update_fields)
        and RoleAssignment.objects.filter(pk=instance.pk, revoked_at__isnull=True).exists()
    )


def _assignment_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    detail = {"role": instance.role, "user": instance.user.get_username()}
    if created:
        if instance.valid_until:
            detail["valid_until"] = instance.valid_until.isoformat()
        actor = instance.granted_by or request_user()
        record(Kind.ROLE_GRANTED, actor=actor, obj=instance, detail=detail)
        if instance.revoked_at is None:
            return
    elif not getattr(instance, "_trail_revoking", False):
        return
    instance._trail_revoking = False
    actor = instance.revoked_by or request_user()
    record(Kind.ROLE_REVOKED, actor=actor, obj=instance, detail=detail)


def _user_before(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._trail_deactivating = (
        not raw
        and not instance._state.adding
        and not instance.is_active
        and (update_fields is None or "is_active" in update_fields)
        and User.objects.filter(pk=instance.pk, is_active=True).exists()
    )


def _user_saved(sender, instance, created, raw=False, **kwargs):
    if getattr(instance, "_trail_deactivating", False):
        instance._trail_deactivating = False
        record(Kind.DEACTIVATED, actor=request_user(), obj=instance)


def _invited(sender, user, by=None, request=None, **kwargs):
    area_code = kwargs.get("area_code") or home_area(user) or (by and home_area(by))
    record(Kind.INVITED, actor=by, obj=user, area_code=area_code, request=request)


# --- Signing in and out -----------------------------------------------------------------------


def _logged_in(sender, request, user, **kwargs):
    record(Kind.LOGIN, actor=user, obj=user, request=request)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Kind.LOGOUT, actor=user, obj=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    # Only the name that was tried: never the password (Django masks it already anyway).
    tried = str(credentials.get("username") or credentials.get("email") or "")[:150]
    owner = username_owner(tried)
    area_code = home_area(owner) if owner else None
    detail = {"username": tried}
    if kwargs.get("blocked"):
        detail["blocked"] = True  # too many failures: refused without checking the password
    record(Kind.LOGIN_FAILED, actor=tried, area_code=area_code, detail=detail, request=request)


# --- Watching, incidents, exports, the admin ----------------------------------------------------


def _viewing_started(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        detail = {"viewing": instance.pk, "mode": instance.mode}
        record(Kind.STREAM_VIEW, actor=instance.user, obj=instance.camera, detail=detail)


def _incident_event(sender, incident, event, **kwargs):
    detail = {"event": event.kind, "event_id": event.pk}
    for key in ("from", "to", "level", "reason"):
        if key in event.data:
            detail[key] = event.data[key]
    if event.agency_id:
        detail["agency"] = str(event.agency)
    record(Kind.INCIDENT, actor=event.actor, obj=incident, detail=detail, at=event.at)


def _request_event(sender, data_request, kind, actor, at, detail, **kwargs):
    # Each step of a citizen's request, and every look at its identity document or footage.
    record(
        Kind.DATA_REQUEST,
        actor=actor,
        obj=data_request,
        detail={"event": kind, **detail},
        at=at,
    )


def _clip_custody(sender, clip, event, request=None, **kwargs):
    # The chain of custody: who, when, why, with the hash at that moment; placed in the
    # incident's area. An agency's download has no portal user: the agency is named.
    detail = {"act": event.kind, "sha256": event.sha256, "incident": clip.incident_id}
    if event.reason:
        detail["reason"] = event.reason
    if event.agency_id:
        detail["agency"] = str(event.agency)
    record(
        Kind.EVIDENCE,
        actor=event.actor,
        obj=clip,
        area_code=clip.incident.area_id,
        detail=detail,
        request=request,
        at=event.at,
    )


def _exported(sender, by, what, area_code="", rows=None, request=None, **kwargs):
    # The area comes from the exporter's filter; a code that names no area places no row.
    if area_code and not Area.objects.filter(code=area_code).exists():
        area_code = ""
    detail = {"what": what, "rows": rows}
    if kwargs.get("filters"):
        detail["filters"] = kwargs["filters"]
    record(Kind.EXPORT, actor=by, area_code=area_code, detail=detail, request=request)


def _admin_logged(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    edited = _edited_object(instance)
    area_code = area_of(edited)
    if isinstance(edited, Area) and instance.action_flag == DELETION:
        area_code = edited.parent_id  # the area itself is about to go
    detail = {
        "action": _ADMIN_ACTIONS.get(instance.action_flag, str(instance.action_flag)),
        "change": str(instance.get_change_message()),
    }
    if edited is None:
        detail["object"] = instance.object_repr
    record(Kind.ADMIN, actor=instance.user, obj=edited, area_code=area_code, detail=detail)


def _edited_object(entry):
    """The object the admin changed (still there: deletions are logged before they happen)."""
    try:
        return entry.get_edited_object()
    except (AttributeError, ObjectDoesNotExist):  # no content type, or already gone
        return None
