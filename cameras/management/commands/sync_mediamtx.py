from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cameras.mediamtx_paths import MediaMTXError, sync_paths


class Command(BaseCommand):
    help = (
        "Make MediaMTX's paths match the active cameras (one path per camera code) through its "
        "control API. Idempotent: only what differs is written. run_streams repeats it every 30 s "
        "in production mode."
    )

    def handle(self, **options):
        try:
            result = sync_paths()
        except (OSError, MediaMTXError) as error:
            raise CommandError(_("Sinkronisasi MediaMTX gagal: %s") % error) from None
        for label, names in [
            (_("ditambah"), result.added),
            (_("diubah"), result.changed),
            (_("dihapus"), result.removed),
        ]:
            for name in names:
                self.stdout.write(f"  {label}: {name}")
        self.stdout.write(
            _(
                "Jalur MediaMTX: %(added)d ditambah, %(changed)d diubah, %(removed)d dihapus, "
                "%(same)d tetap."
            )
            % {
                "added": len(result.added),
                "changed": len(result.changed),
                "removed": len(result.removed),
                "same": len(result.unchanged),
            }
        )
