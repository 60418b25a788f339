import sys
from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import IntegrityError
from django.utils.translation import gettext as _

from cameras.importing import ImportRejected, import_cameras

HELP = """\
Create or update cameras from a CSV file (UTF-8, comma-separated, a header row).

Columns (code, name, area_code, lat, lon are required; the others may be left out):
  code          unique camera code: a-z, 0-9 and '-', 3-40 characters (kebonjeruk-simpang)
  name          camera name
  area_code     code of a kelurahan, RW or RT already imported (31.73.05.1001.005)
  lat, lon      WGS84 coordinates inside Jakarta (-6.1937, 106.7695)
  kind          fixed | ptz (empty: fixed)
  tags          tag slugs separated by ';' (taman-24-jam;rawan-banjir); unknown slugs are created
  funding       apbd | csr (empty: apbd)
  sponsor       sponsor name, required when funding is csr
  installed_on  date, YYYY-MM-DD or DD/MM/YYYY (may be empty)
  public        1/0 or ya/tidak: listed on the public page (empty: 0)
  status        aktif | perbaikan | nonaktif (empty: aktif)
  source_url    rtsp:// or rtsps:// URL, may hold a password; never printed (empty: demo pattern)
  maintainer    name of a maintainer organisation made in the admin (empty: none)

A camera whose code exists is updated; a column left out of the file keeps its current value.
A bad row is rejected with its line number and reason and the good rows are still imported (in
one transaction): fix the rejected rows and run the same file again (the rest report unchanged).
"""


class HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Keep the column table's line breaks."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs["formatter_class"] = HelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file with the columns above.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would be created, updated and rejected; "
            "write nothing.",
        )

    def handle(self, *, path, dry_run, verbosity, **options):
        # The raw stream: Django's wrapper would end each redraw of the progress bar with a newline.
        progress_stream = options.get("stderr") or sys.stderr
        try:
            result = import_cameras(path, dry_run=dry_run, stream=progress_stream)
        except FileNotFoundError as error:
            raise CommandError(_("Berkas tidak ditemukan: %s") % path) from error
        except ImportRejected as rejected:
            for line in rejected.errors:
                self.stderr.write(line)
            raise CommandError(_("Berkas ditolak; tidak ada kamera yang diimpor.")) from rejected
        except IntegrityError as error:
            # Someone added the same code at the same moment; the transaction was rolled back.
            raise CommandError(_("Data berubah selama impor; jalankan lagi.")) from error
        self._report(result, list_changes=dry_run or verbosity >= 2)

    def _report(self, result, *, list_changes):
        for error in result.rejected:
            self.stderr.write(str(error))
        if list_changes:
            for change in result.created:
                self.stdout.write(_("Baris %(line)d: %(code)s baru.") % vars(change))
            for change in result.updated:
                columns = ", ".join(change.columns)
                self.stdout.write(
                    _("Baris %(line)d: %(code)s diperbarui (%(columns)s).")
                    % {"line": change.line, "code": change.code, "columns": columns}
                )
        if result.new_tags:
            self.stdout.write(_("Label baru: %s.") % ", ".join(result.new_tags))
        counts = {
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": result.unchanged,
            "rejected": len(result.rejected),
        }
        self.stdout.write(
            _(
                "Kamera: %(created)d baru, %(updated)d diperbarui, %(unchanged)d tidak berubah, "
                "%(rejected)d ditolak."
            )
            % counts
        )
        if result.dry_run:
            self.stdout.write(_("Uji coba (--dry-run): tidak ada yang disimpan."))
