import signal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cameras.supervisor import MediaMTXWatch, Supervisor


class Command(BaseCommand):
    help = (
        "Embedded mode: run one ffmpeg per active camera, writing HLS under STREAMS_ROOT, and "
        "check camera health. Production mode (STREAM_MODE=mediamtx): keep MediaMTX's paths in "
        "step with the cameras and check health from MediaMTX. Stops on Ctrl-C or SIGTERM."
    )

    def handle(self, **options):
        if settings.STREAM_MODE == "mediamtx":
            runner = MediaMTXWatch()
            self.stdout.write(_("Mode MediaMTX: jalur, kesehatan kamera dan sesi diperiksa."))
        else:
            runner = Supervisor()
            self.stdout.write(_("Siaran kamera ditulis ke %s") % runner.root)
        # Stop cleanly (every ffmpeg ended, nothing left running) on Ctrl-C, SIGTERM and hangup.
        stop_signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {
            signum: signal.signal(signum, lambda *_: runner.stop()) for signum in stop_signals
        }
        try:
            runner.run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(_("Siaran kamera dihentikan."))
