from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kelurahan.areas_import import OFFICIAL_AREAS, ImportRejected, import_areas


class Command(BaseCommand):
    help = "Load official area codes from a CSV (code,name,level,parent_code[,lat,lon])."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(OFFICIAL_AREAS),
            help="CSV file (.gz too); default: the official list shipped in kelurahan/data/",
        )

    def handle(self, *, path, **options):
        try:
            result = import_areas(path, stream=self.stderr)
        except FileNotFoundError as error:
            raise CommandError(_("Berkas tidak ditemukan: %s") % path) from error
        except ImportRejected as rejected:
            for line in rejected.errors:
                self.stderr.write(line)
            raise CommandError(
                _("%d kesalahan; tidak ada wilayah yang diimpor.") % len(rejected.errors)
            ) from rejected
        self.stdout.write(
            _("Wilayah: %(created)d baru, %(updated)d diperbarui, %(unchanged)d tidak berubah.")
            % vars(result)
        )
