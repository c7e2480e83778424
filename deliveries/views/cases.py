"""CN case pages: list, "my work", the Lead's approval queue, the case page with its
preparation checklist and forms, the letter preview and PDF. Views are thin: fetch through
``case_for``, call a service, turn its ValidationError into form errors or messages."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from candidates.models import Candidate
from candidates.visibility import candidates_visible_to
from deliveries import letters
from deliveries.forms import preparation as forms
from deliveries.models import CNCase, LetterVersion, TeamAssignment
from deliveries.policy.personnel import load_deliverer_states
from deliveries.policy.preparation import case_states
from deliveries.policy.subjects import case_juvenile
from deliveries.selectors.common import case_for, visible_cases
from deliveries.services import preparation as services
from deliveries.timeline import case_timeline
from vipcn.roles import LEAD, STAFF, has_role
from vipcn.security.records import note_record

PAGE_SIZE = 25


def _candidate_url(candidate):
    try:
        return reverse("candidates:detail", args=[candidate.pk])
    except NoReverseMatch:
        return ""


def _with_checklist_data(queryset):
    """What the checklist reads, fetched for a whole page of cases at once."""
    return queryset.select_related(
        "candidate",
        "determination",
        "assigned_to",
        "threat_assessment",
        "background_check",
        "social_services",
        "jpo_check",
        "juvenile_decision",
        "planned_guardian",
        "approved_by",
    ).prefetch_related(
        "letter_versions__penalties",
        "guardian_contacts",
        Prefetch("team", queryset=TeamAssignment.objects.select_related("personnel__rank")),
        "candidate__determinations__determined_by",
        "candidate__bases",
    )


def _load_team_states(cases, as_of):
    """Every planned officer's DLV-* answers at ``as_of``, in one query for the page."""
    load_deliverer_states([member.personnel for case in cases for member in case.team.all()], as_of)


def _rows(cases):
    rows = []
    memo = {}  # each officer's DLV-* check runs once per page, not once per case
    cases = list(cases)
    now = timezone.now()
    _load_team_states(cases, now)
    for case in cases:
        states = case_states(case, now, memo=memo)
        rows.append(
            {
                "case": case,
                "waiting_for": [s for s in states if s.unmet],
                "juvenile": case_juvenile(case),
            }
        )
    return rows


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- lists ---------------------------------------------------------------------------------


def case_list(request):
    queryset = visible_cases(request.user).select_related("candidate", "assigned_to")
    state = request.GET.get("state", "")
    if state in CNCase.State.values:
        queryset = queryset.filter(state=state)
    else:
        state = ""
    query = request.GET.get("q", "").strip()[:100]
    if query:
        queryset = queryset.filter(
            Q(number__icontains=query)
            | Q(candidate__last_name__icontains=query)
            | Q(candidate__first_name__icontains=query)
        )
    page = _page(request, queryset)
    return render(
        request,
        "deliveries/cases/list.html",
        {"page": page, "states": CNCase.State.choices, "state": state, "q": query},
    )


def my_work(request):
    queryset = _with_checklist_data(
        visible_cases(request.user).filter(
            assigned_to=request.user, state__in=(CNCase.State.PREPARING, CNCase.State.READY)
        )
    ).order_by("opened_on", "pk")
    page = _page(request, queryset)
    return render(
        request, "deliveries/cases/my_work.html", {"page": page, "rows": _rows(page.object_list)}
    )


def approval_queue(request):
    queryset = _with_checklist_data(
        visible_cases(request.user).filter(state=CNCase.State.PREPARING)
    ).order_by("opened_on", "pk")
    page = _page(request, queryset)
    rows = _rows(page.object_list)
    for row in rows:
        # Only P-APPROVE itself left: the Lead can sign off now.
        row["ready"] = [s.id for s in row["waiting_for"]] == ["P-APPROVE"]
    rows.sort(key=lambda r: not r["ready"])
    return render(request, "deliveries/cases/approval_queue.html", {"page": page, "rows": rows})


# --- the case page -------------------------------------------------------------------------


