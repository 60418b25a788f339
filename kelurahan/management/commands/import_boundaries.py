from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kelurahan.areas_import import OFFICIAL_BOUNDARIES, ImportRejected, import_boundaries
from kelurahan.geo import forget_boundaries


class Command(BaseCommand):
    help = "Load kelurahan boundaries from GeoJSON (features with properties.code)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(OFFICIAL_BOUNDARIES),
            help="GeoJSON file (.gz too); default: the official list shipped in kelurahan/data/",
        )

    def handle(self, *, path, **options):
        try:
            result = import_boundaries(path, stream=self.stderr)
        except ImportRejected as rejected:
            for line in rejected.errors:
                self.stderr.write(line)
            raise CommandError(
                _("%d kesalahan; tidak ada batas wilayah yang diimpor.") % len(rejected.errors)
            ) from rejected
        forget_boundaries()
        self.stdout.write(
            _(
                "Batas kelurahan: %(created)d baru, %(updated)d diperbarui, "
                "%(unchanged)d tidak berubah."
            )
            % vars(result)
        )
