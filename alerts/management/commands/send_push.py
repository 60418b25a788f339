import argparse
import os
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.push import keys
from alerts.push.services import PushClient, push_round
from common.repeat import repeat


class Command(BaseCommand):
    help = (
        "Send Web Push notifications: turn new alerts into deliveries for the devices they "
        "concern, send what is due (retries with back-off), remove devices the push service "
        "calls gone. Once, or with --every N every N seconds until Ctrl-C or SIGTERM, by "
        "--workers sender processes (PUSH_WORKERS) sharing the queue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, metavar="SECONDS", help=_("Ulangi setiap sekian detik.")
        )
        parser.add_argument(
            "--workers",
            type=int,
            metavar="N",
            help=_("Jumlah proses pengirim (bawaan: PUSH_WORKERS)."),
        )
        # A sender started by another: it stops when that one is gone.
        parser.add_argument("--parent", type=int, help=argparse.SUPPRESS)

    def handle(self, *args, every=None, workers=None, parent=None, **options):
        if not keys.enabled():
            self.stderr.write(_("VAPID_PUBLIC_KEY dan VAPID_PRIVATE_KEY belum diatur: push mati."))
        if every is None:
            self.round()
            return
        workers = settings.PUSH_WORKERS if workers is None else workers
        if workers < 1:
            raise CommandError(_("--workers harus 1 atau lebih."))
        stop = threading.Event()
        others = [self.start_sender(every) for _n in range(workers - 1)]
        try:
            self.loop(every, stop=stop, parent=parent)
        finally:
            for other in others:
                other.terminate()
            for other in others:
                other.wait()

    def start_sender(self, every):
        """Another sender process: the same loop, sharing the queue (none sends what another
        took, see alerts.push.services.claim_due)."""
        command = [sys.executable, "-m", "django", "send_push", "--every", f"{every:g}"]
        command += ["--workers", "1", "--parent", str(os.getpid())]
        return subprocess.Popen(  # noqa: S603 (our own interpreter and command)
            command, cwd=settings.BASE_DIR
        )

    def loop(self, every, *, stop, parent=None):
        """A round every `every` seconds until `stop` is set (by SIGINT, SIGTERM or SIGHUP, or
        the process that started this sender ending)."""

        def work():
            if parent is not None and os.getppid() != parent:
                stop.set()
                return
            self.round(quiet=True, client=client)

        # One HTTP client for the sender's life: its connections to the push services stay
        # open from one round to the next.
        with PushClient() as client:
            repeat(
                every,
                work,
                stop=stop,
                failed=lambda error: self.stderr.write(
                    _("Pengiriman push gagal, dicoba lagi: %s") % error
                ),
                started=lambda: self.stdout.write(
                    _("Pengiriman push setiap %s detik (Ctrl-C untuk berhenti).") % f"{every:g}"
                ),
            )
        self.stdout.write(_("Pengiriman push dihentikan."))

    def round(self, *, quiet=False, client=None):
        if not keys.enabled():
            return
        fanned, sent = push_round(now=timezone.now(), client=client)
        if fanned or sent or not quiet:
            self.stdout.write(
                _("%(fanned)d kiriman baru, %(sent)d terkirim") % {"fanned": fanned, "sent": sent}
            )
