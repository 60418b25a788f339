from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.sweep import SweepCommand
from incidents.services import sla_sweep


class Command(SweepCommand):
    help = (
        "Apply the incident SLA: escalate unacknowledged incidents past their deadline one level "
        "up and mark those not followed up in time as overdue, each on the timeline. Once, or "
        "with --every N every N seconds until Ctrl-C or SIGTERM. Running it twice does nothing "
        "twice."
    )
    started_message = gettext_lazy("Penyapuan SLA setiap %s detik (Ctrl-C untuk berhenti).")
    stopped_message = gettext_lazy("Penyapuan SLA dihentikan.")

    def sweep(self, now, *, quiet=False):
        escalated, overdue = sla_sweep(now=now)
        if quiet and not escalated and not overdue:
            return
        self.stdout.write(
            _(
                "%(time)s WIB: %(escalated)d kejadian dinaikkan otomatis, "
                "%(overdue)d ditandai terlambat."
            )
            % {"time": self.stamp(now), "escalated": escalated, "overdue": overdue}
        )
