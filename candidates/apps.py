from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Candidates")

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from candidates.acting import fill_history_user

        pre_create_historical_record.connect(
            fill_history_user, dispatch_uid="candidates_fill_history_user"
        )
