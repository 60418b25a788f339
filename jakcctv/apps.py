from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.urls import register_converter


class AdminConfig(DjangoAdminConfig):
    default_site = "kelurahan.admin_site.AdminSite"

    def ready(self):
        super().ready()
        from common.api import IdConverter

        # `<id:pk>` in every app's URLs; registered before the first URLconf is read.
        register_converter(IdConverter, "id")
