"""Auditor pages: the access log with filters, and who viewed / changed a record."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from vipcn.audit.forms import AccessLogFilterForm
from vipcn.models import AccessLogEntry
from vipcn.security import audit
from vipcn.security.custodian import sealed_record_exists_for, sealed_record_open
from vipcn.security.forms import SealedRecordReasonForm

PAGE_SIZE = 50
# Before issue 16 the log filed these pages' ids (a shooting's, a group's, a GVIS meeting's)
# under "candidate"; such entries are not views of the candidate with that number.
MISFILED_AS_CANDIDATE = [
    f"candidates:{name}"
    for name in (
        "shooting_detail",
        "shooting_edit",
        "involvement_add",
        "involvement_remove",
        "gvis_detail",
        "gvis_edit",
        "group_detail",
        "group_edit",
        "group_member_add",
        "group_member_remove",
    )
]


def _history_model(object_type):
    from candidates.models import Candidate
    from deliveries.models import CNCase

    return {"candidate": Candidate, "case": CNCase}.get(object_type)


def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    entries = AccessLogEntry.objects.select_related("user")
    if form.is_bound and form.is_valid():
        entries = form.filter(entries)
    elif form.is_bound:
        entries = entries.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record(
        AccessLogEntry.Action.AUDIT_READ,
        request=request,
        detail=("filters: " + request.GET.urlencode())[:500] if request.GET else "",
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "vipcn/audit/log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def object_audit(request, object_type, key):
    """Who viewed and who changed one candidate or case."""
    model = _history_model(object_type)
    if model is None:
        raise Http404
    object_id = key
    record = model.objects.filter(pk=object_id).first()
    key = str(object_id)
    # An auditor reading this page is logged too, but is not someone who opened the record.
    viewed = (
        AccessLogEntry.objects.filter(
            Q(object_type=object_type, object_id=key) | Q(**{f"object_refs__{object_type}": key})
        )
        .exclude(action=AccessLogEntry.Action.AUDIT_READ)
        .exclude(object_type="candidate", view_name__in=MISFILED_AS_CANDIDATE)
        .select_related("user")
    )
    viewed_page = Paginator(viewed, PAGE_SIZE).get_page(request.GET.get("page"))
    changes = model.history.filter(id=object_id).select_related("history_user")[:200]
    audit.record(
        AccessLogEntry.Action.AUDIT_READ,
        request=request,
        object_type=object_type,
        object_id=key,
        object_refs={object_type: key},
        detail="who viewed / who changed",
    )
    return render(
        request,
        "vipcn/audit/object.html",
        {
            "object_type": object_type,
            "object_id": object_id,
            "record_label": _record_label(request.user, model, record),
            "viewed_page": viewed_page,
            "changes": changes,
        },
    )


def _record_label(user, model, record):
    from candidates.visibility import records_visible_to

    if record is None:
        return _("(no longer present)")
    # The auditor reads who did what, not the records: a sealed or juvenile record's name
    # stays hidden here as everywhere else.
    if not records_visible_to(user, model.objects.filter(pk=record.pk)).exists():
        return _("(sealed or juvenile record: not shown)")
    return str(record)


def sealed_record(request, candidate_pk):
    """A records custodian opens a sealed record by giving a reason; 404 for anyone else."""
    if not sealed_record_exists_for(request.user, candidate_pk):
        raise Http404
    form = SealedRecordReasonForm(request.POST or None)
    candidate = None
    if request.method == "POST" and form.is_valid():
        try:
            candidate = sealed_record_open(
                actor=request.user,
                candidate_pk=candidate_pk,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error("reason", exc)
    return render(
        request,
        "vipcn/audit/sealed_record.html",
        {"form": form, "candidate": candidate, "opened_at": timezone.now()},
    )
