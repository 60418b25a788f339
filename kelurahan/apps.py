from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KelurahanConfig(AppConfig):
    name = "kelurahan"
    verbose_name = _("Kelurahan dan peran")

    def ready(self):
        from allauth.account.signals import password_changed, password_reset, password_set

        from kelurahan.adapters import end_other_sessions

        for signal in (password_changed, password_set, password_reset):
            signal.connect(end_other_sessions, dispatch_uid="end-other-sessions")
