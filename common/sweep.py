"""What the sweep workers (sla_sweep, request_sweep, maintenance_sweep) share: a sweep once, or
with `--every N` every N seconds until Ctrl-C or SIGTERM, on the clock `--now` fixes."""

import threading

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from common.repeat import fixed_clock, repeat


class SweepCommand(BaseCommand):
    """A subclass says what one sweep does (`sweep(now, quiet=)`: quiet in the loop, where only
    a sweep that changed something prints) and what the loop says when it starts
    (`started_message`, with %s for the seconds) and, if anything, when it stops."""

    started_message = None
    stopped_message = None

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
        self.loop(every, clock, stop=threading.Event())

    def loop(self, every, clock, *, stop):
        """Sweep every `every` seconds until `stop` is set (by SIGINT, SIGTERM or SIGHUP)."""
        repeat(
            every,
            lambda: self.round(clock),
            stop=stop,
            failed=lambda error: self.stderr.write(_("Penyapuan gagal, dicoba lagi: %s") % error),
            started=lambda: self.stdout.write(str(self.started_message) % f"{every:g}"),
        )
        if self.stopped_message:
            self.stdout.write(str(self.stopped_message))

    def round(self, clock):
        """One round of the loop."""
        self.sweep(clock(), quiet=True)

    def sweep(self, now, *, quiet=False):
        raise NotImplementedError

    @staticmethod
    def stamp(now):
        """`now` as the sweep's lines show it (Jakarta time)."""
        return timezone.localtime(now).strftime("%d-%m-%Y %H.%M.%S")
