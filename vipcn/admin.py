from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vipcn import admin_users  # noqa: F401 - users, roles, role grants, authenticators
from vipcn.models import AccessLogEntry, UserProfile
from vipcn.roles import AUDITOR, has_role
from vipcn.security import audit

admin.site.site_header = _("VIP CN administration")
admin.site.site_title = _("VIP CN administration")
admin.site.index_title = _("Users, reference data and history")


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "language", "password_set_by_admin")
    search_fields = ("user__username",)
    readonly_fields = ("password_set_by_admin",)


def _login_through_the_notice(request, extra_context=None):
    """The admin has no login of its own: everyone passes the system-use notice (CJIS AC-8)."""
    return redirect_to_login(
        request.GET.get("next", reverse("admin:index")), login_url=reverse("login")
    )


admin.site.login = _login_through_the_notice


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only, and readable by auditors only: no superuser may add, change or delete."""

    list_display = ("at", "username", "ip_address", "action", "object_type", "object_id", "outcome")
    list_filter = ("action", "outcome")
    search_fields = ("username", "object_id", "path")
    date_hierarchy = "at"
    show_full_result_count = False

    def _auditor(self, request):
        return has_role(request.user, AUDITOR)

    def has_module_permission(self, request):
        return self._auditor(request)

    def has_view_permission(self, request, obj=None):
        return self._auditor(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if self._auditor(request):
            audit.record(AccessLogEntry.Action.AUDIT_READ, request=request, detail="admin")
        return super().changelist_view(request, extra_context)
