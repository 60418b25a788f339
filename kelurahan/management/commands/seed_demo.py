import os

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cameras.demo import create_cameras
from kelurahan.demo import DEMO_USERS, create_users, load_areas
from kelurahan.demo_agencies import create_agencies

DEFAULT_DEMO_PASSWORD = "jakarta-aman-2026"  # noqa: S105 (demo only; printed on start)


class Command(BaseCommand):
    help = "Load demo areas, one demo user per role and the demo cameras (idempotent)."

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
        cameras = create_cameras()
        self.stdout.write(_("Kamera demo baru: %d") % len(cameras))
        agencies = create_agencies()
        self.stdout.write(_("Instansi demo baru: %d") % len(agencies))