def _forms_for(request, case, bound=None):
    """Every preparation form of the case page; ``bound`` replaces one with a bound form."""
    guardians = services.parent_or_guardian_choices(case)
    threat = getattr(case, "threat_assessment", None) if _has(case, "threat_assessment") else None
    background = getattr(case, "background_check", None) if _has(case, "background_check") else None
    may_read = services.may_read_sensitive(request.user)

    def initial_check(item):
        if item is None or not may_read:
            return {}
        return {
            "completed_by": item.completed_by,
            "completed_on": item.completed_on,
            "summary": item.summary,
        }

    social = case.social_services if _has(case, "social_services") else None
    jpo = case.jpo_check if _has(case, "jpo_check") else None
    decision = case.juvenile_decision if _has(case, "juvenile_decision") else None
    latest = case.letter_versions.order_by("-number").first()

    def url(name):
        return reverse(f"cases:{name}", args=[case.pk])

    built = {
        "threat": forms.CompletedCheckForm(
            case=case, action=url("threat"), initial=initial_check(threat)
        ),
        "background": forms.CompletedCheckForm(
            case=case, action=url("background"), initial=initial_check(background)
        ),
        "letter": forms.LetterDraftForm(
            case=case,
            action=url("letter_draft"),
            initial={
                "body": (latest.source or latest.template.body) if latest else "",
                "penalties": [p.pk for p in latest.penalties.all()] if latest else [],
                **({"template": latest.template_id} if latest else {}),
            },
        ),
        "no_letter": forms.NoLetterForm(
            case=case, action=url("no_letter"), initial={"reason": case.no_letter_reason}
        ),
        "team": forms.TeamMemberForm(case=case, action=url("team_add")),
        "social": forms.SocialServicesForm(
            case=case,
            action=url("social"),
            initial={
                "organization": social.organization,
                "contact_person": social.contact_person,
                "phone": social.phone,
                "notes": social.notes,
            }
            if social
            else {},
        ),
        "jpo": forms.JPOCheckForm(
            case=case,
            action=url("jpo"),
            initial={
                "contacted_on": jpo.contacted_on,
                "jpo_contact": jpo.jpo_contact,
                "on_probation": "yes" if jpo.on_probation else "no",
                "probation_officer": jpo.probation_officer,
                "notes": jpo.notes,
            }
            if jpo
            else {},
        ),
        "decision": forms.JuvenileDecisionForm(
            case=case,
            action=url("juvenile_decision"),
            initial={
                "decision": decision.decision,
                "services_status": decision.services_status,
                "probation_relationship": decision.probation_relationship,
            }
            if decision
            else {},
        ),
        "guardian_contact": forms.GuardianContactForm(
            case=case, guardians=guardians, action=url("guardian_contact")
        ),
        "planned_guardian": forms.PlannedGuardianForm(
            case=case, guardians=guardians, action=url("planned_guardian")
        ),
        "withdraw": forms.WithdrawForm(case=case, action=url("withdraw")),
    }
    if bound is not None:
        name, form = bound
        form.helper.form_action = built[name].helper.form_action
        built[name] = form
    return built


def _has(case, attribute):
    try:
        getattr(case, attribute)
    except ObjectDoesNotExist:
        return False
    return True


def _detail_context(request, case, bound=None):
    case = (
        _with_checklist_data(CNCase.objects.filter(pk=case.pk))
        .select_related("no_letter_by", "created_by")
        .get()
    )
    now = timezone.now()
    _load_team_states([case], now)
    states = case_states(case, now)
    letters_qs = case.letter_versions.select_related("template", "accepted_by", "created_by")
    latest = letters_qs.order_by("-number").first()
    accepted = next((v for v in letters_qs if v.accepted_at), None)
    juvenile = case_juvenile(case)
    is_lead = has_role(request.user, LEAD)
    works = has_role(request.user, STAFF, LEAD)
    editable = works and case.state in (CNCase.State.PREPARING, CNCase.State.READY)
    return {
        "case": case,
        "candidate": case.candidate,
        "candidate_url": _candidate_url(case.candidate),
        "juvenile": juvenile,
        "age": case.candidate.age,
        "states": states,
        "unmet": [s for s in states if s.unmet],
        "lapse": services.lapse_note_for(case),
        "forms": _forms_for(request, case, bound) if editable else {},
        "editable": editable,
        "is_lead": is_lead,
        "may_read_sensitive": services.may_read_sensitive(request.user),
        "threat": case.threat_assessment if _has(case, "threat_assessment") else None,
        "background": case.background_check if _has(case, "background_check") else None,
        "letters": list(letters_qs),
        "latest_letter": latest,
        "accepted_letter": accepted,
        "team": [
            (
                member,
                forms.TeamRemoveForm(
                    case=case,
                    action=reverse("cases:team_remove", args=[case.pk]),
                    initial={"member": member.pk},
                )
                if editable
                else None,
            )
            for member in case.team.all()
        ],
        "accept_form": forms.LetterAcceptForm(
            case=case,
            action=reverse("cases:letter_accept", args=[case.pk]),
            initial={"letter": latest.pk},
        )
        if editable and is_lead and latest and accepted is None
        else None,
        "social": case.social_services if _has(case, "social_services") else None,
        "jpo": case.jpo_check if _has(case, "jpo_check") else None,
        "decision": case.juvenile_decision if _has(case, "juvenile_decision") else None,
        "guardian_contacts": list(case.guardian_contacts.select_related("guardian")),
        "timeline": case_timeline(case),
        "approve_form": forms.ApproveForm(
            case=case, action=reverse("cases:approve", args=[case.pk])
        )
        if is_lead and case.state == CNCase.State.PREPARING
        else None,
        "open": case.is_open,
    }


