"""Helpers of the piket tests."""

import time

from django.utils import timezone


def wait_past_shift_change(margin_seconds):
    """Pages follow the real clock: when a default shift change (07.00, 15.00, 23.00 WIB) is less
    than `margin_seconds` away, wait until it has passed, so that one test sees one shift."""
    now = timezone.localtime()
    for hour in (7, 15, 23):
        wait = (now.replace(hour=hour, minute=0, second=0, microsecond=0) - now).total_seconds()
        if 0 < wait < margin_seconds:
            time.sleep(wait + 0.5)
