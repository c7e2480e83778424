from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vipcn.models import UserProfile

admin.site.site_header = _("VIP CN administration")
admin.site.site_title = _("VIP CN administration")
admin.site.index_title = _("Users, reference data and history")


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "language")
    search_fields = ("user__username",)


def _login_through_the_notice(request, extra_context=None):
    """The admin has no login of its own: everyone passes the system-use notice (CJIS AC-8)."""
    return redirect_to_login(
        request.GET.get("next", reverse("admin:index")), login_url=reverse("login")
    )


admin.site.login = _login_through_the_notice
