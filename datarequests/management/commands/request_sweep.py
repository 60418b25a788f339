import threading

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from common.repeat import fixed_clock, repeat
from datarequests.services import request_sweep


class Command(BaseCommand):
    help = (
        "Apply the data requests' deadline (3x24 h): alert the area's staff before it lapses and "
        "when it has. Once, or with --every N every N seconds until Ctrl-C or SIGTERM. Running "
        "it twice alerts nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, metavar="SECONDS", help=_("Ulangi setiap sekian detik.")
        )
        parser.add_argument(
            "--now",
            metavar="ISO-8601",
            help=_("Anggap waktu sekarang ini (menguji atau mengulang penyapuan)."),
        )

    def handle(self, every=None, now=None, **options):
        clock = fixed_clock(now) if now else timezone.now
        if every is None:
            self.sweep(clock())
            return
        repeat(
            every,
            lambda: self.sweep(clock(), quiet=True),
            stop=threading.Event(),
            failed=lambda error: self.stderr.write(_("Penyapuan gagal, dicoba lagi: %s") % error),
            started=lambda: self.stdout.write(
                _("Penyapuan batas permohonan setiap %s detik.") % f"{every:g}"
            ),
        )

    def sweep(self, now, *, quiet=False):
        warned, overdue = request_sweep(now=now)
        if quiet and not warned and not overdue:
            return
        self.stdout.write(
            _("%(warned)d permohonan mendekati batas, %(overdue)d lewat batas.")
            % {"warned": warned, "overdue": overdue}
        )
