"""Record limits in every admin view of every registered model (issues 15 and 16).

The admin shows what the pages show, and changes nothing the pages own:

- **Case data and rule inputs are read-only**, for everyone, superusers included: no add,
  change, delete or history revert. That is every model of ``CASE_DATA_APPS`` and every model
  registered with ``vipcn.admin_base.HistoryAdmin``, unless its admin opts in as reference data
  (``case_data = False``, as ``ReferenceDataAdmin`` does). The pages and their services are the
  only way to change them.
- **The pages' record limits** (``candidates.visibility``) hold in every view: querysets
  (changelist, change and history pages, raw-id popups, autocomplete), list-filter choices,
  history rows and the objects a history row or a record refers to. A sealed record is absent
  for everyone, a juvenile one needs the permission, a record about a person follows the person;
  a reference to a record the user may not see is shown as empty.
- **A deletion never touches case data or history**: one that would delete or rewrite any row
  the admin may not change (or any history row) is refused, naming no record.
- **Sensitive fields** (``sensitive_fields`` on a model's admin) are shown, listed, searched and
  diffed only for users granted ``deliveries.view_sensitive`` by a role or by name: being a
  superuser is not enough (the Administrator is one, and does not have it).

``vipcn.admin_site.VipcnAdminSite`` mixes ``RecordLimits`` into every ModelAdmin registered,
Django's and other packages' included, so a model registered later is covered by default.
"""

import dataclasses

from django.contrib.admin import AllValuesFieldListFilter, RelatedFieldListFilter
from django.contrib.admin.utils import (
    NestedObjects,
    NotRelationField,
    get_fields_from_path,
    unquote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, router
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext

from candidates.visibility import candidate_path, records_visible_to

# Apps whose models are case data or SOP rule inputs unless their admin opts in as reference
# data. A model registered with HistoryAdmin in any other app is case data too.
CASE_DATA_APPS = ("candidates", "deliveries")
# Rows the admin never deletes or rewrites as a side effect, whatever app they are in.
UNTOUCHABLE = ("admin.logentry", "vipcn.accesslogentry")
SENSITIVE_PERMISSION = ("deliveries", "view_sensitive")


def granted(user, app_label, codename):
    """Whether a role (group) or the user's own permissions grant the permission.

    Unlike ``user.has_perm`` a superuser flag alone grants nothing: record limits are not an
    administrative power.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    cache = getattr(user, "_vipcn_granted", None)
    if cache is None:
        from django.contrib.auth.models import Permission

        cache = frozenset(
            Permission.objects.filter(models.Q(group__user=user) | models.Q(user=user))
            .values_list("content_type__app_label", "codename")
            .distinct()
        )
        user._vipcn_granted = cache
    return (app_label, codename) in cache


def may_read_sensitive(user):
    return granted(user, *SENSITIVE_PERMISSION)


def is_history_model(model):
    return getattr(model, "instance_type", None) is not None and hasattr(model, "history_id")


def is_case_data(model, site):
    """Whether ``model``'s rows are case data or rule inputs (history rows always are)."""
    if is_history_model(model):
        return True
    model_admin = site._registry.get(model)
    if model_admin is not None and getattr(model_admin, "case_data", None) is not None:
        return bool(model_admin.case_data)
    return model._meta.app_label in CASE_DATA_APPS


def _about_people(model):
    return candidate_path(model) is not None


def visible_keys(user, model, keys, field_name="pk"):
    """The subset of ``keys`` (values of ``field_name`` on ``model``) the user may see."""
    keys = {k for k in keys if k is not None}
    if not keys or not _about_people(model):
        return keys
    qs = model._default_manager.filter(**{f"{field_name}__in": keys})
    return set(records_visible_to(user, qs).values_list(field_name, flat=True))


def hide_unseen_references(user, objs):
    """Blank, on these in-memory objects (of one model), every reference to a record the user
    may not see: a foreign key reads as empty, a many-to-many lists only what may be seen.

    For display only: the admin never saves an object of a model that has such references
    (tests/vipcn/test_admin_walk.py checks that no editable model refers to people).
    """
    objs = [obj for obj in objs if obj is not None]
    if not objs:
        return
    opts = objs[0]._meta
    for field in opts.concrete_fields:
        if not (field.many_to_one or field.one_to_one) or not _about_people(field.related_model):
            continue
        target = field.target_field.attname
        seen = visible_keys(
            user, field.related_model, {getattr(o, field.attname) for o in objs}, target
        )
        for obj in objs:
            if getattr(obj, field.attname) is not None and getattr(obj, field.attname) not in seen:
                setattr(obj, field.attname, None)
                field.set_cached_value(obj, None)
    for field in opts.many_to_many:
        if not _about_people(field.related_model):
            continue
        saved = [obj for obj in objs if obj.pk is not None]
        for obj in saved:
            getattr(obj, "_prefetched_objects_cache", {}).pop(field.name, None)
        visible = records_visible_to(user, field.related_model._default_manager.all())
        prefetch_related_objects(saved, Prefetch(field.name, queryset=visible))


def history_is_visible(user, model, object_id, queryset):
    """Whether the user may see the history of ``model`` row ``object_id``.

    ``queryset`` is the admin's (already limited) queryset. A row that still exists must be in
    it. A row deleted since is judged by the record its last history row belonged to: a record
    about a person is shown only while that person may be seen; a deleted person is not.
    """
    try:
        object_id = model._meta.pk.to_python(object_id)
    except ValidationError:
        return False
    if queryset.filter(pk=object_id).exists():
        return True
    if model._default_manager.filter(pk=object_id).exists():
        return False  # exists, but not for this user
    path = candidate_path(model)
    if path is None:
        return True
    if path == "":
        return False
    manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
    if manager_name is None:
        return False
    history = getattr(model, manager_name).filter(**{model._meta.pk.attname: object_id})
    last = history.order_by("-history_date", "-history_id").first()
    if last is None:
        return False
    first_hop = model._meta.get_field(path.split("__")[0])
    value = getattr(last, first_hop.attname)
    if value is None:
        return True  # about no one (e.g. a person in a shooting who is not a candidate)
    return bool(visible_keys(user, first_hop.related_model, {value}))


class VisibleRelatedFieldListFilter(RelatedFieldListFilter):
    """Choices limited to the related records the user may see."""

    def field_choices(self, field, request, model_admin):
        visible = records_visible_to(request.user, field.related_model._default_manager.all())
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"pk__in": visible.values("pk")},
            ordering=ordering,
        )


