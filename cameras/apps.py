from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamerasConfig(AppConfig):
    name = "cameras"
    verbose_name = _("Kamera")

    def ready(self):
        from cameras import demo, retention, revocation  # noqa: F401 (demo: joins `make demo`)

        retention.register()

        revocation.connect()
