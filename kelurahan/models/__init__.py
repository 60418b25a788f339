"""The kelurahan app's models: areas (areas.py), people, role assignments and imports
(people.py), piket shifts and notes (shifts.py), incidents, agencies and their timeline
(incidents.py), API tokens (tokens.py)."""

from kelurahan.models.areas import (  # noqa: F401
    Area,
    AreaBoundary,
    AreaCodeField,
    AreaQuerySet,
    in_areas,
)
from kelurahan.models.incidents import (  # noqa: F401, E402
    FINAL_STATUSES,
    JAKI_STATUSES,
    NEXT_LEVEL,
    TRANSITIONS,
    Agency,
    Category,
    Incident,
    IncidentAttachment,
    IncidentEvent,
    IncidentLevel,
    Severity,
    Status,
)
from kelurahan.models.people import (  # noqa: F401, E402
    PeopleImport,
    RoleAssignment,
    User,
    UserQuerySet,
)
from kelurahan.models.shifts import (  # noqa: F401, E402
    DEFAULT_SLOTS,
    Shift,
    ShiftDuty,
    ShiftNote,
    ShiftNoteRevision,
    ShiftSlot,
)
from kelurahan.models.tokens import ApiToken  # noqa: F401, E402
