from django.contrib import admin

from cameras.admin import AuditAdmin
from evidence.models import AgencyLink, Clip, ClipEvent


@admin.register(Clip)
class ClipAdmin(AuditAdmin):
    """Clips are made, held and lifted through the portal's pages (each act logged), never
    edited here."""

    list_display = ["pk", "incident", "camera", "start", "end", "sha256", "held_until"]
    search_fields = ["sha256", "camera__code", "incident__title"]
    list_select_related = ["incident", "camera"]
    date_hierarchy = "created_at"


@admin.register(ClipEvent)
class ClipEventAdmin(AuditAdmin):
    list_display = ["at", "clip", "kind", "actor", "agency", "reason"]
    list_filter = ["kind"]
    list_select_related = ["clip", "actor", "agency"]
    date_hierarchy = "at"


@admin.register(AgencyLink)
class AgencyLinkAdmin(AuditAdmin):
    list_display = ["created_at", "clip", "agency", "expires_at", "uses", "revoked_at"]
    list_select_related = ["clip", "agency"]
