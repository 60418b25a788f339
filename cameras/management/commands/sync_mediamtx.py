from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cameras.mediamtx_paths import sync_all_nodes


class Command(BaseCommand):
    help = (
        "Make each MediaMTX node's paths match the active cameras it serves (one path per camera "
        "code) through its control API, after placing new cameras on a node. Idempotent: only "
        "what differs is written. run_streams repeats it every 30 s in production mode."
    )

    def handle(self, **options):
        failed = []
        for result in sync_all_nodes():
            if result.error:
                failed.append(f"{result.node}: {result.error}")
                self.stderr.write(_("Node %(node)s: %(error)s") % vars(result))
                continue
            for label, names in [
                (_("ditambah"), result.added),
                (_("diubah"), result.changed),
                (_("dihapus"), result.removed),
            ]:
                for name in names:
                    self.stdout.write(f"  {label}: {name}")
            self.stdout.write(
                _(
                    "Node %(node)s: %(added)d ditambah, %(changed)d diubah, %(removed)d dihapus, "
                    "%(same)d tetap."
                )
                % {
                    "node": result.node,
                    "added": len(result.added),
                    "changed": len(result.changed),
                    "removed": len(result.removed),
                    "same": len(result.unchanged),
                }
            )
        if failed:
            raise CommandError(_("Sinkronisasi MediaMTX gagal: %s") % "; ".join(failed))
