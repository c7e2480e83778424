"""Optimistic concurrency for services (no lost updates).

A form carries the ``version`` its object was loaded with (``VersionField``). The service
calls ``lock_for_edit`` inside its transaction: the row is locked, and if someone saved since,
``StaleEdit`` is raised with what they changed, so the view can show it; nothing is written.
After writing, the service calls ``bump`` (or ``save_versioned``).

    @transaction.atomic
    def candidate_update(*, candidate, version, data, actor):
        candidate = lock_for_edit(Candidate.objects, pk=candidate.pk, version=version)
        ...
        save_versioned(candidate)
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

STALE = "stale"


class StaleEdit(ValidationError):
    """Someone saved the record after this form was loaded; ``changes`` says what they did."""

    def __init__(self, current, changes):
        self.current = current
        self.changes = changes
        who = changes[-1].user if changes else None
        super().__init__(
            gettext(
                "%(name)s was changed by %(who)s while you were editing it. Nothing you entered "
                "was saved. Review their change below, then enter yours again."
            )
            % {"name": current, "who": who or gettext("someone else")},
            code=STALE,
        )


class Change:
    def __init__(self, field, old, new, user, when):
        self.field, self.old, self.new, self.user, self.when = field, old, new, user, when

    def __repr__(self):
        return f"Change({self.field!r}: {self.old!r} -> {self.new!r})"


def changes_since(obj, version):
    """Field changes made after ``version``, from django-simple-history, oldest first."""
    history = getattr(obj, "history", None)
    if history is None:
        return []
    records = list(history.filter(version__gte=version).order_by("history_date", "history_id"))
    changes = []
    for older, newer in zip(records, records[1:], strict=False):
        delta = newer.diff_against(older)
        for change in delta.changes:
            if change.field in ("version", "updated_at"):
                continue
            label = obj._meta.get_field(change.field).verbose_name
            changes.append(
                Change(label, change.old, change.new, newer.history_user, newer.history_date)
            )
    return changes


def lock_for_edit(queryset, *, pk, version):
    """The row, locked for this transaction; ``StaleEdit`` if its version is not ``version``.

    ``version`` None: the caller has no form (a management command, an import): the row is
    locked and no version is compared. A form always carries one (``VersionField``)."""
    # Lock this row only: a related row read with it (select_related) may be absent.
    obj = queryset.select_for_update(of=("self",)).get(pk=pk)
    ensure_current(obj, version)
    return obj


def ensure_current(obj, version):
    """``StaleEdit`` unless ``obj`` (locked by the caller) is still at ``version`` (None: no
    form, nothing to compare). The one check every service and the admin use."""
    if version is None:
        return
    try:
        expected = int(version)
    except (TypeError, ValueError):
        expected = -1
    if obj.version != expected:
        raise StaleEdit(obj, changes_since(obj, expected) if expected > 0 else [])


def bump(obj):
    obj.version += 1


def save_versioned(obj, **kwargs):
    bump(obj)
    obj.save(**kwargs)
    return obj


class VersionField(forms.IntegerField):
    """The hidden version a form was loaded with."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault(
            "error_messages",
            {"required": _("The form is incomplete; reload the page and try again.")},
        )
        super().__init__(**kwargs)


def require_version(field, instance):
    """An edit form's version field: required, starting at the instance's version (a form
    posted without it must not skip the stale check)."""
    field.initial = instance.version
    field.required = True
    field.error_messages["required"] = VersionField().error_messages["required"]
