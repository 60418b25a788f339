"""`record`: the one function that writes to the accountability trail.

"From where" (IP address, browser) comes from the request passed in, or else from the request
being served (held by `audit.middleware.TrailMiddleware`), so that a model signal fired deep
inside a view is recorded with its origin. Outside a request (management commands, the SLA
sweep) the row has no address.
"""

from contextvars import ContextVar

from django.contrib.auth import get_user_model

from audit.models import TrailEntry
from cameras.services import client_ip
from kelurahan.codes import common_ancestor
from kelurahan.models import Area, RoleAssignment

current_request = ContextVar("trail_request", default=None)


def record(kind, *, actor=None, obj=None, area_code="", detail=None, request=None, at=None):
    """Append one row to the trail and return it.

    `area_code` places the row (who may read it); without it, the area of `obj` when it has one.
    `actor` may also be a bare name (a failed login's username), kept as text.
    """
    request = request if request is not None else current_request.get()
    entry = TrailEntry(kind=kind, detail=detail or {})
    if at is not None:
        entry.at = at
    if isinstance(actor, str):
        entry.actor_name = actor[:150]
    elif actor is not None:
        entry.actor = actor
        entry.actor_name = actor.get_username()
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)[:64]
        entry.object_label = str(obj)[:200]
    entry.area_id = area_code or area_of(obj)
    if request is not None:
        entry.ip = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    entry.save()
    return entry


def request_user():
    """The signed-in user of the request being served, if any (who deactivated an account)."""
    request = current_request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def area_of(obj):
    """The area an object belongs to: an Area itself, a user's home area, or its `area_id`."""
    if obj is None:
        return None
    if isinstance(obj, Area):
        return obj.code
    if isinstance(obj, get_user_model()):
        return home_area(obj)
    return getattr(obj, "area_id", None)


def home_area(user):
    """The narrowest area covering every role the user holds (revoked ones aside), or None.

    Where the rows about a person belong: a Kebon Jeruk volunteer's logins are read by the
    Jakarta Barat operator; someone with roles in two kota only by provincial admins.
    """
    codes = RoleAssignment.objects.filter(
        user_id=user.pk, revoked_at__isnull=True, area__isnull=False
    ).values_list("area_id", flat=True)
    # A technician's role has no area: its rows are the provincial admins' (None).
    return common_ancestor(codes)


def username_owner(username):
    """The user a login attempt named (by username or email), or None."""
    if not username:
        return None
    users = get_user_model().objects
    return (
        users.filter(username__iexact=username).first()
        or users.filter(email__iexact=username).first()
    )
