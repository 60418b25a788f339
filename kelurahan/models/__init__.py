"""The kelurahan app's models: areas (areas.py), people, role assignments and imports
(people.py), API tokens (tokens.py)."""

from kelurahan.models.areas import (  # noqa: F401
    Area,
    AreaBoundary,
    AreaCodeField,
    AreaQuerySet,
    in_areas,
)
from kelurahan.models.people import (  # noqa: F401, E402
    PeopleImport,
    RoleAssignment,
    User,
    UserQuerySet,
)
from kelurahan.models.tokens import ApiToken  # noqa: F401, E402
