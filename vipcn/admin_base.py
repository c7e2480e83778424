"""Admin defaults for case-data models: history on every page, read-mostly.

Changes of a case's state go through the services, never the admin: fields that the
lifecycle owns are read-only here.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from simple_history.admin import SimpleHistoryAdmin

ESTIMATE_ABOVE = 100_000


class EstimatedCountPaginator(Paginator):
    """A paginator that does not COUNT(*) a large unfiltered table on PostgreSQL.

    An unfiltered changelist of a table the planner believes holds more than
    ``ESTIMATE_ABOVE`` rows is counted from ``pg_class.reltuples`` (kept by autovacuum and
    ANALYZE) and ``is_estimate`` is set, so that the page says "≈ N" (about N)
    (templates/admin/pagination.html). Any filter or search counts exactly, as does SQLite.
    """

    is_estimate = False

    @cached_property
    def count(self):
        estimate = self._estimate()
        if estimate is not None:
            self.is_estimate = True
            return estimate
        return super().count

    def _estimate(self):
        qs = self.object_list
        if not isinstance(qs, QuerySet) or qs.query.where or qs.query.distinct:
            return None
        connection = connections[qs.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(qs.model._meta.db_table)],
            )
            row = cursor.fetchone()
        if row is None or row[0] is None or row[0] < ESTIMATE_ABOVE:
            return None
        return int(row[0])


class HistoryAdmin(SimpleHistoryAdmin):
    readonly_fields = ("created_at", "updated_at", "created_by", "version")
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a large table on every page
    paginator = EstimatedCountPaginator

    def save_model(self, request, obj, form, change):
        if not change and not obj.created_by_id:
            obj.created_by = request.user
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
