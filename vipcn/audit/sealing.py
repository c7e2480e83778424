"""Pages of the sealing procedure: the Records Custodian seals and unseals (with the court
order and a reason), the auditor reads every sealing and unsealing. The steps themselves are
in vipcn.security.custodian."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from candidates.models import Candidate, SealingEvent
from vipcn.audit.sealing_forms import FindRecordForm, SealForm, UnsealForm
from vipcn.models import AccessLogEntry
from vipcn.security import audit, custodian

PAGE_SIZE = 50


def sealing(request):
    """The custodian's page: find the record a court order names, and the sealed records (by
    number only: opening one is a logged step of its own)."""
    form = FindRecordForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        found = list(
            custodian.records_to_seal(request.user, **form.cleaned_data).order_by("pk")[:20]
        )
    return render(
        request,
        "vipcn/audit/sealing.html",
        {"form": form, "found": found, "sealed": custodian.sealed_records(request.user)},
    )


def seal(request, candidate_pk):
    candidate = custodian.records_to_seal(request.user, record_number=candidate_pk).first()
    if candidate is None:
        raise Http404
    form = SealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            custodian.record_seal(
                actor=request.user, candidate_pk=candidate.pk, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Record %(pk)s is sealed.") % {"pk": candidate.pk})
            return redirect("audit:sealing")
    pks = custodian.person_records(candidate)
    return render(
        request,
        "vipcn/audit/seal.html",
        {
            "candidate": candidate,
            "form": form,
            "juvenile_on": custodian.juvenile_on_record(pks),
            "other_records": [pk for pk in pks if pk != candidate.pk],
        },
    )


def unseal(request, candidate_pk):
    if not custodian.sealed_record_exists_for(request.user, candidate_pk):
        raise Http404
    form = UnsealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            custodian.record_unseal(
                actor=request.user, candidate_pk=candidate_pk, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Record %(pk)s is unsealed.") % {"pk": candidate_pk})
            return redirect("audit:sealing")
    return render(
        request,
        "vipcn/audit/unseal.html",
        {
            "record_number": candidate_pk,
            "form": form,
            "events": SealingEvent.objects.filter(candidate=candidate_pk).select_related(
                "acted_by"
            ),
            "other_records": [
                pk
                for pk in custodian.person_records(Candidate.objects.get(pk=candidate_pk))
                if pk != candidate_pk
            ],
        },
    )


def sealing_events(request):
    """The auditor's list of every sealing and unsealing (by record number)."""
    events = SealingEvent.objects.select_related("acted_by")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record(AccessLogEntry.Action.AUDIT_READ, request=request, detail="sealings")
    return render(request, "vipcn/audit/sealing_events.html", {"page": page})
