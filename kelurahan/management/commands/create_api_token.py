from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kelurahan.access import live_grants
from kelurahan.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue an API token for a service account; the key is printed once and never stored."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the service account (an ordinary user with roles)")
        parser.add_argument("name", help='what the token is for, e.g. "JAKI Lapor Warga"')

    def handle(self, *, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Pengguna %s tidak ada.") % username)
        if not user.is_active:
            raise CommandError(_("Akun %s tidak aktif.") % username)
        if not name.strip():
            raise CommandError(_("Beri token itu nama."))
        token, key = ApiToken.issue(user=user, name=name.strip()[:80])
        if not live_grants(user):
            self.stderr.write(
                _("Perhatian: %s belum memegang penugasan peran aktif; token ditolak sampai ada.")
                % username
            )
        message = _(
            "Token %(prefix)s… untuk %(user)s dibuat. Simpan kuncinya sekarang: kunci ini tidak "
            "akan ditampilkan lagi."
        )
        self.stderr.write(message % {"prefix": token.prefix, "user": username})
        self.stdout.write(key)
