from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Peringatan")

    def ready(self):
        from alerts import retention, sources

        sources.connect()
        retention.register()