def case_detail(request, pk):
    case = case_for(request.user, pk)
    return render(request, "deliveries/cases/detail.html", _detail_context(request, case))


def case_open(request, candidate_pk):
    candidate = get_object_or_404(candidates_visible_to(request.user), pk=candidate_pk)
    User = get_user_model()
    users = (
        User.objects.filter(is_active=True, groups__name__in=[STAFF, LEAD])
        .distinct()
        .order_by("last_name", "first_name")
    )
    data = request.POST if request.method == "POST" else None
    form = forms.OpenCaseForm(data, users=users)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(
                candidate=candidate,
                actor=request.user,
                assigned_to=form.cleaned_data["assigned_to"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("CN case %(number)s opened.") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    existing = candidate.cases.filter(state__in=CNCase.OPEN_STATES).first()
    return render(
        request,
        "deliveries/cases/open.html",
        {
            "candidate": candidate,
            "form": form,
            "existing": existing,
            "eligible": candidate.status == Candidate.Status.ELIGIBLE,
            "candidate_url": _candidate_url(candidate),
        },
    )


# --- preparation steps (POST) ----------------------------------------------------------------


def _step(request, pk, *, name, form_class, call, success, form_kwargs=None):
    """Validate the form, call the service; on refusal show the case page with the errors."""
    case = case_for(request.user, pk)
    if request.method != "POST":
        return redirect(reverse("cases:detail", args=[case.pk]) + f"#{name}")
    kwargs = form_kwargs(case) if form_kwargs else {}
    form = form_class(request.POST, case=case, **kwargs)
    if form.is_valid():
        try:
            call(case, form.cleaned_data)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "stale" or any(
                e.code == "stale" for e in exc.error_list
            ):
                messages.error(request, exc.messages[0])
                return redirect(reverse("cases:detail", args=[case.pk]) + f"#{name}")
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, success)
            return redirect(reverse("cases:detail", args=[case.pk]) + f"#{name}")
    context = _detail_context(request, case, bound=(name, form) if name else None)
    return render(request, "deliveries/cases/detail.html", context, status=400)


def _v(data):
    return data["version"]


def threat(request, pk):
    return _step(
        request,
        pk,
        name="threat",
        form_class=forms.CompletedCheckForm,
        call=lambda case, d: services.threat_assessment_record(
            case=case,
            version=_v(d),
            completed_by=d["completed_by"],
            completed_on=d["completed_on"],
            summary=d["summary"],
            actor=request.user,
        ),
        success=_("Threat assessment recorded."),
    )


def background(request, pk):
    return _step(
        request,
        pk,
        name="background",
        form_class=forms.CompletedCheckForm,
        call=lambda case, d: services.background_check_record(
            case=case,
            version=_v(d),
            completed_by=d["completed_by"],
            completed_on=d["completed_on"],
            summary=d["summary"],
            actor=request.user,
        ),
        success=_("Background check recorded."),
    )


def letter_draft(request, pk):
    return _step(
        request,
        pk,
        name="letter",
        form_class=forms.LetterDraftForm,
        call=lambda case, d: services.letter_draft(
            case=case,
            version=_v(d),
            template=d["template"],
            penalties=d["penalties"],
            body=d["body"],
            actor=request.user,
        ),
        success=_("A new letter version was saved."),
    )


def _letter(case, data):
    try:
        return case.letter_versions.get(pk=data["letter"])
    except LetterVersion.DoesNotExist:
        raise ValidationError(_("That letter version does not belong to this case.")) from None


def letter_accept(request, pk):
    return _step(
        request,
        pk,
        name="letter",
        form_class=forms.LetterAcceptForm,
        call=lambda case, d: services.letter_accept(
            case=case, version=_v(d), letter=_letter(case, d), actor=request.user
        ),
        success=_("The letter was accepted; this version is now final."),
    )


def no_letter(request, pk):
    return _step(
        request,
        pk,
        name="no_letter",
        form_class=forms.NoLetterForm,
        call=lambda case, d: services.no_letter_record(
            case=case, version=_v(d), reason=d["reason"], actor=request.user
        ),
        success=_("Recorded why no letter is warranted."),
    )


def team_add(request, pk):
    return _step(
        request,
        pk,
        name="team",
        form_class=forms.TeamMemberForm,
        call=lambda case, d: services.team_member_add(
            case=case,
            version=_v(d),
            personnel=d["personnel"],
            role=d["role"],
            actor=request.user,
        ),
        success=_("Added to the delivery team."),
    )


def _member(case, data):
    try:
        return case.team.get(pk=data["member"])
    except TeamAssignment.DoesNotExist:
        raise ValidationError(_("That person is not on this case's team.")) from None


def team_remove(request, pk):
    return _step(
        request,
        pk,
        name="team",
        form_class=forms.TeamRemoveForm,
        call=lambda case, d: services.team_member_remove(
            case=case, version=_v(d), member=_member(case, d), actor=request.user
        ),
        success=_("Removed from the delivery team."),
    )


def social(request, pk):
    return _step(
        request,
        pk,
        name="social",
        form_class=forms.SocialServicesForm,
        call=lambda case, d: services.social_services_record(
            case=case,
            version=_v(d),
            organization=d["organization"],
            contact_person=d["contact_person"],
            phone=d["phone"],
            notes=d["notes"],
            actor=request.user,
        ),
        success=_("Social services plan recorded."),
    )


def jpo(request, pk):
    return _step(
        request,
        pk,
        name="jpo",
        form_class=forms.JPOCheckForm,
        call=lambda case, d: services.jpo_check_record(
            case=case,
            version=_v(d),
            contacted_on=d["contacted_on"],
            jpo_contact=d["jpo_contact"],
            on_probation=d["on_probation"],
            probation_officer=d["probation_officer"],
            notes=d["notes"],
            actor=request.user,
        ),
        success=_("Juvenile Probation Office contact recorded."),
    )


def juvenile_decision(request, pk):
    return _step(
        request,
        pk,
        name="decision",
        form_class=forms.JuvenileDecisionForm,
        call=lambda case, d: services.juvenile_decision_record(
            case=case,
            version=_v(d),
            decision=d["decision"],
            services_status=d["services_status"],
            probation_relationship=d["probation_relationship"],
            actor=request.user,
        ),
        success=_("The decision was recorded."),
    )


def _guardians(case):
    return {"guardians": services.parent_or_guardian_choices(case)}


def guardian_contact(request, pk):
    return _step(
        request,
        pk,
        name="guardian_contact",
        form_class=forms.GuardianContactForm,
        form_kwargs=_guardians,
        call=lambda case, d: services.guardian_contact_record(
            case=case,
            version=_v(d),
            guardian=d["guardian"],
            attempted_on=d["attempted_on"],
            method=d["method"],
            result=d["result"],
            notes=d["notes"],
            actor=request.user,
        ),
        success=_("Contact attempt recorded."),
    )


def planned_guardian(request, pk):
    return _step(
        request,
        pk,
        name="planned_guardian",
        form_class=forms.PlannedGuardianForm,
        form_kwargs=_guardians,
        call=lambda case, d: services.planned_guardian_set(
            case=case, version=_v(d), guardian=d["guardian"], actor=request.user
        ),
        success=_("Parent or guardian planned to be present recorded."),
    )


def withdraw(request, pk):
    return _step(
        request,
        pk,
        name="withdraw",
        form_class=forms.WithdrawForm,
        call=lambda case, d: services.case_withdraw(
            case=case, version=_v(d), reason=d["reason"], actor=request.user
        ),
        success=_("The case was withdrawn."),
    )


@require_POST
def approve(request, pk):
    case = case_for(request.user, pk)
    form = forms.ApproveForm(request.POST, case=case)
    if not form.is_valid():
        messages.error(request, _("The approval form was incomplete; reload the page."))
        return redirect("cases:detail", pk=case.pk)
    try:
        services.case_approve(case=case, version=form.cleaned_data["version"], actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("%(number)s is approved and ready to deliver.") % {"number": case.number}
        )
    return redirect("cases:detail", pk=case.pk)


# --- letters -------------------------------------------------------------------------------


def _letter_version(request, pk):
    case = case_for(request.user, pk)
    versions = case.letter_versions.select_related("template", "accepted_by")
    number = request.GET.get("v", "")
    if number.isdecimal():
        letter = versions.filter(number=int(number)).first()
    else:
        letter = versions.filter(accepted_at__isnull=False).first() or versions.first()
    if letter is None:
        raise Http404(_("This case has no letter yet."))
    note_record(request, "letter", letter.pk)  # the version shown, for the access log
    return case, letter


def letter_preview(request, pk):
    case, letter = _letter_version(request, pk)
    return render(
        request,
        "deliveries/cases/letter_preview.html",
        {"case": case, "letter": letter, "draft": letter.accepted_at is None},
    )


def letter_pdf(request, pk):
    case, letter = _letter_version(request, pk)
    draft = letter.accepted_at is None
    pdf = letters.render_pdf(letter, draft=draft)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{letters.pdf_filename(letter, draft=draft)}"'
    )
    response["Cache-Control"] = "no-store"
    return response
