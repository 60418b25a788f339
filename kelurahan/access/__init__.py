"""The one door: who may do what, where. Views, API, consumers and the stream gate ask here.

- Lists come from each model's `visible_to(user)`, built on `scope_codes(user, action)`: the
  smallest set of area codes under which the user may do `action`.
- Single decisions come from `can(user, action, obj)`.
- Technicians (Teknisi) are scoped to a maintainer organisation's cameras, not to an area:
  `maintainer_ids(user, action)`; they watch streams only when their assignment says so.
- For grants already read (a worker deciding for many users): `areas_allowing(grants, action)`
  and `maintainers_allowing(grants, action)`.
- Who may grant which role where, and why not (access/granting.py).
- The second factor a provincial admin must have enrolled: `lacks_required_mfa`.
- The grants themselves (live assignments, cached): `live_grants` (access/grants.py).

Area codes are compared with kelurahan/codes.py. Nothing else in the code base filters by area
or decides a role on its own. The door reads the models lazily (the models import the door).
"""

from kelurahan.access.decisions import (
    area_code_of,
    areas_allowing,
    can,
    lacks_required_mfa,
    maintainer_ids,
    maintainers_allowing,
    role_needs_mfa,
    scope_codes,
    scope_codes_of,
    users_lacking_required_mfa,
)
from kelurahan.access.granting import (
    grant_problem,
    level_problem,
    maintainer_grant_problem,
    own_assignment_problem,
    role_levels_message,
    roles_grantable_anywhere,
    roles_grantable_by,
)
from kelurahan.access.grants import Grant, forget_grants, has_totp, live_grants, live_grants_of
from kelurahan.codes import covers

__all__ = [
    "Grant",
    "area_code_of",
    "areas_allowing",
    "can",
    "covers",
    "forget_grants",
    "grant_problem",
    "has_totp",
    "lacks_required_mfa",
    "level_problem",
    "maintainer_grant_problem",
    "maintainer_ids",
    "maintainers_allowing",
    "live_grants",
    "live_grants_of",
    "own_assignment_problem",
    "role_levels_message",
    "roles_grantable_anywhere",
    "roles_grantable_by",
    "role_needs_mfa",
    "scope_codes",
    "scope_codes_of",
    "users_lacking_required_mfa",
]
