from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kelurahan.access import maintainer_grant_problem, own_assignment_problem
from kelurahan.admin_site import ModelAdmin
from kelurahan.models import ApiToken, Area, Maintainer, RoleAssignment, User
from kelurahan.roles import MAINTAINER_ROLES


@admin.register(Area)
class AreaAdmin(ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Maintainer)
class MaintainerAdmin(ModelAdmin):
    list_display = ["name", "kind", "repair_hours", "contact"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ModelAdmin):
    """Where the provincial admin gives the Teknisi role: for a maintainer, not an area, and
    with streams only when `may_view_streams` is ticked."""

    list_display = ["user", "role", "area", "maintainer", "valid_from", "valid_until", "revoked_at"]
    list_filter = ["role", "maintainer"]
    search_fields = ["user__username", "area__code", "area__name", "maintainer__name"]
    raw_id_fields = ["user", "area", "granted_by", "revoked_by"]
    readonly_fields = ["granted_at"]

    # One's own roles are someone else's act, here as on the management pages (people.py).
    def has_change_permission(self, request, obj=None):
        if obj is not None and own_assignment_problem(request.user, obj.user_id):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and own_assignment_problem(request.user, obj.user_id):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if problem := own_assignment_problem(request.user, obj.user_id):
            raise PermissionDenied(problem)
        if obj.role in MAINTAINER_ROLES and (
            problem := maintainer_grant_problem(request.user, obj.role)
        ):
            raise PermissionDenied(problem[1])
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(User)
class UserAdmin(ModelAdmin, DjangoUserAdmin):
    # Nobody switches their own account on or off or raises its flags (people.py's rule).
    OWN_LOCKED = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.pk == request.user.pk:
            return (*fields, *self.OWN_LOCKED)
        return fields


# --- API tokens: listed and revoked here, issued with `manage.py create_api_token` -------------


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    """Tokens are read-only here (the digest is never shown); the one change is revoking."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    fields = ["name", "user", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a key is shown once, by the command that makes it

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay listed: who could call the API, and until when

    @admin.action(description=_("Cabut token terpilih"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        count = queryset.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=timezone.now())
        for token in tokens:  # the admin's history, and so the accountability trail
            self.log_change(request, token, _("Token dicabut."))
        self.message_user(request, _("%d token dicabut.") % count)


# --- Incidents and agencies --------------------------------------------------------------------
