"""The admin's users, roles, role grants and authenticators (separation of duties, CJIS AC-5).

* Nobody's own roles, permissions or staff/superuser flags are editable by themselves (shown
  read-only; vipcn.security.accounts refuses it on every other web path too).
* Adding the Auditor or the Records Custodian role in the user form records a request that a
  second administrator confirms under *Role grants* (vipcn.security.duties).
* Roles are code (vipcn.roles): the groups are shown, never added, renamed or re-permissioned
  here; renaming a group would have handed out its role.
* Authenticators and recovery codes may be removed (a lost phone), never added or edited: an
  administrator must not be able to plant a device whose secret they know.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from vipcn.models import RoleGrant
from vipcn.roles import ADMINISTRATOR, ROLE_LABELS, SECOND_ADMINISTRATOR_ROLES, has_role
from vipcn.security import duties

User = get_user_model()
OWN_READ_ONLY = ("is_staff", "is_superuser", "groups", "user_permissions")


class VipcnUserAdmin(UserAdmin):
    def _is_self(self, request, obj):
        return obj is not None and obj.pk == request.user.pk

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if self._is_self(request, obj):
            fields += OWN_READ_ONLY
        return fields

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.help_text = _(
                "The roles of this account. Auditor and Records Custodian are given only when "
                "a second administrator confirms (Role grants)."
            )
        return field

    def save_related(self, request, form, formsets, change):
        """Protected roles added in the form become requests for a second administrator."""
        obj = form.instance
        if "groups" in form.cleaned_data:
            held = set(obj.groups.values_list("name", flat=True)) if change else set()
            keep, asked = [], []
            for group in form.cleaned_data["groups"]:
                if group.name in SECOND_ADMINISTRATOR_ROLES and group.name not in held:
                    asked.append(group.name)
                else:
                    keep.append(group)
            form.cleaned_data["groups"] = keep
            super().save_related(request, form, formsets, change)
            for role in asked:
                self._request_role(request, obj, role)
        else:
            super().save_related(request, form, formsets, change)

    def _request_role(self, request, user, role):
        try:
            duties.role_grant_request(user=user, role=role, actor=request.user, request=request)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request,
            gettext(
                "The role %(role)s for %(user)s needs a second administrator: the request "
                "waits under Role grants for another administrator to confirm it."
            )
            % {"role": ROLE_LABELS.get(role, role), "user": user.get_username()},
            messages.WARNING,
        )


class RolesAreCodeGroupAdmin(GroupAdmin):
    """Read-only: each role's permissions come from vipcn.roles after every migrate."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoleGrantAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "role_label",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status", "role")
    search_fields = ("user__username",)
    list_select_related = ("user", "requested_by", "decided_by")
    actions = ("confirm_grants", "refuse_grants")

    @admin.display(description=_("role"), ordering="role")
    def role_label(self, grant):
        return ROLE_LABELS.get(grant.role, grant.role)

    def has_module_permission(self, request):
        return has_role(request.user, ADMINISTRATOR)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, ADMINISTRATOR)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, step, done):
        count = 0
        for grant in queryset:
            try:
                step(grant=grant, actor=request.user, request=request)
            except ValidationError as exc:
                self.message_user(request, f"{grant}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Confirm the selected role requests (as the second administrator)"))
    def confirm_grants(self, request, queryset):
        self._decide(
            request,
            queryset,
            duties.role_grant_confirm,
            gettext("Role requests confirmed: %(count)d."),
        )

    @admin.action(description=_("Refuse the selected role requests"))
    def refuse_grants(self, request, queryset):
        self._decide(
            request,
            queryset,
            duties.role_grant_refuse,
            gettext("Role requests refused: %(count)d."),
        )


class RemoveOnlyTOTPDeviceAdmin(TOTPDeviceAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RemoveOnlyStaticDeviceAdmin(StaticDeviceAdmin):
    inlines = []  # the codes themselves are never shown

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for _model, _admin in (
    (User, VipcnUserAdmin),
    (Group, RolesAreCodeGroupAdmin),
    (TOTPDevice, RemoveOnlyTOTPDeviceAdmin),
    (StaticDevice, RemoveOnlyStaticDeviceAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
admin.site.register(RoleGrant, RoleGrantAdmin)
