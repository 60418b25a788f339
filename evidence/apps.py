from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    """Evidence: clips of recordings saved to an incident, their holds, custody log, hash
    checks and download links for the agencies an incident is forwarded to."""

    name = "evidence"
    verbose_name = _("Bukti rekaman")

    def ready(self):
        from evidence import receivers, retention

        retention.register()
        receivers.connect()
