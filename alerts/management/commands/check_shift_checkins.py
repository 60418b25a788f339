import threading

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.shifts import check_shift_checkins
from common.repeat import repeat


class Command(BaseCommand):
    help = (
        "Raise a 'piket belum masuk' alert for every running shift nobody has checked in to "
        "(SHIFT_CHECKIN_GRACE_MINUTES after its start; once per shift). Once, or with --every N "
        "every N seconds until Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, metavar="SECONDS", help=_("Ulangi setiap sekian detik.")
        )

    def handle(self, *args, every=None, **options):
        if every is None:
            self.check_round(timezone.now())
            return
        self.loop(every, timezone.now, stop=threading.Event())

    def loop(self, every, clock, *, stop):
        """Check every `every` seconds until `stop` is set (by SIGINT, SIGTERM or SIGHUP)."""
        repeat(
            every,
            lambda: self.check_round(clock(), quiet=True),
            stop=stop,
            failed=lambda error: self.stderr.write(
                _("Pemeriksaan piket gagal, dicoba lagi: %s") % error
            ),
            started=lambda: self.stdout.write(
                _("Pemeriksaan piket setiap %s detik (Ctrl-C untuk berhenti).") % f"{every:g}"
            ),
        )
        self.stdout.write(_("Pemeriksaan piket dihentikan."))

    def check_round(self, now, *, quiet=False):
        raised = check_shift_checkins(now=now)
        if raised or not quiet:
            self.stdout.write(_("%d peringatan piket belum masuk") % raised)
