""" "Piket belum masuk": a piket shift under way for a while with nobody checked in.

Run periodically (`python manage.py check_shift_checkins`, or from the SLA loop): each running
shift of a kelurahan that has piket officers is checked once its start is
SHIFT_CHECKIN_GRACE_MINUTES past; one alert per shift, however often it runs (the alert's key).
A kelurahan that has not set its own slots yet keeps the default ones (pagi, siang, malam).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts.models import Kind
from alerts.publish import publish_alert
from kelurahan.models import RoleAssignment
from kelurahan.roles import Role
from shifts.models import ShiftDuty, ShiftSlot
from shifts.services import default_slots


def _slots_by_kelurahan(codes):
    slots = {code: [] for code in codes}
    configured = set()
    for slot in ShiftSlot.objects.filter(kelurahan_id__in=codes):
        configured.add(slot.kelurahan_id)
        if slot.is_active:
            slots[slot.kelurahan_id].append(slot)
    for code in set(codes) - configured:
        slots[code] = default_slots(code)
    return slots


def check_shift_checkins(*, now=None):
    """Raise an alert for every running shift nobody has checked in to; returns how many."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.SHIFT_CHECKIN_GRACE_MINUTES)
    kelurahan = sorted(
        set(
            RoleAssignment.objects.live(now)
            .filter(role=Role.PETUGAS_PIKET)
            .values_list("area_id", flat=True)
        )
    )
    today = timezone.localtime(now).date()
    raised = 0
    for code, slots in _slots_by_kelurahan(kelurahan).items():
        for slot in slots:
            for day in (today - timedelta(days=1), today):
                start, end = slot.bounds_on(day)
                if not start + grace <= now < end:
                    continue
                checked_in = ShiftDuty.objects.filter(
                    shift__kelurahan_id=code,
                    shift__slot__name=slot.name,
                    shift__date=day,
                    checked_in_at__isnull=False,
                ).exists()
                if not checked_in and _raise(code, slot, day, start, end):
                    raised += 1
    return raised


@transaction.atomic
def _raise(code, slot, day, start, end):
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    return publish_alert(
        kind=Kind.SHIFT_NOT_CHECKED_IN,
        area_code=code,
        severity="sedang",
        title=f"{slot.label} {local_start:%H.%M}–{local_end:%H.%M}",
        link=f"/piket/?wilayah={code}",
        payload={"slot": slot.name, "date": day.isoformat(), "starts_at": start.isoformat()},
        min_depth=3,  # the kelurahan and the kecamatan operator who supervises it
        key=f"piket-belum-masuk:{code}:{slot.name}:{day.isoformat()}",
    )
