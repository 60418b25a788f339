from django.contrib import admin

from alerts.models import AlertEvent
from kelurahan.admin_site import ModelAdmin


@admin.register(AlertEvent)
class AlertEventAdmin(ModelAdmin):
    """Read-only: alerts are raised by what happens (alerts/sources.py) or `manage.py announce`."""

    list_display = ["id", "created_at", "kind", "severity", "area", "min_depth", "title"]
    list_filter = ["kind", "severity"]
    search_fields = ["title", "area__code", "area__name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
