"""The registry in the admin: read-only with its history, for everyone (vipcn.admin_base).

Candidates, their bases, determinations, relationships, groups, shootings and GVIS meetings
are case data and SOP rule inputs: they change only through the pages and their services.
Sealing is the Records Custodian's procedure (/audit/sealing/), not a box ticked here.
"""

from django.contrib import admin

from candidates import models
from vipcn.admin_base import HistoryAdmin, HistoryInline


class AliasInline(HistoryInline):
    model = models.Alias


class AddressInline(HistoryInline):
    model = models.Address


@admin.register(models.Candidate)
class CandidateAdmin(HistoryAdmin):
    list_display = ("last_name", "first_name", "date_of_birth", "status", "assigned_to")
    list_filter = ("status", "sex", "preferred_language")
    search_fields = ("last_name", "first_name", "rms_id")
    raw_id_fields = ("assigned_to", "merged_into")
    readonly_fields = (*HistoryAdmin.readonly_fields, "status", "merged_into", "search_text")
    inlines = [AliasInline, AddressInline]


@admin.register(models.IdentificationBasis)
class IdentificationBasisAdmin(HistoryAdmin):
    list_display = ("candidate", "code", "referral_source", "withdrawn")
    list_filter = ("code", "referral_source", "withdrawn")
    raw_id_fields = ("candidate", "shooting", "gvis_meeting")


@admin.register(models.EligibilityDetermination)
class EligibilityDeterminationAdmin(HistoryAdmin):
    list_display = ("candidate", "determined_on", "eligible", "juvenile", "determined_by")
    list_filter = ("eligible", "juvenile")
    raw_id_fields = ("candidate", "determined_by")


@admin.register(models.Relationship)
class RelationshipAdmin(HistoryAdmin):
    list_display = ("name", "kind", "candidate")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("candidate", "related_candidate")


@admin.register(models.Group)
class GroupAdmin(HistoryAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(models.GroupMembership)
class GroupMembershipAdmin(HistoryAdmin):
    list_display = ("group", "candidate", "since")
    raw_id_fields = ("group", "candidate")


@admin.register(models.Shooting)
class ShootingAdmin(HistoryAdmin):
    list_display = ("case_number", "occurred_on", "location")
    search_fields = ("case_number", "location")
    date_hierarchy = "occurred_on"


@admin.register(models.ShootingInvolvement)
class ShootingInvolvementAdmin(HistoryAdmin):
    list_display = ("shooting", "candidate", "person_name", "role")
    list_filter = ("role",)
    raw_id_fields = ("shooting", "candidate")


@admin.register(models.GVISMeeting)
class GVISMeetingAdmin(HistoryAdmin):
    list_display = ("held_on",)
    filter_horizontal = ("shootings", "groups")
    raw_id_fields = ("candidates",)


@admin.register(models.Alias)
class AliasAdmin(HistoryAdmin):
    list_display = ("name", "candidate")
    search_fields = ("name",)
    raw_id_fields = ("candidate",)


@admin.register(models.Address)
class AddressAdmin(HistoryAdmin):
    list_display = ("candidate", "line1", "city", "is_delivery_address")
    raw_id_fields = ("candidate",)
