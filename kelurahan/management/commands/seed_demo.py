import os

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kelurahan.demo import DEMO_USERS, create_users, load_areas
from kelurahan.signals import demo_seeded

DEFAULT_DEMO_PASSWORD = "jakarta-aman-2026"  # noqa: S105 (demo only; printed on start)


class Command(BaseCommand):
    help = "Load demo areas, one demo user per role, and the other apps' demo data (idempotent)."

    def handle(self, **options):
        load_areas(stream=self.stderr)
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        created = {user.username for user in create_users(password)}
        self.stdout.write(_("Pengguna demo, kata sandi dari DEMO_PASSWORD: %s") % password)
        for demo in DEMO_USERS:
            if demo.username in created:
                state = _("baru")
            else:
                state = _("sudah ada, kata sandi tidak diubah")
            self.stdout.write(
                f"  {demo.username:<18} {demo.role.label} · {demo.area_code} ({state})"
            )
        # Cameras, agencies ...: each app above kelurahan adds its own and prints a line.
        demo_seeded.send(sender=self.__class__, stdout=self.stdout, password=password)
