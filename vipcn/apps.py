from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class VipcnConfig(AppConfig):
    name = "vipcn"
    verbose_name = _("VIP CN")

    def ready(self):
        from vipcn.roles import sync_role_permissions

        # Runs once per migrate (after the last app), when every model's permission exists.
        post_migrate.connect(sync_role_permissions, dispatch_uid="vipcn.sync_role_permissions")
