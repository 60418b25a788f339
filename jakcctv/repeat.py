"""The `--every` loop of the workers (sla_sweep, apply_retention)."""

import signal

from django.db import DatabaseError, close_old_connections

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def repeat(every, work, *, stop, failed, started):
    """Call `work()` every `every` seconds until `stop` (a threading.Event) is set, which
    SIGINT, SIGTERM and SIGHUP do at once, mid-wait. A database that went away does not end the
    loop: `failed(error)` is told and the next round tries again. `started()` (say so) runs once
    the signals are caught: whoever reads it may stop us straight away."""
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
