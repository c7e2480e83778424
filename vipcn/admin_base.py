"""Admin defaults for case-data models: history on every page, read-mostly.

Changes of a case's state go through the services, never the admin: fields that the
lifecycle owns are read-only here.
"""

from simple_history.admin import SimpleHistoryAdmin

from candidates.visibility import records_visible_to


class HistoryAdmin(SimpleHistoryAdmin):
    readonly_fields = ("created_at", "updated_at", "created_by", "version")
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a large table on every page

    def get_queryset(self, request):
        # The admin applies the same limits as the pages: sealed records are absent, and
        # juvenile records need the juvenile-records permission (candidates.visibility).
        return records_visible_to(request.user, super().get_queryset(request))

    def save_model(self, request, obj, form, change):
        if not change and not obj.created_by_id:
            obj.created_by = request.user
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
