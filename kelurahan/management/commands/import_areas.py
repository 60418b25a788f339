from django.core.management.base import BaseCommand, CommandError

from kelurahan.areas_import import ImportRejected, import_areas


class Command(BaseCommand):
    help = "Load official area codes from a CSV (code,name,level,parent_code[,lat,lon])."

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file, e.g. ../shared/data/jakarta_wilayah.csv")

    def handle(self, *, path, **options):
        try:
            result = import_areas(path, stream=self.stderr)
        except FileNotFoundError as error:
            raise CommandError(f"Berkas tidak ditemukan: {path}") from error
        except ImportRejected as rejected:
            for line in rejected.errors:
                self.stderr.write(line)
            raise CommandError(
                f"{len(rejected.errors)} kesalahan; tidak ada wilayah yang diimpor."
            ) from rejected
        self.stdout.write(
            f"Wilayah: {result.created} baru, {result.updated} diperbarui, "
            f"{result.unchanged} tidak berubah."
        )
