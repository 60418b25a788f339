from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Small utilities every app may use (the bottom layer): it imports none of the apps."""

    name = "common"
    verbose_name = "JakCCTV"
