"""Cases, preparation, attempts and personnel in the admin: read-only with their history, for
everyone (vipcn.admin_base); they change only through the pages and their services. Reference
data (ranks, trainings, penalties, letter templates) is kept here by administrators."""

from django.contrib import admin

from deliveries import models
from vipcn.admin_base import HistoryAdmin, ReferenceDataAdmin

# Reference data kept by administrators.


@admin.register(models.Rank)
class RankAdmin(ReferenceDataAdmin):
    list_display = ("name", "is_command_level", "order")


@admin.register(models.Training)
class TrainingAdmin(ReferenceDataAdmin):
    list_display = ("name", "is_active")


@admin.register(models.Penalty)
class PenaltyAdmin(ReferenceDataAdmin):
    list_display = ("statute", "maximum_penalty", "is_active")
    search_fields = ("statute", "description_en", "description_es")


@admin.register(models.LetterTemplate)
class LetterTemplateAdmin(ReferenceDataAdmin):
    list_display = ("name", "language", "is_active")
    list_filter = ("language", "is_active")


# Personnel and case records (rule inputs): read-only with history (HistoryAdmin).


@admin.register(models.Personnel)
class PersonnelAdmin(HistoryAdmin):
    list_display = ("last_name", "first_name", "badge_number", "rank", "is_sworn", "is_active")
    list_filter = ("is_sworn", "is_active", "rank", "is_vip_lead")
    search_fields = ("last_name", "first_name", "badge_number")
    raw_id_fields = ("user",)


@admin.register(models.TrainingAttendance)
class TrainingAttendanceAdmin(HistoryAdmin):
    list_display = ("personnel", "training", "attended_on")
    raw_id_fields = ("personnel",)


@admin.register(models.ManualAccompaniment)
class ManualAccompanimentAdmin(HistoryAdmin):
    list_display = ("personnel", "accompanied_on", "lead", "confirmed_by")
    raw_id_fields = ("personnel", "lead", "confirmed_by")


@admin.register(models.CNCase)
class CNCaseAdmin(HistoryAdmin):
    list_display = ("number", "candidate", "state", "opened_on", "assigned_to")
    list_filter = ("state",)
    search_fields = ("number",)
    raw_id_fields = ("candidate",)


@admin.register(models.CaseTransition)
class CaseTransitionAdmin(admin.ModelAdmin):
    """Not history-tracked (it is itself a history); read-only as case data (admin_limits)."""

    list_display = ("case", "from_state", "to_state", "actor", "at")
    list_filter = ("to_state",)
    raw_id_fields = ("case",)


class SensitiveSummaryAdmin(HistoryAdmin):
    # The Lead's alone on the pages (deliveries.view_sensitive); so here.
    sensitive_fields = ("summary",)


admin.site.register(models.ThreatAssessment, SensitiveSummaryAdmin)
admin.site.register(models.BackgroundCheck, SensitiveSummaryAdmin)

for _model in (
    models.LetterVersion,
    models.TeamAssignment,
    models.SocialServicesPlan,
    models.JPOCheck,
    models.JuvenileDecision,
    models.GuardianContact,
    models.DeliveryAttempt,
    models.AttemptTeamMember,
    models.AfterAction,
    models.AttemptException,
    models.FollowUp,
):
    admin.site.register(_model, HistoryAdmin)


@admin.register(models.AttemptCheck)
class AttemptCheckAdmin(admin.ModelAdmin):
    """The rules' judgement of each attempt (deliveries.checks): written by the services only;
    read-only as case data (admin_limits)."""

    list_display = ("attempt", "rule_id", "status")
    list_filter = ("rule_id", "status")
    raw_id_fields = ("attempt",)
