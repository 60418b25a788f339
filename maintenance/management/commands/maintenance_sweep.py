import time

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.sweep import SweepCommand
from maintenance.sweep import sweep


class Command(SweepCommand):
    help = (
        "Camera maintenance: open a ticket for each camera offline longer than MAINTENANCE_AFTER "
        "(or with too little uptime over 24 hours), close those back online for "
        "MAINTENANCE_CONFIRM, reopen repaired ones that failed again, report overdue ones. Once, "
        "or with --every N every N seconds until Ctrl-C or SIGTERM. Running it twice does "
        "nothing twice."
    )
    started_message = gettext_lazy(
        "Penyapuan pemeliharaan setiap %s detik (Ctrl-C untuk berhenti)."
    )
    stopped_message = gettext_lazy("Penyapuan pemeliharaan dihentikan.")

    def loop(self, every, clock, *, stop):
        """The uptime rule every MAINTENANCE_UPTIME_EVERY minutes, starting with the first
        round."""
        self.uptime_at = None
        super().loop(every, clock, stop=stop)

    def round(self, clock):
        due = self.uptime_at is None or (
            time.monotonic() - self.uptime_at >= settings.MAINTENANCE_UPTIME_EVERY * 60
        )
        if due:
            self.uptime_at = time.monotonic()
        self.sweep(clock(), uptime=due, quiet=True)

    def sweep(self, now, *, uptime=True, quiet=False):
        found = sweep(now=now, uptime=uptime)
        if quiet and not any(found.values()):
            return
        self.stdout.write(
            _(
                "%(time)s WIB: %(opened)d tiket dibuka, %(settled)d ditutup atau dibuka ulang, "
                "%(overdue)d terlambat."
            )
            % {"time": self.stamp(now), **found}
        )
