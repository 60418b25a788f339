"""Roles and what each may do: the permission table, kept in code and copied into the README."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KOTA = "kota", _("Kota/Kabupaten Administrasi")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan")
    RW = "rw", _("RW")
    RT = "rt", _("RT")


# Number of dot-separated parts of a Kemendagri code at each level: 31 / 31.71 / 31.71.01 / ...
LEVEL_DEPTH = {
    Level.PROVINSI: 1,
    Level.KOTA: 2,
    Level.KECAMATAN: 3,
    Level.KELURAHAN: 4,
    Level.RW: 5,
    Level.RT: 6,
}
DEPTH_LEVEL = {depth: level for level, depth in LEVEL_DEPTH.items()}


class Role(models.TextChoices):
    ADMIN_PROVINSI = "admin_provinsi", _("Admin Provinsi")
    OPERATOR = "operator", _("Operator Kota/Kecamatan")
    STAF_KELURAHAN = "staf_kelurahan", _("Staf Kelurahan")
    PETUGAS_PIKET = "petugas_piket", _("Petugas Piket")
    RELAWAN_FKDM = "relawan_fkdm", _("Relawan FKDM")
    # A maintainer's technician: scoped to its organisation's cameras, not to an area.
    TEKNISI = "teknisi", _("Teknisi")


class Action(StrEnum):
    VIEW = "view"  # see the area and what is recorded in it
    VIEW_STREAMS = "view_streams"
    VIEW_RECORDINGS = "view_recordings"  # rewind: the timeline and playback of recordings
    EXPORT_EVIDENCE = "export_evidence"  # hand clips out (download, agency links), lift holds
    WRITE_SHIFT_NOTES = "write_shift_notes"
    ADD_OBSERVATION = "add_observation"  # FKDM volunteers' notes, shown as theirs
    CREATE_INCIDENT = "create_incident"
    ACKNOWLEDGE_INCIDENT = "acknowledge_incident"
    ESCALATE_INCIDENT = "escalate_incident"
    FORWARD_INCIDENT = "forward_incident"
    RESOLVE_INCIDENT = "resolve_incident"
    SEE_REPORTER_IDENTITY = "see_reporter_identity"
    SEE_CAMERA_SOURCE = "see_camera_source"
    MANAGE_CAMERAS = "manage_cameras"
    WATCH_CAMERA_HEALTH = "watch_camera_health"  # pushed to the phone when a camera goes offline
    MANAGE_SHIFTS = "manage_shifts"
    MANAGE_ROLES = "manage_roles"  # only roles ranked below one's own, only within one's area
    VIEW_AUDIT = "view_audit"
    EXPORT = "export"
    # Citizens' footage and data requests (UU PDP): verify, grant, refuse, see their ID photos.
    MANAGE_REQUESTS = "manage_requests"
    ADMINISTER = "administer"  # the Django admin and system-wide settings
    VIEW_TICKETS = "view_tickets"  # maintenance tickets and the cameras' health
    OPEN_TICKET = "open_ticket"  # by hand: damaged, moved, obstructed
    NOTE_TICKET = "note_ticket"  # notes and photos on a ticket
    REPAIR_TICKET = "repair_ticket"  # "repaired": the camera is fixed, awaiting confirmation


_EVERY_ACTION = frozenset(Action)
_FIELD_WORK = frozenset(
    {
        Action.VIEW,
        Action.VIEW_STREAMS,
        Action.WRITE_SHIFT_NOTES,
        Action.ADD_OBSERVATION,
        Action.CREATE_INCIDENT,
        Action.ACKNOWLEDGE_INCIDENT,
        Action.ESCALATE_INCIDENT,
        Action.FORWARD_INCIDENT,
    }
)
# Piket officers rewind their kelurahan's recordings; FKDM volunteers watch live only (data
# minimisation under UU 27/2022: looking back at people is for officers).
_PIKET = _FIELD_WORK | {Action.VIEW_RECORDINGS}
_SUPERVISION = _PIKET | {
    Action.EXPORT_EVIDENCE,
    Action.RESOLVE_INCIDENT,
    Action.WATCH_CAMERA_HEALTH,
    Action.SEE_REPORTER_IDENTITY,
    Action.MANAGE_SHIFTS,
    Action.MANAGE_ROLES,
    Action.EXPORT,
    Action.MANAGE_REQUESTS,
    Action.VIEW_TICKETS,
    Action.OPEN_TICKET,
    Action.NOTE_TICKET,
}

PERMISSIONS = {
    Role.ADMIN_PROVINSI: _EVERY_ACTION,
    Role.OPERATOR: _SUPERVISION | {Action.VIEW_AUDIT},
    Role.STAF_KELURAHAN: _SUPERVISION,
    Role.PETUGAS_PIKET: _PIKET,
    # Volunteers watch and report; they never see reporters or camera sources.
    Role.RELAWAN_FKDM: frozenset(
        {Action.VIEW, Action.VIEW_STREAMS, Action.ADD_OBSERVATION, Action.CREATE_INCIDENT}
    ),
    # Technicians work the tickets of their organisation's cameras; they watch those cameras
    # only when the provincial admin says so on the assignment (STREAM_GRANT).
    Role.TEKNISI: frozenset({Action.VIEW_TICKETS, Action.NOTE_TICKET, Action.REPAIR_TICKET}),
}

# Roles scoped to a maintainer organisation's cameras instead of an area.
MAINTAINER_ROLES = frozenset({Role.TEKNISI})

# What a technician's assignment with `may_view_streams` adds, on its organisation's cameras.
STREAM_GRANT = frozenset({Action.VIEW, Action.VIEW_STREAMS})

# Higher rank manages lower ranks (never its own rank or above).
RANK = {
    Role.ADMIN_PROVINSI: 50,
    Role.OPERATOR: 40,
    Role.STAF_KELURAHAN: 30,
    Role.PETUGAS_PIKET: 20,
    Role.RELAWAN_FKDM: 10,
    Role.TEKNISI: 5,
}

# The area levels at which each role may be assigned.
ROLE_LEVELS = {
    Role.ADMIN_PROVINSI: {Level.PROVINSI},
    Role.OPERATOR: {Level.KOTA, Level.KECAMATAN},
    Role.STAF_KELURAHAN: {Level.KELURAHAN},
    Role.PETUGAS_PIKET: {Level.KELURAHAN},
    Role.RELAWAN_FKDM: {Level.KELURAHAN, Level.RW, Level.RT},
    Role.TEKNISI: set(),  # given for a maintainer, never at an area
}


def role_allows(role, action):
    return Action(action) in PERMISSIONS[Role(role)]


def grant_allows(grant, action):
    """What one live grant allows: its role's actions, plus streams when its assignment says."""
    action = Action(action)
    return action in PERMISSIONS[grant.role] or (grant.streams and action in STREAM_GRANT)
