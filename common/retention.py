"""Retention is code: each app registers the kinds of data it keeps and for how long (a
setting, in days; 0 keeps it for ever), and `apply_retention` (audit) removes what is older.

Registering happens in the apps' `ready()`, lowest layer first (INSTALLED_APPS order), so the
kinds are applied and reported in that order.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kept:
    key: str  # short name, in the command's output and the trail's record of each run
    label: Any  # what people read (lazy translation)
    setting: str  # the setting holding the number of days
    expired: Any  # expired(cutoff): a queryset of the rows older than `cutoff`
    remove: Any = None  # remove(rows, now) -> how many; default: delete them


_KINDS = {}


def keep(key, label, setting, *, expired, remove=None):
    """Register a kind of data kept for `setting` days (a second registration replaces it)."""
    _KINDS[key] = Kept(key, label, setting, expired, remove)


def kinds():
    return list(_KINDS.values())


def delete_rows(rows, now):
    """The default removal: delete the rows (and what cascades with them); how many."""
    _total, per_model = rows.delete()
    return per_model.get(rows.model._meta.label, 0)
