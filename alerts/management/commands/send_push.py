import threading

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.push import keys
from alerts.push.services import push_round
from common.repeat import repeat


class Command(BaseCommand):
    help = (
        "Send Web Push notifications: turn new alerts into deliveries for the devices they "
        "concern, send what is due (retries with back-off), remove devices the push service "
        "calls gone. Once, or with --every N every N seconds until Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, metavar="SECONDS", help=_("Ulangi setiap sekian detik.")
        )

    def handle(self, *args, every=None, **options):
        if not keys.enabled():
            self.stderr.write(_("VAPID_PUBLIC_KEY dan VAPID_PRIVATE_KEY belum diatur: push mati."))
        if every is None:
            self.round()
            return
        self.loop(every, stop=threading.Event())

    def loop(self, every, *, stop):
        """A round every `every` seconds until `stop` is set (by SIGINT, SIGTERM or SIGHUP)."""
        repeat(
            every,
            lambda: self.round(quiet=True),
            stop=stop,
            failed=lambda error: self.stderr.write(
                _("Pengiriman push gagal, dicoba lagi: %s") % error
            ),
            started=lambda: self.stdout.write(
                _("Pengiriman push setiap %s detik (Ctrl-C untuk berhenti).") % f"{every:g}"
            ),
        )
        self.stdout.write(_("Pengiriman push dihentikan."))

    def round(self, *, quiet=False):
        if not keys.enabled():
            return
        fanned, sent = push_round(now=timezone.now())
        if fanned or sent or not quiet:
            self.stdout.write(
                _("%(fanned)d kiriman baru, %(sent)d terkirim") % {"fanned": fanned, "sent": sent}
            )
