from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from kelurahan.models import ApiToken


class Command(BaseCommand):
    help = "Revoke the API token whose key starts with PREFIX (its first 8 characters)."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="the key's first characters, as listed in the admin")

    def handle(self, *, prefix, **options):
        tokens = list(ApiToken.objects.filter(prefix=prefix[:8], revoked_at__isnull=True))
        if not tokens:
            raise CommandError(_("Tidak ada token aktif dengan awalan %s.") % prefix)
        if len(tokens) > 1:
            raise CommandError(
                _("%(n)d token aktif berawalan %(prefix)s; cabut lewat halaman admin.")
                % {"n": len(tokens), "prefix": prefix}
            )
        token = tokens[0]
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        message = _("Token %(token)s milik %(user)s dicabut.")
        self.stdout.write(message % {"token": token, "user": token.user.username})
