"""Data retention: what is kept how long (settings RETENTION_*_DAYS; 0 keeps it for ever), and
the one service that removes what is older (`python manage.py apply_retention`)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models import AlertEvent
from audit.models import Kind, TrailEntry
from audit.trail import record
from cameras.models import ViewingSession
from kelurahan.models import FINAL_STATUSES, IncidentAttachment

# What apply_retention reports, in this order: key, label, setting that decides the age.
KINDS = [
    ("sesi_menonton", _("Sesi menonton"), "RETENTION_VIEWING_DAYS"),
    # A "menonton" row on the trail is a viewing log too: it goes with the viewing sessions.
    ("jejak_menonton", _("Jejak menonton"), "RETENTION_VIEWING_DAYS"),
    ("jejak", _("Jejak akuntabilitas lainnya"), "RETENTION_TRAIL_DAYS"),
    (
        "lampiran",
        _("Berkas lampiran kejadian yang sudah selesai/ditutup"),
        "RETENTION_ATTACHMENT_DAYS",
    ),
    ("peringatan", _("Peringatan"), "RETENTION_ALERT_DAYS"),
]
SETTING = {key: setting for key, _label, setting in KINDS}


def expired(key, now):
    """The rows of `key` past their retention at `now` (none when its setting is 0)."""
    days = getattr(settings, SETTING[key])
    if days <= 0:
        return None
    cutoff = now - timedelta(days=days)
    if key == "sesi_menonton":
        return ViewingSession.objects.filter(last_seen_at__lt=cutoff)
    if key == "jejak_menonton":
        return TrailEntry.objects.filter(kind=Kind.STREAM_VIEW, at__lt=cutoff)
    if key == "jejak":
        return TrailEntry.objects.filter(at__lt=cutoff)
    if key == "lampiran":
        # Only once the incident is over: an open incident keeps its photos however old.
        return IncidentAttachment.objects.filter(
            removed_at__isnull=True,
            incident__status__in=FINAL_STATUSES,
            incident__resolved_at__lt=cutoff,
        )
    return AlertEvent.objects.filter(created_at__lt=cutoff)


def apply_retention(*, now=None, dry_run=False):
    """Remove everything past its retention; returns {key: how many}. One transaction, with
    one `retensi` row on the trail; files are deleted once it commits. A dry run only counts."""
    now = now or timezone.now()
    if dry_run:
        return {key: _count(expired(key, now)) for key, _label, _setting in KINDS}
    with transaction.atomic():
        counts = {key: _remove(key, expired(key, now), now) for key, _label, _setting in KINDS}
        days = {setting: getattr(settings, setting) for setting in set(SETTING.values())}
        record(Kind.RETENTION, detail={"counts": counts, "days": days, "now": now.isoformat()})
    return counts


def _count(rows):
    return 0 if rows is None else rows.count()


def _remove(key, rows, now):
    if rows is None:
        return 0
    if key == "lampiran":
        return _remove_files(rows, now)
    if key in {"jejak_menonton", "jejak"}:
        return rows._purge()[0]
    _total, per_model = rows.delete()  # an alert takes its read marks with it
    return per_model.get(rows.model._meta.label, 0)


def _remove_files(attachments, now):
    """Delete the files, keep the rows (marked removed) and the incident's timeline."""
    found = dict(attachments.select_for_update(of=("self",)).values_list("pk", "image"))
    IncidentAttachment.objects.filter(pk__in=found).update(removed_at=now, image="")
    storage = IncidentAttachment._meta.get_field("image").storage

    def delete_files():
        for name in found.values():
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
    return len(found)
