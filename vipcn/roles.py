"""The four roles of VIP CN, as Django groups, and the model permissions each holds.

Groups are created by a data migration; their permissions are synchronised after every
migrate (permissions for new models exist only once their app has migrated).
"""

from django.utils.translation import gettext_lazy as _

STAFF = "VIP Staff"
LEAD = "VIP Law Enforcement Lead"
MANAGER = "VIP Program Manager"
ADMINISTRATOR = "Administrator"
# Reads the access log, nothing else (CJIS AU-9: audit kept apart from administration).
AUDITOR = "Auditor"
# May open a sealed juvenile record, giving a reason that is logged (NMSA 32A-2-26).
CUSTODIAN = "Records Custodian"

ALL_ROLES = (STAFF, LEAD, MANAGER, ADMINISTRATOR, AUDITOR, CUSTODIAN)
# Roles that read what administrators may not (the access log, sealed records): one
# administrator asks, a second confirms, or an operator grants them at the server's command
# line (vipcn.security.duties, manage.py grant_role).
SECOND_ADMINISTRATOR_ROLES = frozenset({AUDITOR, CUSTODIAN})

ROLE_LABELS = {
    STAFF: _("VIP Staff"),
    LEAD: _("VIP Law Enforcement Lead"),
    MANAGER: _("VIP Program Manager"),
    ADMINISTRATOR: _("Administrator"),
    AUDITOR: _("Auditor"),
    CUSTODIAN: _("Records Custodian"),
}

# What each role may do, as "app_label.action_model" permissions. "*" = every model of the app.
# Later modules extend these tables; the access matrix (vipcn.access) decides pages.
ROLE_PERMISSIONS = {
    STAFF: {
        "candidates": ("view", "add", "change"),
        "deliveries": ("view", "add", "change"),
    },
    LEAD: {
        "candidates": ("view", "add", "change"),
        "deliveries": ("view", "add", "change"),
    },
    MANAGER: {
        "candidates": ("view",),
        "deliveries": ("view",),
    },
    ADMINISTRATOR: {
        "auth": ("view", "add", "change", "delete"),
        "candidates": ("view", "add", "change", "delete"),
        "deliveries": ("view", "add", "change", "delete"),
        # Remove a lost authenticator; release a locked-out account (delete its attempts).
        "otp_totp": ("view", "delete"),
        "otp_static": ("view", "delete"),
        "axes": ("view", "delete"),
    },
    AUDITOR: {},
    CUSTODIAN: {},
}

# Extra, non-model permissions granted to a role: ("app_label", "codename").
ROLE_EXTRA_PERMISSIONS = {
    STAFF: (("candidates", "view_juvenile_records"),),
    LEAD: (("candidates", "view_juvenile_records"), ("deliveries", "view_sensitive")),
    MANAGER: (("candidates", "view_juvenile_records"),),
    # Not the access log: that is the auditor's alone.
    ADMINISTRATOR: (
        ("vipcn", "view_userprofile"),
        ("vipcn", "change_userprofile"),
        ("vipcn", "view_rolegrant"),
    ),
    AUDITOR: (("vipcn", "view_accesslogentry"),),
    CUSTODIAN: (("candidates", "view_juvenile_records"),),
}


def user_roles(user):
    """The set of role names the user holds (cached on the user object for the request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_vipcn_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._vipcn_roles = cached
    return cached


def has_role(user, *roles):
    return bool(user_roles(user) & set(roles))


def sync_role_permissions(**kwargs):
    """Give each role group exactly the permissions ROLE_PERMISSIONS names (post_migrate)."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    # Extra permissions (e.g. view_sensitive) also look like "view_<model>": the patterns
    # below must not hand them out; only ROLE_EXTRA_PERMISSIONS grants them.
    extras = Q(pk__in=[])
    for granted in ROLE_EXTRA_PERMISSIONS.values():
        for app_label, codename in granted:
            extras |= Q(content_type__app_label=app_label, codename=codename)
    for role in ALL_ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = Q(pk__in=[])
        for app_label, actions in ROLE_PERMISSIONS.get(role, {}).items():
            pattern = r"^(%s)_" % "|".join(actions)
            wanted |= Q(content_type__app_label=app_label, codename__regex=pattern) & ~extras
        for app_label, codename in ROLE_EXTRA_PERMISSIONS.get(role, ()):
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(wanted))
