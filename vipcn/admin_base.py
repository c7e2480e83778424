"""Admin base classes for case data (read-only, with history) and reference data (editable).

Case data and SOP rule inputs change only through the pages and their services: in the admin
they are read-only for everyone, history revert included (``HistoryAdmin``, the default for any
model registered with it). Reference data opts in to being edited (``ReferenceDataAdmin``).
The record limits of every admin view are in vipcn.admin_limits.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from vipcn.acting import acting_as
from vipcn.concurrency import StaleEdit, VersionField, lock_for_edit, require_version
from vipcn.pagination import CappedPaginator
from vipcn.roles import ADMINISTRATOR, has_role

# simple_history's change-reason column holds 100 characters.
REASON_MAX_LENGTH = 100


class DeletionReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=REASON_MAX_LENGTH, widget=forms.TextInput(attrs={"size": 80})
    )


# Django's own admin texts, translated by Django's catalogue (kept out of ours on purpose:
# they are variables here, so extraction does not copy them).
DJANGO_QUESTION = (
    "Are you sure you want to delete the %(object_name)s “%(escaped_object)s”? All of the "
    "following related items will be deleted:"
)
DJANGO_TEXTS = {"objects": "Objects", "yes": "Yes, I’m sure", "no": "No, take me back"}


def may_delete(request):
    return has_role(request.user, ADMINISTRATOR)


ESTIMATE_ABOVE = 100_000
# Rows a filtered changelist counts exactly (200 pages of 50); above it says "10000+".
ADMIN_COUNT_CAP = 10_000


class EstimatedCountPaginator(CappedPaginator):
    """A paginator that never COUNT(*)s a whole large table.

    An unfiltered changelist of a table the planner believes holds more than
    ``ESTIMATE_ABOVE`` rows is counted from ``pg_class.reltuples`` (kept by autovacuum and
    ANALYZE) and ``is_estimate`` is set, so that the page says "≈ N" (about N)
    (templates/admin/pagination.html). Any filter or search (and the record limits that
    changelists of records about people always carry) counts exactly up to ``cap`` rows and
    says "N+" above it, as on SQLite.
    """

    cap = ADMIN_COUNT_CAP
    is_estimate = False

    @cached_property
    def count(self):
        estimate = self._estimate()
        if estimate is not None:
            self.is_estimate = True
            return estimate
        return super().count

    def page(self, number):
        self.count  # noqa: B018 - counting (or estimating) first sets is_estimate
        if self.is_estimate:  # read by offset: an estimated count has no list of ids
            return Paginator.page(self, number)
        return super().page(number)

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
    """A history-tracked model: read-only with its history (case data) unless a subclass opts in
    as reference data (``ReferenceDataAdmin``). vipcn.admin_limits applies the record limits."""

    case_data = True  # read-only for everyone; a new case-data model is safe by default
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


class VersionedAdminForm(forms.ModelForm):
    """An admin change form that refuses a stale edit, like every service does
    (vipcn.concurrency): it carries the version the page was loaded with, and its clean locks
    the row (the admin's change view runs in one transaction) and compares."""

    loaded_version = VersionField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            require_version(self.fields["loaded_version"], self.instance)

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            try:
                lock_for_edit(
                    type(self.instance)._default_manager,
                    pk=self.instance.pk,
                    version=data.get("loaded_version"),
                )
            except StaleEdit as exc:
                raise forms.ValidationError(exc.messages) from exc
        return data


class ReferenceDataAdmin(HistoryAdmin):
    """Reference data kept by administrators (ranks, trainings, penalties, letter templates):
    editable, with history. Deleting is for administrators only, one record at a time, with a
    reason that the deletion's history row keeps; a row that any case record or history row
    refers to cannot be deleted (vipcn.admin_limits), so a deletion never changes a case."""

    case_data = False
    delete_confirmation_template = "vipcn/admin/delete_confirmation.html"
    form = VersionedAdminForm

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if "loaded_version" not in fields:
            fields.append("loaded_version")  # a hidden input: the version the page showed
        return fields

    def has_delete_permission(self, request, obj=None):
        return may_delete(request) and super().has_delete_permission(request, obj)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        # The bulk action would delete without asking each record's reason.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        form = DeletionReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and not form.is_valid():
            # Django's view deletes on any non-empty POST; without a reason it must show the
            # confirmation page again, with the form's error.
            request.POST = QueryDict()
        extra_context = {**(extra_context or {}), "reason_form": form}
        reason = form.cleaned_data["reason"] if form.is_bound and form.is_valid() else None
        with acting_as(request.user, reason=reason):
            return super().delete_view(request, object_id, extra_context)

    def render_delete_form(self, request, context):
        context["question"] = format_html(
            "{}",
            gettext(DJANGO_QUESTION)
            % {"object_name": context["object_name"], "escaped_object": context["object"]},
        )
        context["django_texts"] = DJANGO_TEXTS
        return super().render_delete_form(request, context)


class HistoryInline(admin.TabularInline):
    """Rows shown inside another record's page, read-only like it."""

    extra = 0
    can_delete = False
    exclude = ("created_by", "version")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
