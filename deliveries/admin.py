from django.contrib import admin

from candidates.visibility import records_visible_to
from deliveries import models
from vipcn.admin_base import HistoryAdmin

# Reference data kept by administrators.


@admin.register(models.Rank)
class RankAdmin(HistoryAdmin):
    list_display = ("name", "is_command_level", "order")


@admin.register(models.Training)
class TrainingAdmin(HistoryAdmin):
    list_display = ("name", "is_active")


@admin.register(models.Penalty)
class PenaltyAdmin(HistoryAdmin):
    list_display = ("statute", "maximum_penalty", "is_active")
    search_fields = ("statute", "description_en", "description_es")


@admin.register(models.LetterTemplate)
class LetterTemplateAdmin(HistoryAdmin):
    list_display = ("name", "language", "is_active")
    list_filter = ("language", "is_active")


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


# Case records: visible with history; state moves only through the services.


class ReadOnlyCaseAdmin(HistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.CNCase)
class CNCaseAdmin(ReadOnlyCaseAdmin):
    list_display = ("number", "candidate", "state", "opened_on", "assigned_to")
    list_filter = ("state",)
    search_fields = ("number",)
    raw_id_fields = ("candidate",)


@admin.register(models.CaseTransition)
class CaseTransitionAdmin(admin.ModelAdmin):
    list_display = ("case", "from_state", "to_state", "actor", "at")
    list_filter = ("to_state",)
    raw_id_fields = ("case",)

    def get_queryset(self, request):
        return records_visible_to(request.user, super().get_queryset(request))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for _model in (
    models.ThreatAssessment,
    models.BackgroundCheck,
    models.LetterVersion,
    models.TeamAssignment,
    models.SocialServicesPlan,
    models.JPOCheck,
    models.JuvenileDecision,
    models.GuardianContact,
    models.DeliveryAttempt,
    models.AttemptTeamMember,
    models.AfterAction,
    models.FollowUp,
):
    admin.site.register(_model, ReadOnlyCaseAdmin)
