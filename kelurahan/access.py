"""The one door: who may do what, where. Views, API, consumers and the stream gate ask here.

Lists come from each model's `visible_to(user)` (built on `scope_codes`); single decisions come
from `can(user, action, obj)`. Nothing else in the code base filters by area on its own.
"""

from kelurahan.models import Area, RoleAssignment, covers, live_grants
from kelurahan.roles import PERMISSIONS, RANK, Action, Role


def area_code_of(obj):
    """The area code an object lives in: an Area, a code string, or anything with `area_id`."""
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    if isinstance(obj, Area):
        return obj.code
    return obj.area_id


def can(user, action, obj=None, *, fresh=False):
    """May `user` do `action` on `obj` (anywhere, when obj is None)?

    For a RoleAssignment (granting or revoking it), the user must also outrank its role.
    """
    action = Action(action)
    code = area_code_of(obj)
    for grant in live_grants(user, fresh=fresh):
        if action not in PERMISSIONS[grant.role]:
            continue
        if code is not None and not covers(grant.area_code, code):
            continue
        if isinstance(obj, RoleAssignment) and RANK[grant.role] <= RANK[Role(obj.role)]:
            continue
        return True
    return False


def roles_grantable_by(user, area):
    """Roles `user` may grant in `area`: ranked below a role they hold over that area."""
    code = area_code_of(area)
    best = max(
        (
            RANK[g.role]
            for g in live_grants(user)
            if Action.MANAGE_ROLES in PERMISSIONS[g.role] and covers(g.area_code, code)
        ),
        default=0,
    )
    return [role for role in Role if RANK[role] < best]
