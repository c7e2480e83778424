"""Candidate pages: list and search, the candidate page, create and edit with the duplicate
check, bases, determination, relationships, aliases and addresses, duplicates and merge."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from candidates import forms, policy, selectors, services
from candidates.juvenile import adult_cutoff
from candidates.models import Address, Alias, IdentificationBasis, Relationship
from candidates.views.common import apply_errors, get_candidate, get_child, paginate
from candidates.visibility import candidates_visible_to


def candidate_list(request):
    form = forms.CandidateFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, selectors.candidate_list(request.user, filters=filters))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "candidates/people/list.html",
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            "today": timezone.localdate(),
            "juvenile_cutoff": adult_cutoff(timezone.localdate()),
        },
    )


def candidate_detail(request, pk):
    candidate = selectors.candidate_for_page(request.user, pk)
    if candidate is None:
        raise Http404(_("No such candidate."))
    determinations = list(candidate.determinations.all())
    latest = determinations[0] if determinations else None
    subject = policy.for_candidate(
        candidate,
        on_date=latest.determined_on if latest else None,
        determined_by=latest.determined_by if latest else None,
    )
    bases = list(candidate.bases.all())
    for basis in bases:
        # What keeps a basis from counting on the day of identification (shown in red).
        basis.problems = (
            []
            if basis.withdrawn
            else [
                str(m)
                for e in policy.basis_errors(
                    basis, juvenile=subject.juvenile, on_date=subject.on_date
                )
                for m in e.messages
            ]
        )
    return render(
        request,
        "candidates/people/detail.html",
        {
            "candidate": candidate,
            "today": timezone.localdate(),
            "juvenile": subject.juvenile,
            "juvenile_today": candidate.is_juvenile_on(timezone.localdate()),
            "bases": bases,
            "checklist": policy.checklist(subject),
            "eligible_now": policy.is_eligible(subject),
            "latest_determination": latest,
            "determinations": determinations,
            "history": selectors.candidate_history(candidate, user=request.user),
            "visible_merged": candidates_visible_to(request.user, candidate.merged_records.all()),
        },
    )


def candidate_create(request):
    form = forms.CandidateCreateForm(request.POST or None)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.CANDIDATE_FIELDS}
        aliases = form.alias_list()
        duplicates = selectors.possible_duplicates(
            request.user,
            first_name=data["first_name"],
            middle_name=data["middle_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            aliases=aliases,
        )
        if duplicates and not form.cleaned_data["different_person"]:
            form.add_error(
                "different_person",
                _(
                    "Records like this one already exist (below). Open the existing record, "
                    "or tick this box to confirm this is a different person."
                ),
            )
        else:
            try:
                candidate = services.candidate_create(actor=request.user, aliases=aliases, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Candidate %(name)s registered. Add the identification bases next.")
                    % {"name": candidate.full_name},
                )
                return redirect("candidates:detail", pk=candidate.pk)
    return render(
        request,
        "candidates/people/form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
    )


def candidate_edit(request, pk):
    candidate = get_candidate(request, pk)
    form = forms.CandidateForm(request.POST or None, instance=candidate)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.CANDIDATE_FIELDS}
        try:
            services.candidate_update(
                candidate=candidate,
                actor=request.user,
                version=form.cleaned_data["version"],
                **data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Candidate saved."))
            return redirect("candidates:detail", pk=pk)
    return render(request, "candidates/people/form.html", {"form": form, "candidate": candidate})


# --- bases and determination


def basis_add(request, pk):
    candidate = get_candidate(request, pk)
    juvenile = candidate.is_juvenile_on(timezone.localdate())
    form = forms.BasisForm(request.POST or None, juvenile=juvenile, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.BASIS_FIELDS}
        try:
            services.basis_add(candidate=candidate, actor=request.user, **data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                apply_errors(form, exc)
            else:
                form.add_policy_errors(exc)
        else:
            messages.success(request, _("Basis added. Record the determination when ready."))
            return redirect("candidates:detail", pk=pk)
    return render(
        request,
        "candidates/people/basis_form.html",
        {
            "form": form,
            "candidate": candidate,
            "juvenile": juvenile,
            "allowed_sources": policy.allowed_referral_sources(juvenile),
        },
    )


def basis_withdraw(request, pk, basis_pk):
    basis = get_child(request, IdentificationBasis, basis_pk, pk)
    candidate = basis.candidate
    form = forms.WithdrawBasisForm(request.POST or None, initial={"version": basis.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.basis_withdraw(
                basis=basis,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Basis withdrawn; it no longer counts."))
            return redirect("candidates:detail", pk=pk)
    return render(
        request,
        "candidates/people/basis_withdraw.html",
        {"form": form, "candidate": candidate, "basis": basis},
    )


def determination_record(request, pk):
    candidate = get_candidate(request, pk)
    form = forms.DeterminationForm(request.POST or None, initial={"version": candidate.version})
    on_date = timezone.localdate()
    if form.is_bound and form.is_valid():
        on_date = form.cleaned_data["determined_on"]
    subject = policy.for_candidate(candidate, on_date=on_date, determined_by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            determination = services.determination_record(
                candidate=candidate,
                actor=request.user,
                determined_on=form.cleaned_data["determined_on"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if determination.eligible:
                messages.success(request, _("Determination recorded: eligible."))
            else:
                messages.warning(
                    request,
                    _("Determination recorded: not eligible. The rules not met are listed."),
                )
            return redirect("candidates:detail", pk=pk)
    return render(
        request,
        "candidates/people/determination_form.html",
        {
            "form": form,
            "candidate": candidate,
            "checklist": policy.checklist(subject),
            "eligible": policy.is_eligible(subject),
            "juvenile": subject.juvenile,
        },
    )


# --- relationships


def relationship_add(request, pk):
    candidate = get_candidate(request, pk)
    form = forms.RelationshipForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.RELATIONSHIP_FIELDS}
        try:
            services.relationship_add(candidate=candidate, actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Relationship added."))
            return redirect("candidates:detail", pk=pk)
    return render(
        request,
        "candidates/people/relationship_form.html",
        {"form": form, "candidate": candidate},
    )


def relationship_edit(request, pk, rel_pk):
    relationship = get_child(request, Relationship, rel_pk, pk)
    form = forms.RelationshipForm(request.POST or None, instance=relationship, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.RELATIONSHIP_FIELDS}
        try:
            services.relationship_update(
                relationship=relationship,
                actor=request.user,
                version=form.cleaned_data["version"],
                **data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Relationship saved."))
            return redirect("candidates:detail", pk=pk)
    return render(
        request,
        "candidates/people/relationship_form.html",
        {"form": form, "candidate": relationship.candidate, "relationship": relationship},
    )


# --- aliases and addresses


def names_addresses(request, pk):
    """Aliases and addresses of a candidate."""
    candidate = get_candidate(request, pk)
    return _names_page(request, candidate, forms.AliasForm())


def _names_page(request, candidate, alias_form):
    return render(
        request,
        "candidates/people/names_addresses.html",
        {
            "candidate": candidate,
            "alias_form": alias_form,
            "aliases": candidate.aliases.all(),
            "addresses": candidate.addresses.all(),
        },
    )


@require_POST
def alias_add(request, pk):
    candidate = get_candidate(request, pk)
    form = forms.AliasForm(request.POST)
    if form.is_valid():
        try:
            services.alias_add(
                candidate=candidate, name=form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Alias added."))
            return redirect("candidates:aliases", pk=pk)
    return _names_page(request, candidate, form)


@require_POST
def alias_remove(request, pk, alias_pk):
    alias = get_child(request, Alias, alias_pk, pk)
    try:
        services.alias_remove(alias=alias, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Alias removed."))
    return redirect("candidates:aliases", pk=pk)


def address_add(request, pk):
    candidate = get_candidate(request, pk)
    form = forms.AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.ADDRESS_FIELDS}
        try:
            services.address_add(candidate=candidate, actor=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Address added."))
            return redirect("candidates:aliases", pk=pk)
    return render(
        request, "candidates/people/address_form.html", {"form": form, "candidate": candidate}
    )


def address_edit(request, pk, address_pk):
    address = get_child(request, Address, address_pk, pk)
    form = forms.AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.ADDRESS_FIELDS}
        try:
            services.address_update(
                address=address,
                actor=request.user,
                version=form.cleaned_data["version"],
                **data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Address saved."))
            return redirect("candidates:aliases", pk=pk)
    return render(
        request,
        "candidates/people/address_form.html",
        {"form": form, "candidate": address.candidate, "address": address},
    )


@require_POST
def address_remove(request, pk, address_pk):
    address = get_child(request, Address, address_pk, pk)
    try:
        services.address_remove(address=address, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Address removed."))
    return redirect("candidates:aliases", pk=pk)


# --- duplicates and merge


def duplicates(request, pk):
    candidate = get_candidate(request, pk)
    return render(
        request,
        "candidates/people/duplicates.html",
        {"candidate": candidate, "duplicates": selectors.duplicates_of(request.user, candidate)},
    )


def merge(request, pk):
    """Merge this record (the duplicate) into another (the one kept)."""
    source = get_candidate(request, pk)
    target = None
    target_pk = request.POST.get("target") or request.GET.get("into")
    if target_pk and str(target_pk).isdecimal():
        target = candidates_visible_to(
            request.user, source.__class__.objects.filter(pk=int(target_pk))
        ).first()
    form = forms.MergeForm(
        request.POST or None,
        initial={
            "target": target.pk if target else None,
            "source_version": source.version,
            "target_version": target.version if target else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        if target is None:
            form.add_error("target", _("No candidate you can see has this record number."))
        else:
            try:
                services.candidate_merge(
                    source=source,
                    target=target,
                    actor=request.user,
                    source_version=form.cleaned_data["source_version"],
                    # The hidden version belongs to the record the page was opened for.
                    target_version=form.cleaned_data["target_version"]
                    if str(target.pk) == request.GET.get("into")
                    else None,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Record %(source)s merged into this record.") % {"source": source.pk},
                )
                return redirect("candidates:detail", pk=target.pk)
    moving = [
        (_("Identification bases"), source.bases.count()),
        (_("Eligibility determinations"), source.determinations.count()),
        (_("Relationships"), source.relationships.count()),
        (_("Aliases"), source.aliases.count()),
        (_("Addresses"), source.addresses.count()),
        (_("Shootings"), source.shooting_involvements.count()),
        (_("Group memberships"), source.group_memberships.count()),
        (_("CN cases"), source.cases.count()),
    ]
    return render(
        request,
        "candidates/people/merge.html",
        {"form": form, "candidate": source, "target": target, "moving": moving},
    )
