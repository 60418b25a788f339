from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShiftsConfig(AppConfig):
    """Piket shifts: slots, duty, check-in, shift notes and FKDM observations, hand-over."""

    name = "shifts"
    verbose_name = _("Piket")

    def ready(self):
        from shifts import recording_marks  # noqa: F401 (notes on the recordings timeline)
