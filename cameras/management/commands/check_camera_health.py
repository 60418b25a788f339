from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cameras.health import check_camera_health


class Command(BaseCommand):
    help = "Check every camera's stream once and record who went online or offline."

    def handle(self, **options):
        problems = []
        changes = check_camera_health(problems=problems)
        for change in changes:
            state = _("daring") if change.online else _("luring")
            self.stdout.write(f"{change.camera.code}: {state} ({change.at:%Y-%m-%d %H:%M:%S})")
        self.stdout.write(_("%d perubahan status kamera.") % len(changes))
        if problems:
            # Exit non-zero so that monitoring notices; the other nodes were checked all the same.
            raise CommandError(
                _("Node MediaMTX tidak menjawab: %s")
                % "; ".join(f"{node} ({error})" for node, error in problems)
            )