class VisibleAllValuesFieldListFilter(AllValuesFieldListFilter):
    """Values of a field across a relation, taken only from records the user may see."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        parent = field.model
        if parent is not model:
            visible = records_visible_to(request.user, parent._default_manager.all())
            self.lookup_choices = (
                visible.distinct().order_by(field.name).values_list(field.name, flat=True)
            )


class LimitedChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        if not self.list_editable:
            self.result_list = list(self.result_list)
            hide_unseen_references(request.user, self.result_list)


class HistoryContextHelper:
    """Formats a history row's changes without sensitive fields or unseen references."""

    def __init__(self, base, *, user, hidden_fields):
        self.base = base
        self.user = user
        self.hidden_fields = hidden_fields

    def context_for_delta_changes(self, delta):
        changes = []
        for change in delta.changes:
            if change.field in self.hidden_fields:
                continue
            old, new = (
                self._limited(change.field, change.old),
                self._limited(change.field, change.new),
            )
            if old == new:
                continue
            changes.append(dataclasses.replace(change, old=old, new=new))
        return self.base.context_for_delta_changes(dataclasses.replace(delta, changes=changes))

    def _limited(self, field_name, value):
        field = self.base.model._meta.get_field(field_name)
        if not field.is_relation or not _about_people(field.related_model):
            return value
        if field.many_to_many:
            from simple_history.utils import get_m2m_reverse_field_name

            name = get_m2m_reverse_field_name(field)
            pks = {getattr(row.get(name), "pk", row.get(name)) for row in value}
            seen = visible_keys(self.user, field.related_model, pks)
            return [row for row in value if getattr(row.get(name), "pk", row.get(name)) in seen]
        if value is None:
            return None
        pk = getattr(value, "pk", value)
        return value if visible_keys(self.user, field.related_model, {pk}) else None


def _exists(batch):
    return batch.exists() if isinstance(batch, models.QuerySet) else bool(batch)


