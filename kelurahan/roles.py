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


class Action(StrEnum):
    VIEW = "view"  # see the area and what is recorded in it
    VIEW_STREAMS = "view_streams"
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
    ADMINISTER = "administer"  # the Django admin and system-wide settings


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
_SUPERVISION = _FIELD_WORK | {
    Action.RESOLVE_INCIDENT,
    Action.WATCH_CAMERA_HEALTH,
    Action.SEE_REPORTER_IDENTITY,
    Action.MANAGE_SHIFTS,
    Action.MANAGE_ROLES,
    Action.EXPORT,
}

PERMISSIONS = {
    Role.ADMIN_PROVINSI: _EVERY_ACTION,
    Role.OPERATOR: _SUPERVISION | {Action.VIEW_AUDIT},
    Role.STAF_KELURAHAN: _SUPERVISION,
    Role.PETUGAS_PIKET: _FIELD_WORK,
    # Volunteers watch and report; they never see reporters or camera sources.
    Role.RELAWAN_FKDM: frozenset(
        {Action.VIEW, Action.VIEW_STREAMS, Action.ADD_OBSERVATION, Action.CREATE_INCIDENT}
    ),
}

# Higher rank manages lower ranks (never its own rank or above).
RANK = {
    Role.ADMIN_PROVINSI: 50,
    Role.OPERATOR: 40,
    Role.STAF_KELURAHAN: 30,
    Role.PETUGAS_PIKET: 20,
    Role.RELAWAN_FKDM: 10,
}

# The area levels at which each role may be assigned.
ROLE_LEVELS = {
    Role.ADMIN_PROVINSI: {Level.PROVINSI},
    Role.OPERATOR: {Level.KOTA, Level.KECAMATAN},
    Role.STAF_KELURAHAN: {Level.KELURAHAN},
    Role.PETUGAS_PIKET: {Level.KELURAHAN},
    Role.RELAWAN_FKDM: {Level.KELURAHAN, Level.RW, Level.RT},
}


def role_allows(role, action):
    return Action(action) in PERMISSIONS[Role(role)]
