"""What the workers (the sweeps of common/sweep.py, apply_retention, check_shift_checkins)
share: the `--every` loop and the `--now` clock."""

import signal
from datetime import datetime

from django.core.management.base import CommandError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def repeat(every, work, *, stop, failed, started):
    """Call `work()` every `every` seconds until `stop` (a threading.Event) is set, which
    SIGINT, SIGTERM and SIGHUP do at once, mid-wait. A database that went away does not end the
    loop: `failed(error)` is told and the next round tries again. `started()` (say so) runs once
    the signals are caught: whoever reads it may stop us straight away."""
    if every <= 0:
        raise CommandError(_("--every harus lebih dari 0 detik."))
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in STOP_SIGNALS}
    try:
        started()
        while not stop.is_set():
            close_old_connections()  # a restarted database: the next query reconnects
            try:
                work()
            except DatabaseError as error:
                failed(error)
            stop.wait(every)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        close_old_connections()


def fixed_clock(value):
    """A clock that always says `value` (ISO 8601; Jakarta time when it has no offset), for
    `--now`: testing, or replaying a moment."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--now bukan waktu ISO 8601: %s") % value) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # Jakarta time, as everything the users see
    return lambda: moment
