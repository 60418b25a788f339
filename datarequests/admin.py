from django.contrib import admin

from datarequests.models import DataRequest
from kelurahan.admin_site import ModelAdmin


@admin.register(DataRequest)
class DataRequestAdmin(ModelAdmin):
    """Read-only: requests change through the staff's workflow, so each step is on the trail."""

    list_display = ["number", "area", "status", "created_at", "due_at", "answered_at"]
    list_filter = ["status"]
    search_fields = ["number", "area__code", "area__name"]
    exclude = ["secret_digest", "id_document"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
