"""Scope and single decisions (part of the door): `scope_codes`, `can`, the second factor."""

from django.apps import apps
from django.conf import settings

from kelurahan.access.grants import has_totp, live_grants, live_grants_of
from kelurahan.codes import covers
from kelurahan.roles import RANK, Action, Role, grant_allows


def scope_codes(user, action=Action.VIEW, *, fresh=False):
    """The smallest set of area codes whose subtrees the user may `action` in (a technician's
    grant, scoped to an organisation, adds none)."""
    codes = sorted(
        {
            g.area_code
            for g in live_grants(user, fresh=fresh)
            if g.area_code is not None and grant_allows(g, action)
        }
    )
    minimal = []
    for code in codes:  # sorted, so an ancestor always comes before its descendants
        if not any(covers(kept, code) for kept in minimal):
            minimal.append(code)
    return minimal


def maintainer_ids(user, action, *, fresh=False):
    """The maintainer organisations on whose cameras (and their tickets) the user may `action`
    through a technician's grant: querysets add `maintainer_id__in` these to their area scope."""
    return list(maintainers_allowing(live_grants(user, fresh=fresh), action))


def areas_allowing(grants, action=None):
    """The area codes of these grants (live grants already read, of one user) that allow
    `action` (any action when None), each grant's own code, not reduced to the smallest set:
    for rules that also weigh a grant's depth, such as the alerts'."""
    return tuple(
        sorted(
            {
                g.area_code
                for g in grants
                if g.area_code is not None and (action is None or grant_allows(g, action))
            }
        )
    )


def maintainers_allowing(grants, action):
    """The maintainer organisations of these grants (a technician's) that allow `action`."""
    return tuple(
        sorted(
            {
                g.maintainer_id
                for g in grants
                if g.maintainer_id is not None and grant_allows(g, action)
            }
        )
    )


def scope_codes_of(user_ids, action=Action.VIEW):
    """The area codes under which each of many users may `action` now, read fresh, in two
    queries: {user id: codes} (for a worker deciding for many people at once, such as Web Push).
    Nobody gets anything while they lack the second factor their role requires."""
    grants = live_grants_of(user_ids)
    refused = users_lacking_required_mfa(
        {uid: {g.role for g in held} for uid, held in grants.items()}
    )
    return {
        uid: ()
        if uid in refused
        else tuple(sorted({g.area_code for g in held if g.area_code and grant_allows(g, action)}))
        for uid, held in grants.items()
    }


def area_code_of(obj):
    """The area code an object lives in: a code string, an Area (its key is its code), or
    anything with `area_id`."""
    if obj is None or isinstance(obj, str):
        return obj
    if hasattr(obj, "area_id"):
        return obj.area_id
    if isinstance(obj, apps.get_model("kelurahan", "Area")):
        return obj.code
    raise TypeError(f"{type(obj).__name__} has no area")


def can(user, action, obj=None, *, fresh=False):
    """May `user` do `action` on `obj` (anywhere, when obj is None)?

    For a RoleAssignment (granting or revoking it), the user must also outrank its role. A
    technician's grant covers what carries its organisation as `maintainer_id` (a camera, a
    ticket), never an area.
    """
    action = Action(action)
    is_assignment = isinstance(obj, apps.get_model("kelurahan", "RoleAssignment"))
    code = area_code_of(obj)
    for grant in live_grants(user, fresh=fresh):
        if not grant_allows(grant, action):
            continue
        if grant.area_code is None:
            if obj is None or (
                not is_assignment
                and grant.maintainer_id is not None
                and getattr(obj, "maintainer_id", None) == grant.maintainer_id
            ):
                return True
            continue
        if code is not None and not covers(grant.area_code, code):
            continue
        if is_assignment and obj.area_id is None and not grant_allows(grant, Action.ADMINISTER):
            continue  # a technician's assignment is the provincial admin's to change
        if is_assignment and RANK[grant.role] <= RANK[Role(obj.role)]:
            continue
        return True
    return False


def role_needs_mfa(role):
    """Whoever holds `role` must have enrolled a second factor (TOTP) to reach anything."""
    return settings.REQUIRE_ADMIN_MFA and role == Role.ADMIN_PROVINSI


def lacks_required_mfa(user, grants=None):
    """Someone whose role needs the second factor and who has not enrolled it: they may reach
    nothing (pages, API, alerts) before enrolling it."""
    grants = live_grants(user) if grants is None else grants
    return any(role_needs_mfa(g.role) for g in grants) and not has_totp(user)


def users_lacking_required_mfa(roles_by_user):
    """`lacks_required_mfa` for many users at once, from {user id: their live roles}: the ids of
    those it holds for, in one query."""
    from allauth.mfa.models import Authenticator

    admins = {uid for uid, roles in roles_by_user.items() if any(map(role_needs_mfa, roles))}
    if not admins:
        return set()
    enrolled = Authenticator.objects.filter(user_id__in=admins, type=Authenticator.Type.TOTP)
    return admins - set(enrolled.values_list("user_id", flat=True))
