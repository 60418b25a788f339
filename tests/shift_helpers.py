"""Helpers of the piket tests."""

from datetime import timedelta

from django.utils import timezone

from shifts.services import default_slots, slot_at
from tests.waiting import wait_for


def wait_past_shift_change(margin_seconds):
    """Pages follow the real clock: when a default shift change (07.00, 15.00, 23.00 WIB) is less
    than `margin_seconds` away, wait until the shift of now is also the shift in `margin_seconds`,
    so that one test sees one shift."""
    slots = default_slots("31")  # the same times in every kelurahan; never saved

    def one_shift_ahead():
        now = timezone.now()
        return slot_at(slots, now) == slot_at(slots, now + timedelta(seconds=margin_seconds))

    wait_for(one_shift_ahead, timeout=margin_seconds + 10, interval=0.5, message="a shift change")
