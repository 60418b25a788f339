import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from common.repeat import fixed_clock, repeat
from maintenance.sweep import sweep


class Command(BaseCommand):
    help = (
        "Camera maintenance: open a ticket for each camera offline longer than MAINTENANCE_AFTER "
        "(or with too little uptime over 24 hours), close those back online for "
        "MAINTENANCE_CONFIRM, reopen repaired ones that failed again, report overdue ones. Once, "
        "or with --every N every N seconds until Ctrl-C or SIGTERM. Running it twice does "
        "nothing twice."
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
            self.sweep(clock(), uptime=True)
            return
        self.loop(every, clock, stop=threading.Event())

    def loop(self, every, clock, *, stop):
        """Sweep every `every` seconds until `stop` is set (by SIGINT, SIGTERM or SIGHUP); the
        uptime rule every MAINTENANCE_UPTIME_EVERY minutes, starting with the first round."""
        last_uptime = [None]

        def work():
            due = last_uptime[0] is None or (
                time.monotonic() - last_uptime[0] >= settings.MAINTENANCE_UPTIME_EVERY * 60
            )
            if due:
                last_uptime[0] = time.monotonic()
            self.sweep(clock(), uptime=due, quiet=True)

        repeat(
            every,
            work,
            stop=stop,
            failed=lambda error: self.stderr.write(_("Penyapuan gagal, dicoba lagi: %s") % error),
            started=lambda: self.stdout.write(
                _("Penyapuan pemeliharaan setiap %s detik (Ctrl-C untuk berhenti).") % f"{every:g}"
            ),
        )
        self.stdout.write(_("Penyapuan pemeliharaan dihentikan."))

    def sweep(self, now, *, uptime, quiet=False):
        found = sweep(now=now, uptime=uptime)
        if quiet and not any(found.values()):
            return
        stamp = timezone.localtime(now).strftime("%d-%m-%Y %H.%M.%S")
        self.stdout.write(
            _(
                "%(time)s WIB: %(opened)d tiket dibuka, %(settled)d ditutup atau dibuka ulang, "
                "%(overdue)d terlambat."
            )
            % {"time": stamp, **found}
        )
