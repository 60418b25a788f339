"""The kelurahan app's models: areas and people (areas.py), piket shifts and notes (shifts.py),
incidents, agencies and their timeline (incidents.py), people imports (people.py)."""

from kelurahan.models.areas import (  # noqa: F401
    AREA_CODE_PATTERN,
    CODE_PATTERNS,
    Area,
    AreaBoundary,
    AreaCodeField,
    AreaQuerySet,
    Grant,
    RoleAssignment,
    User,
    UserQuerySet,
    ancestor_codes,
    code_matches_level,
    covers,
    has_totp,
    in_areas,
    level_of_code,
    live_grants,
    parent_code_of,
    scope_codes,
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
from kelurahan.models.people import PeopleImport  # noqa: F401, E402
from kelurahan.models.shifts import (  # noqa: F401, E402
    DEFAULT_SLOTS,
    Shift,
    ShiftDuty,
    ShiftNote,
    ShiftNoteRevision,
    ShiftSlot,
)
from kelurahan.models.tokens import ApiToken  # noqa: F401, E402
