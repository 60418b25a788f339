import threading

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from common.repeat import fixed_clock, repeat
from incidents.services import sla_sweep


class Command(BaseCommand):
    help = (
        "Apply the incident SLA: escalate unacknowledged incidents past their deadline one level "
        "up and mark those not followed up in time as overdue, each on the timeline. Once, or "
        "with --every N every N seconds until Ctrl-C or SIGTERM. Running it twice does nothing "
        "twice."
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
        self.loop(every, clock, stop=threading.Event())

    def loop(self, every, clock, *, stop):
        """Sweep every `every` seconds until `stop` is set (by SIGINT, SIGTERM or SIGHUP)."""
        repeat(
            every,
            lambda: self.sweep(clock(), quiet=True),
            stop=stop,
            failed=lambda error: self.stderr.write(_("Penyapuan gagal, dicoba lagi: %s") % error),
            started=lambda: self.stdout.write(
                _("Penyapuan SLA setiap %s detik (Ctrl-C untuk berhenti).") % f"{every:g}"
            ),
        )
        self.stdout.write(_("Penyapuan SLA dihentikan."))

    def sweep(self, now, *, quiet=False):
        escalated, overdue = sla_sweep(now=now)
        if quiet and not escalated and not overdue:
            return
        stamp = timezone.localtime(now).strftime("%d-%m-%Y %H.%M.%S")
        self.stdout.write(
            _(
                "%(time)s WIB: %(escalated)d kejadian dinaikkan otomatis, "
                "%(overdue)d ditandai terlambat."
            )
            % {"time": stamp, "escalated": escalated, "overdue": overdue}
        )
