from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Incidents: reporting, escalation up the chain, forwarding to agencies, the follow-up SLA,
    and reports from outside systems (ingest)."""

    name = "incidents"
    verbose_name = _("Kejadian")

    def ready(self):
        from incidents import demo, recording_marks, retention  # noqa: F401 (demo, marks: listen)

        retention.register()
