import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from alerts.shifts import check_shift_checkins


class Command(BaseCommand):
    help = (
        "Raise a 'piket belum masuk' alert for every running shift nobody has checked in to "
        "(SHIFT_CHECKIN_GRACE_MINUTES after its start; once per shift)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, metavar="SECONDS", help="repeat until stopped"
        )

    def handle(self, *args, every, **options):
        while True:
            raised = check_shift_checkins()
            if raised or not every:
                self.stdout.write(_("%d peringatan piket belum masuk") % raised)
            if not every:
                return
            time.sleep(every)
