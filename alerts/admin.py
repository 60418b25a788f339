from django.contrib import admin

from alerts.models import AlertEvent, PushDelivery, PushSubscription
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


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ModelAdmin):
    """People's devices for Web Push: seen, and removed when a phone is lost (its keys and
    endpoint are never shown: they would let anyone push to it)."""

    list_display = ["id", "user", "label", "min_severity", "created_at", "last_sent_at"]
    list_filter = ["min_severity"]
    search_fields = ["user__username", "label"]
    fields = ["user", "label", "min_severity", "created_at", "last_sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PushDelivery)
class PushDeliveryAdmin(ModelAdmin):
    """Read-only: what the push worker sent, is trying again, gave up on or dropped, and why."""

    list_display = ["id", "event", "subscription", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state"]
    list_select_related = ["event", "subscription__user"]
    search_fields = ["subscription__user__username", "event__title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
