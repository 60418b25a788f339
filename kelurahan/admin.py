from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from jakcctv.admin import ModelAdmin
from kelurahan.models import Area, RoleAssignment, User


@admin.register(Area)
class AreaAdmin(ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ModelAdmin):
    list_display = ["user", "role", "area", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "area__code", "area__name"]
    raw_id_fields = ["user", "area", "granted_by", "revoked_by"]
    readonly_fields = ["granted_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(User)
class UserAdmin(ModelAdmin, DjangoUserAdmin):
    pass
