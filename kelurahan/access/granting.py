"""Who may grant which role where, and the refusal when they may not (part of the door)."""

from django.apps import apps
from django.utils.translation import gettext as _

from kelurahan.access.decisions import area_code_of, can
from kelurahan.access.grants import live_grants
from kelurahan.codes import covers, level_of_code
from kelurahan.roles import MAINTAINER_ROLES, PERMISSIONS, RANK, ROLE_LEVELS, Action, Level, Role


def _best_managing_rank(user, code=None):
    return max(
        (
            RANK[g.role]
            for g in live_grants(user)
            if Action.MANAGE_ROLES in PERMISSIONS[g.role]
            and g.area_code is not None
            and (code is None or covers(g.area_code, code))
        ),
        default=0,
    )


def _area_roles():
    return [role for role in Role if role not in MAINTAINER_ROLES]


def roles_grantable_by(user, area):
    """Roles `user` may grant in `area`: ranked below a role they hold over that area."""
    best = _best_managing_rank(user, area_code_of(area))
    return [role for role in _area_roles() if RANK[role] < best]


def roles_grantable_anywhere(user):
    """Roles `user` may grant somewhere: ranked below their highest managing role."""
    best = _best_managing_rank(user)
    return [role for role in _area_roles() if RANK[role] < best]


def maintainer_grant_problem(manager, role):
    """Why `manager` may not grant a maintainer role (Teknisi), or None: only who administers
    the whole province (the provincial admin) gives them, for an organisation, not an area."""
    if Role(role) not in MAINTAINER_ROLES:
        return "role", _("Peran ini diberikan untuk wilayah, bukan untuk organisasi pemelihara.")
    if not can(manager, Action.ADMINISTER):
        return "role", _("Hanya Admin Provinsi yang dapat memberikan peran Teknisi.")
    return None


def grant_problem(manager, role, area_code):
    """Why `manager` may not grant `role` in `area_code`: (field, message), or None if they may.

    The area must lie where the manager manages roles, the role rank below a role the manager
    holds over that area, and the area be of a level the role is given at (ROLE_LEVELS).
    """
    if not can(manager, Action.MANAGE_ROLES, area_code):
        return "area", _("Wilayah ini di luar wilayah kelolaan Anda.")
    if not can(manager, Action.MANAGE_ROLES, _assignment(role, area_code)):
        return "role", _("Anda hanya dapat memberikan peran di bawah peran Anda sendiri.")
    return level_problem(role, area_code)


def own_assignment_problem(by, person_id):
    """The refusal when `by` would grant, extend, change or revoke a role of their own, else None.

    A role one gives oneself outlives the role that allowed it (revoking the manager leaves it
    behind), and nobody else looks at it. So one's own roles are always someone else's act,
    revoking included: the rule stays one sentence, and stepping down is asked of a manager.
    `by=None` is the system (an import without --by): it is nobody.
    """
    if by is not None and person_id == by.pk:
        return _(
            "Anda tidak dapat memberi, mengubah atau mencabut peran Anda sendiri; "
            "mintalah pengelola lain."
        )
    return None


def level_problem(role, area_code):
    """(field, message) when `role` is not given at the level of `area_code` (ROLE_LEVELS)."""
    if Role(role) in MAINTAINER_ROLES:
        return "role", _(
            "Peran Teknisi diberikan untuk organisasi pemelihara oleh Admin Provinsi, "
            "bukan untuk wilayah."
        )
    if level_of_code(area_code) not in ROLE_LEVELS[Role(role)]:
        return "area", role_levels_message(role)
    return None


def role_levels_message(role):
    levels = ", ".join(str(Level(level).label) for level in Level if level in ROLE_LEVELS[role])
    return _("Peran %(role)s hanya dapat diberikan di tingkat: %(levels)s.") % {
        "role": Role(role).label,
        "levels": levels,
    }


def _assignment(role, area_code):
    """An unsaved assignment, for asking `can` whether the manager outranks it there."""
    return apps.get_model("kelurahan", "RoleAssignment")(role=role, area_id=area_code)
