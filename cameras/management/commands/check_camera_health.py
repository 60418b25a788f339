from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cameras.health import check_camera_health
from cameras.mediamtx_paths import MediaMTXError


class Command(BaseCommand):
    help = "Check every camera's stream once and record who went online or offline."

    def handle(self, **options):
        try:
            changes = check_camera_health()
        except (OSError, MediaMTXError) as error:
            raise CommandError(_("MediaMTX tidak dapat dihubungi: %s") % error) from None
        for change in changes:
            state = _("daring") if change.online else _("luring")
            self.stdout.write(f"{change.camera.code}: {state} ({change.at:%Y-%m-%d %H:%M:%S})")
        self.stdout.write(_("%d perubahan status kamera.") % len(changes))
