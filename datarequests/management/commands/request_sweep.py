from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.sweep import SweepCommand
from datarequests.services import request_sweep


class Command(SweepCommand):
    help = (
        "Apply the data requests' deadline (3x24 h): alert the area's staff before it lapses and "
        "when it has. Once, or with --every N every N seconds until Ctrl-C or SIGTERM. Running "
        "it twice alerts nothing twice."
    )
    started_message = gettext_lazy("Penyapuan batas permohonan setiap %s detik.")

    def sweep(self, now, *, quiet=False):
        warned, overdue = request_sweep(now=now)
        if quiet and not warned and not overdue:
            return
        self.stdout.write(
            _("%(warned)d permohonan mendekati batas, %(overdue)d lewat batas.")
            % {"warned": warned, "overdue": overdue}
        )
