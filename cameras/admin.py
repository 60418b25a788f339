from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cameras.models import (
    AreaRecordingPolicy,
    Camera,
    CameraStatusChange,
    MediaNode,
    RecordingHour,
    Tag,
    ViewingSession,
)
from kelurahan.admin_site import ModelAdmin


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Camera)
class CameraAdmin(ModelAdmin):
    """The only page that shows and edits a camera's source URL (the admin is admins-only).

    The model form calls Camera.clean: coordinates in Jakarta, CSR sponsor, area level, rtsp://.
    """

    list_display = ["code", "name", "area", "status", "online", "is_public", "record", "node"]
    list_filter = [
        "status",
        "online",
        "is_public",
        "record",
        "kind",
        "funding",
        "node",
        "maintainer",
        "tags",
    ]
    search_fields = ["code", "name", "area__code", "area__name"]
    list_select_related = ["area", "node"]
    autocomplete_fields = ["area"]
    filter_horizontal = ["tags"]
    readonly_fields = ["online", "last_seen_at", "online_changed_at", "created_at"]
    fieldsets = [
        (None, {"fields": ["code", "name", "area", ("lat", "lon"), "kind", "tags"]}),
        (_("Pendanaan"), {"fields": ["funding", "sponsor", "installed_on", "maintainer"]}),
        (
            _("Siaran"),
            {
                "fields": [
                    "status",
                    "is_public",
                    "source_url",
                    "substream_url",
                    "transcode_low",
                    "node",
                ]
            },
        ),
        (_("Rekaman"), {"fields": ["record", "recording_days"]}),
        (_("Transparansi"), {"fields": ["purpose", "signage"]}),
        (_("Kesehatan"), {"fields": readonly_fields}),
    ]


@admin.register(MediaNode)
class MediaNodeAdmin(ModelAdmin):
    """The MediaMTX nodes. A camera moved to another node in the camera form gets its path there
    at the next sync, within 30 s of `run_streams`; the old node keeps it, not pulled, while it
    holds recordings of the camera (cameras/nodes.py: `former_cameras`)."""

    list_display = ["name", "api_url", "hls_url", "load", "capacity", "accepts_new", "reachable"]
    list_filter = ["accepts_new", "reachable"]
    search_fields = ["name", "api_url"]
    readonly_fields = ["reachable", "last_contact_at", "last_error"]
    fieldsets = [
        (None, {"fields": ["name", "api_url", "hls_url", "playback_url"]}),
        (_("Kapasitas"), {"fields": ["capacity", "storage_gb", "accepts_new"]}),
        (_("Kesehatan"), {"fields": readonly_fields}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_load()

    @admin.display(description=_("kamera aktif"), ordering="load")
    def load(self, node):
        return node.load


class AuditAdmin(ModelAdmin):
    """Audit rows are read, never added, edited or deleted by the app (not even by admins)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ViewingSession)
class ViewingSessionAdmin(AuditAdmin):
    list_display = ["started_at", "user", "camera", "last_seen_at", "ended_at", "ip", "mode"]
    list_filter = ["mode"]
    search_fields = ["user__username", "camera__code", "camera__name", "ip"]
    list_select_related = ["user", "camera"]
    date_hierarchy = "started_at"
    show_full_result_count = False  # counting a large audit table on every page is slow


@admin.register(CameraStatusChange)
class CameraStatusChangeAdmin(AuditAdmin):
    list_display = ["at", "camera", "online"]
    list_filter = ["online"]
    search_fields = ["camera__code", "camera__name"]
    list_select_related = ["camera"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(RecordingHour)
class RecordingHourAdmin(AuditAdmin):
    """The recordings' hourly index: written by the recorder, held by evidence."""

    list_display = ["hour", "camera", "seconds", "bytes", "held_until"]
    search_fields = ["camera__code", "camera__name"]
    list_select_related = ["camera"]
    date_hierarchy = "hour"
    show_full_result_count = False


@admin.register(AreaRecordingPolicy)
class AreaRecordingPolicyAdmin(ModelAdmin):
    """Per-area recording retention (a camera's own days come first)."""

    list_display = ["area", "days"]
    search_fields = ["area__code", "area__name"]
    autocomplete_fields = ["area"]
