import sys
from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import IntegrityError
from django.utils.translation import gettext as _

from kelurahan.models import User
from kelurahan.people.importing import import_people
from kelurahan.people.rows import ImportRejected, read_file, rejection_text
from kelurahan.roles import Role

HELP = """\
Create people and give them roles from a CSV roster (UTF-8, comma-separated, a header row).

Columns (username, role and area_code are required; email is required for new people):
  username     login name (letters, digits and . @ + - _); a new one creates the person
  email        the person's email (new people get their invitation or password reset there)
  first_name   first name (new people)
  last_name    last name (new people; may be empty)
  role         admin_provinsi | operator | staf_kelurahan | petugas_piket | relawan_fkdm
  area_code    Kemendagri code of the area (31.74.01.1002), at a level the role is given at
  valid_until  empty (no end), a date (2026-12-31 or 31/12/2026: through that day, WIB),
               or a date and time in WIB (2026-12-31 18:00)

With --by, the import runs with that manager's rights (only roles ranked below theirs, only in
the areas where they manage roles) and records them as the granter; without it, as the system.
A role a person already holds in that area is skipped, so the same file can be run again. A bad
row is rejected with its line number and reason; the good rows are still imported (in one
transaction). New people have no password until they follow an invitation (--invite) or ask
for a password reset.
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
            "--by",
            metavar="USERNAME",
            help="The manager the import is made for: their rights apply and they are "
            "recorded as the granter (default: the system, any role anywhere).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would be created, skipped and rejected; "
            "write nothing.",
        )
        parser.add_argument(
            "--invite",
            metavar="PORTAL_URL",
            help="Email every new person an invitation whose link points at this address "
            "(https://cctv.jakarta.go.id).",
        )

    def handle(self, *, path, by, dry_run, invite, verbosity, **options):
        manager = None
        if by:
            manager = User.objects.filter(username=by, is_active=True).first()
            if manager is None:
                raise CommandError(_("Pengguna aktif %s tidak ada.") % by)
        # The raw stream: Django's wrapper would end each redraw of the progress bar with a newline.
        progress_stream = options.get("stderr") or sys.stderr
        try:
            report = import_people(
                read_file(path),
                by=manager,
                dry_run=dry_run,
                invite=bool(invite),
                base_url=invite,
                stream=progress_stream,
            )
        except FileNotFoundError as error:
            raise CommandError(_("Berkas tidak ditemukan: %s") % path) from error
        except ImportRejected as rejected:
            for line in rejected.errors:
                self.stderr.write(line)
            raise CommandError(_("Berkas ditolak; tidak ada yang diimpor.")) from rejected
        except IntegrityError as error:
            # Someone added the same username or email at the same moment; all was rolled back.
            raise CommandError(_("Data berubah selama impor; jalankan lagi.")) from error
        self._report(report, list_changes=dry_run or verbosity >= 2)

    def _report(self, report, *, list_changes):
        for row in report.rejected:
            self.stderr.write(rejection_text(row))
        if list_changes:
            for row in report.new_people:
                self.stdout.write(_("Baris %(line)d: orang baru %(username)s (%(email)s).") % row)
            for row in report.new_assignments:
                self.stdout.write(
                    _("Baris %(line)d: %(role)s di %(area)s untuk %(username)s.")
                    % {**row, "role": Role(row["role"]).label}
                )
            for row in report.skipped:
                self.stdout.write(_("Baris %(line)d: dilewati, %(reason)s") % row)
        counts = {
            "rows": report.rows,
            "people": len(report.new_people),
            "roles": len(report.new_assignments),
            "skipped": len(report.skipped),
            "rejected": len(report.rejected),
            "seconds": report.seconds,
        }
        self.stdout.write(
            _(
                "%(rows)d baris: %(people)d orang baru, %(roles)d peran baru, %(skipped)d "
                "dilewati, %(rejected)d ditolak (%(seconds).2f s)."
            )
            % counts
        )
        if report.invited:
            self.stdout.write(_("Undangan terkirim: %d.") % report.invited)
        if report.dry_run:
            self.stdout.write(_("Uji coba (--dry-run): tidak ada yang disimpan."))