class RecordLimits:
    """Mixed into every registered ModelAdmin by VipcnAdminSite, first in its MRO, so that no
    admin class overrides it (see the module docstring).

    It reads two attributes of the admin class, and defines neither (it would shadow them):
    ``case_data`` (True: read-only; False: reference data, editable; absent: read-only when the
    model's app is in CASE_DATA_APPS) and ``sensitive_fields`` (shown only to users granted
    deliveries.view_sensitive).
    """

    # --- read-only case data

    def is_locked(self):
        return is_case_data(self.model, self.admin_site)

    def has_add_permission(self, request, *args, **kwargs):
        return not self.is_locked() and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return not self.is_locked() and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.is_locked() and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.is_locked():
            # Every field, on every page that shows a form (the history page's too).
            opts = self.model._meta
            for field in [*opts.concrete_fields, *opts.many_to_many]:
                if not field.editable or (field.primary_key and field.auto_created):
                    continue
                if field.many_to_many and not field.remote_field.through._meta.auto_created:
                    continue
                if field.name not in readonly:
                    readonly.append(field.name)
        hidden = self.hidden_fields(request)
        return [name for name in readonly if name not in hidden]

    # --- record limits

    def get_queryset(self, request):
        return records_visible_to(request.user, super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)
        if issubclass(base, LimitedChangeList):
            return base
        return type(f"Limited{base.__name__}", (LimitedChangeList, base), {})

    def get_list_filter(self, request):
        hidden = self.hidden_fields(request)
        specs = []
        for spec in super().get_list_filter(request):
            name = spec[0] if isinstance(spec, (list, tuple)) else spec
            if isinstance(name, str) and name.split("__")[0] in hidden:
                continue
            specs.append(self._limited_filter(spec))
        return specs

    def _limited_filter(self, spec):
        if isinstance(spec, (list, tuple)):
            path, filter_class = spec
            if isinstance(filter_class, type) and issubclass(filter_class, RelatedFieldListFilter):
                return (path, VisibleRelatedFieldListFilter)
            if isinstance(filter_class, type) and issubclass(
                filter_class, AllValuesFieldListFilter
            ):
                return (path, VisibleAllValuesFieldListFilter)
            return spec
        if not isinstance(spec, str):
            return spec  # a SimpleListFilter chooses its own values
        try:
            field = get_fields_from_path(self.model, spec)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return spec
        if field.is_relation:
            return (spec, VisibleRelatedFieldListFilter)
        if "__" in spec and not field.flatchoices:
            if not isinstance(field, (models.BooleanField, models.DateField)):
                return (spec, VisibleAllValuesFieldListFilter)
        return spec

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method != "POST":
            hide_unseen_references(request.user, [obj])
        return obj

    def render_change_form(self, request, context, *args, **kwargs):
        hide_unseen_references(request.user, [context.get("original")])
        for inline_formset in context.get("inline_admin_formsets", ()):
            hide_unseen_references(request.user, [f.instance for f in inline_formset.formset])
        return super().render_change_form(request, context, *args, **kwargs)

    # --- sensitive fields

    def hidden_fields(self, request):
        sensitive = getattr(self, "sensitive_fields", ())
        if sensitive and not may_read_sensitive(request.user):
            return set(sensitive)
        return set()

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or ())
        return [*exclude, *(self.hidden_fields(request) - set(exclude))] or None

    def get_fields(self, request, obj=None):
        hidden = self.hidden_fields(request)
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def get_list_display(self, request):
        hidden = self.hidden_fields(request)
        return [f for f in super().get_list_display(request) if f not in hidden]

    def get_search_fields(self, request):
        # Searching a field is reading it (one search term at a time).
        hidden = self.hidden_fields(request)
        return [
            f
            for f in super().get_search_fields(request)
            if f.lstrip("^=@").split("__")[0] not in hidden
        ]

    # --- deletion

    def get_deleted_objects(self, objs, request):
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        touched = {model for model, instances in collector.data.items() if instances}
        touched |= {
            field.model
            for (field, _value), batches in collector.field_updates.items()
            if any(_exists(batch) for batch in batches)
        }
        touched |= {type(obj) for obj in collector.protected}
        if collector.protected or any(self._untouchable(m) for m in touched):
            # Named records could be a sealed person's: say why, name none.
            reason = gettext(
                "It is referred to by case records or their history, which the admin does not "
                "change. Keep it, or retire it if it has an “in use” box."
            )
            return [], {}, set(), [reason]
        return super().get_deleted_objects(objs, request)

    def _untouchable(self, model):
        return model._meta.label_lower in UNTOUCHABLE or is_case_data(model, self.admin_site)

    # --- history (django-simple-history's views, and Django's own history page)

    def history_view(self, request, object_id, extra_context=None):
        if not history_is_visible(
            request.user, self.model, unquote(object_id), self.get_queryset(request)
        ):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not history_is_visible(
            request.user, self.model, unquote(object_id), self.get_queryset(request)
        ):
            raise Http404
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied  # a revert is a change
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        hide_unseen_references(request.user, [context.get("original")])
        return super().render_history_view(request, template, context, **kwargs)

    def revert_disabled(self, request, obj=None):
        return not self.has_change_permission(request, obj) or super().revert_disabled(request, obj)

    def get_historical_record_context_helper(self, request, historical_record):
        base = super().get_historical_record_context_helper(request, historical_record)
        return HistoryContextHelper(
            base, user=request.user, hidden_fields=self.hidden_fields(request)
        )
