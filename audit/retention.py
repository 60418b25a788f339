"""Data retention: applies what the apps registered (common/retention.py; settings
RETENTION_*_DAYS, 0 keeps for ever) in the one service that removes what is older (`python
manage.py apply_retention`), and registers what audit keeps itself: the trail."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import Kind, TrailEntry
from audit.trail import record
from common.retention import delete_rows, keep, kinds


def register():
    """The trail's two kinds (called from audit's AppConfig.ready)."""
    # A "menonton" row on the trail is a viewing log: it goes with the viewing sessions, before
    # the rest of the trail is counted.
    keep(
        "jejak_menonton",
        _("Jejak menonton"),
        "RETENTION_VIEWING_DAYS",
        expired=lambda cutoff: TrailEntry.objects.filter(kind=Kind.STREAM_VIEW, at__lt=cutoff),
        remove=_purge,
    )
    keep(
        "jejak",
        _("Jejak akuntabilitas lainnya"),
        "RETENTION_TRAIL_DAYS",
        expired=lambda cutoff: TrailEntry.objects.filter(at__lt=cutoff),
        remove=_purge,
    )


def _purge(rows, now):
    return rows._purge()[0]


def expired(kept, now):
    """The rows of a registered kind past their retention at `now` (none when its setting
    is 0)."""
    days = getattr(settings, kept.setting)
    if days <= 0:
        return None
    return kept.expired(now - timedelta(days=days))


def apply_retention(*, now=None, dry_run=False):
    """Remove everything past its retention; returns {key: how many}. One transaction, with
    one `retensi` row on the trail; files are deleted once it commits. A dry run only counts."""
    now = now or timezone.now()
    if dry_run:
        return {kept.key: _count(expired(kept, now)) for kept in kinds()}
    with transaction.atomic():
        counts = {kept.key: _remove(kept, expired(kept, now), now) for kept in kinds()}
        days = {kept.setting: getattr(settings, kept.setting) for kept in kinds()}
        record(Kind.RETENTION, detail={"counts": counts, "days": days, "now": now.isoformat()})
    return counts


def _count(rows):
    return 0 if rows is None else rows.count()


def _remove(kept, rows, now):
    if rows is None:
        return 0
    return (kept.remove or delete_rows)(rows, now)
