from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    """Camera maintenance: tickets opened by the sweep (a camera offline too long, or with too
    little uptime) or by hand, worked by the maintainer's technicians, closed once the camera has
    stayed back online."""

    name = "maintenance"
    verbose_name = _("Pemeliharaan kamera")

    def ready(self):
        from cameras.signals import cameras_retired
        from maintenance import demo, public, retention  # noqa: F401 (demo: joins `make demo`)
        from maintenance.services import close_for_retired

        retention.register()
        public.connect()  # the median time to repair on the public page
        # A retired camera's ticket can never be confirmed repaired: it closes, saying why.
        cameras_retired.connect(close_for_retired, dispatch_uid="maintenance-camera-retired")
