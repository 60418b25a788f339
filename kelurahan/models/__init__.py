"""The kelurahan app's models: areas (areas.py), maintainer organisations (maintainers.py),
people, role assignments and imports (people.py), API tokens (tokens.py)."""

from kelurahan.models.areas import (  # noqa: F401
    Area,
    AreaBoundary,
    AreaCodeField,
    AreaQuerySet,
    in_areas,
)
from kelurahan.models.maintainers import Maintainer  # noqa: F401, E402
from kelurahan.models.people import (  # noqa: F401, E402
    PeopleImport,
    RoleAssignment,
    User,
    UserQuerySet,
)
from kelurahan.models.tokens import ApiToken  # noqa: F401, E402
