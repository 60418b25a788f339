from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Incidents: reporting, escalation up the chain, forwarding to agencies, the follow-up SLA,
    and reports from outside systems (ingest)."""

    name = "incidents"
    verbose_name = _("Kejadian")

    def ready(self):
        from incidents import demo, retention  # noqa: F401 (demo: its agencies join `make demo`)

        retention.register()
