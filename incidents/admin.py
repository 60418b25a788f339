from django.contrib import admin

from incidents.models import Agency, Incident, IncidentAttachment, IncidentEvent
from kelurahan.access import can
from kelurahan.admin_site import ModelAdmin
from kelurahan.roles import Action


@admin.register(Agency)
class AgencyAdmin(ModelAdmin):
    list_display = ["name", "kind", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "areas__code", "areas__name"]
    autocomplete_fields = ["areas"]


class ReadOnlyInline(admin.TabularInline):
    """Timeline rows and attachments are written by the incident services only."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        return can(request.user, Action.ADMINISTER)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IncidentEventInline(ReadOnlyInline):
    model = IncidentEvent
    fields = ["at", "kind", "actor", "agency", "note", "data"]
    readonly_fields = fields
    ordering = ["at", "pk"]


class IncidentAttachmentInline(ReadOnlyInline):
    model = IncidentAttachment
    fields = ["image", "content_type", "size", "width", "height", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(ModelAdmin):
    """Read-only: every change to an incident goes through the portal's services, which keep
    the timeline (an edit here would change it without a trace)."""

    list_display = ["__str__", "category", "severity", "status", "level", "area", "created_at"]
    list_filter = ["status", "level", "severity", "category", "source"]
    search_fields = ["title", "area__code", "area__name", "external_id"]
    list_select_related = ["area"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [IncidentAttachmentInline, IncidentEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
