from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataRequestsConfig(AppConfig):
    """Citizens' footage and data requests (UU 27/2022): the public form, the secret status page,
    the staff workflow with its 3x24 h deadline, and the time-limited download of what is
    granted."""

    name = "datarequests"
    verbose_name = _("Permohonan data")

    def ready(self):
        from datarequests import demo, retention  # noqa: F401 (demo: joins `make demo`)

        retention.register()
