from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveriesConfig(AppConfig):
    name = "deliveries"
    verbose_name = _("CN cases and deliveries")

    def ready(self):
        from deliveries import approval, policy  # noqa: F401 - policy registers every rule

        approval.connect()
