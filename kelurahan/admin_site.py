from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.views import redirect_to_login
from django.db.models.signals import post_save

from kelurahan.access import can
from kelurahan.roles import Action


class AdminSite(admin.AdminSite):
    """The Django admin, open only to provincial admins (by role, not by is_staff)."""

    site_header = "JakCCTV"
    site_title = "JakCCTV"

    def has_permission(self, request):
        return can(request.user, Action.ADMINISTER)

    def login(self, request, extra_context=None):
        # One sign-in for everything: allauth's, with its rate limits and MFA.
        return redirect_to_login(request.get_full_path())


class ModelAdmin(admin.ModelAdmin):
    """Every model page asks the same door as the site itself."""

    def has_module_permission(self, request):
        return can(request.user, Action.ADMINISTER)

    def has_view_permission(self, request, obj=None):
        return can(request.user, Action.ADMINISTER)

    def has_add_permission(self, request):
        return can(request.user, Action.ADMINISTER)

    def has_change_permission(self, request, obj=None):
        return can(request.user, Action.ADMINISTER)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, Action.ADMINISTER)

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        if len(entries) > 1:
            # Several at once are bulk-created, which sends no post_save: send it here, so the
            # accountability trail hears of every deletion as it does of single changes.
            for entry in entries:
                post_save.send(
                    LogEntry,
                    instance=entry,
                    created=True,
                    update_fields=None,
                    raw=False,
                    using=entry._state.db,
                )
        return entries
