from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class VipcnConfig(AppConfig):
    name = "vipcn"
    verbose_name = _("VIP CN")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from simple_history.signals import (
            post_create_historical_record,
            pre_create_historical_record,
        )

        from vipcn.acting import fill_history_user
        from vipcn.freshness import note_history_write
        from vipcn.roles import sync_role_permissions

        pre_create_historical_record.connect(
            fill_history_user, dispatch_uid="vipcn.fill_history_user"
        )
        post_create_historical_record.connect(
            note_history_write, dispatch_uid="vipcn.note_history_write"
        )
        from vipcn import dbroles  # noqa: F401 - registers the database-role deploy check

        # Connect the signals: the access log; sessions, the password mark, one's own roles.
        from vipcn.security import accounts, audit  # noqa: F401
        from vipcn.security.middleware import start_session_clock

        user_logged_in.connect(start_session_clock, dispatch_uid="vipcn.session_clock")

        # Runs once per migrate (after the last app), when every model's permission exists.
        post_migrate.connect(sync_role_permissions, dispatch_uid="vipcn.sync_role_permissions")


class VipcnAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the project's site (record limits on every admin)."""

    default = False  # VipcnConfig stays this module's app config for "vipcn"

    default_site = "vipcn.admin_site.VipcnAdminSite"
