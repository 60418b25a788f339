from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    """Camera maintenance: tickets opened by the sweep (a camera offline too long, or with too
    little uptime) or by hand, worked by the maintainer's technicians, closed once the camera has
    stayed back online."""

    name = "maintenance"
    verbose_name = _("Pemeliharaan kamera")

    def ready(self):
        from maintenance import demo, public, retention  # noqa: F401 (demo: joins `make demo`)

        retention.register()
        public.connect()  # the median time to repair on the public page
