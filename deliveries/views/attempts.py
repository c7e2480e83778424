"""Delivery attempts, after-action and follow-up pages. Thin: fetch through visibility, call the
service, turn its refusals into form errors. Which role opens which page: vipcn/access.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from deliveries import overdue
from deliveries.forms.attempts import AfterActionForm, AttemptForm, ConfirmForm, FollowUpForm
from deliveries.models import AfterAction, AttemptTeamMember, CNCase, DeliveryAttempt
from deliveries.policy.delivery import AfterActionSubject, after_action_states
from deliveries.policy.subjects import case_juvenile
from deliveries.selectors.common import visible_attempts, visible_cases
from deliveries.services import delivery as services
from vipcn import access
from vipcn.roles import LEAD, has_role

S = CNCase.State
PAGE_SIZE = 25


# --- access helpers: every object a user opens goes through candidate visibility -----------


def _get_case(request, pk):
    return get_object_or_404(visible_cases(request.user).select_related("candidate"), pk=pk)


def _get_attempt(request, pk):
    queryset = visible_attempts(request.user).select_related(
        "case__candidate",
        "letter_presented",
        "alternate_recipient",
        "guardian_present",
        "created_by",
        "after_action__confirmed_by",
    )
    return get_object_or_404(queryset, pk=pk)


def _after_action(attempt):
    try:
        return attempt.after_action
    except AfterAction.DoesNotExist:
        return None


def _is_latest(attempt):
    return attempt.number == attempt.case.attempts.aggregate(n=Max("number"))["n"]


def _refuse(request, exc, form=None):
    if form is not None:
        form.add_error(None, exc)
    else:
        for message in exc.messages:
            messages.error(request, message)


# --- recording and correcting an attempt ---------------------------------------------------


def _attempt_form(request, case, *, initial, submit_label):
    return AttemptForm(
        request.POST or None,
        initial=initial,
        case=case,
        juvenile=case_juvenile(case),
        has_letter=services.accepted_letter(case) is not None,
        may_record_exceptions=has_role(request.user, LEAD),
        submit_label=submit_label,
    )


def attempt_record(request, case_pk):
    case = _get_case(request, case_pk)
    if case.state != S.READY:
        for message in services.not_ready(case).messages:
            messages.error(request, message)
        return redirect("attempts:ready")
    form = _attempt_form(
        request,
        case,
        initial=AttemptForm.initial_for_case(case),
        submit_label=_("Record the attempt"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            attempt = services.attempt_record(
                case=case,
                data=form.attempt_data(),
                team=form.team_entries(),
                letter_presented=form.cleaned_data.get("letter_presented", False),
                exceptions=form.exceptions(),
                actor=request.user,
            )
        except ValidationError as exc:
            _refuse(request, exc, form)
        else:
            messages.success(
                request,
                _("Attempt %(number)s recorded. Next: the after-action (ECC, CAD report).")
                % {"number": attempt.number},
            )
            return redirect("attempts:detail", pk=attempt.pk)
    return render(
        request,
        "deliveries/attempts/form.html",
        {"case": case, "form": form, "title": _("Record a delivery attempt")},
    )


def attempt_edit(request, pk):
    attempt = _get_attempt(request, pk)
    after_action = _after_action(attempt)
    if after_action is not None and after_action.confirmed_at:
        messages.error(
            request,
            _("The Lead has confirmed this attempt's after-action; the record is final."),
        )
        return redirect("attempts:detail", pk=attempt.pk)
    form = _attempt_form(
        request,
        attempt.case,
        initial=AttemptForm.initial_for_attempt(attempt),
        submit_label=_("Save the changes"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.attempt_update(
                attempt=attempt,
                version=form.cleaned_data.get("version"),
                data=form.attempt_data(),
                team=form.team_entries(),
                letter_presented=form.cleaned_data.get("letter_presented", False),
                exceptions=form.exceptions(),
                actor=request.user,
            )
        except ValidationError as exc:
            _refuse(request, exc, form)
        else:
            messages.success(request, _("The attempt was saved."))
            return redirect("attempts:detail", pk=attempt.pk)
    return render(
        request,
        "deliveries/attempts/form.html",
        {
            "case": attempt.case,
            "attempt": attempt,
            "form": form,
            "title": _("Correct attempt %(number)s") % {"number": attempt.number},
        },
    )


def attempt_detail(request, pk):
    attempt = _get_attempt(request, pk)
    team = attempt.team.select_related("personnel__rank")
    after_action = _after_action(attempt)
    confirmed = after_action is not None and after_action.confirmed_at is not None
    open_now = attempt.case.state == S.ATTEMPTED and not confirmed and _is_latest(attempt)
    is_lead = has_role(request.user, LEAD)
    casework = access.can_open(request.user, "attempts:edit")
    return render(
        request,
        "deliveries/attempts/detail.html",
        {
            "attempt": attempt,
            "case": attempt.case,
            "team": team,
            "after_action": after_action,
            "overdue": open_now and overdue.is_overdue(attempt),
            "exceptions": list(attempt.exceptions.select_related("recorded_by")),
            "can_edit": open_now and casework,
            "can_record_after_action": open_now and casework,
            "can_confirm": open_now and is_lead,
        },
    )


# --- after-action ------------------------------------------------------------------------


def after_action_record(request, pk):
    attempt = _get_attempt(request, pk)
    after_action = _after_action(attempt)
    initial = {"version": 0}
    if after_action is not None:
        initial = {
            "ecc_outcome_advised_at": after_action.ecc_outcome_advised_at
            and timezone.localtime(after_action.ecc_outcome_advised_at).strftime("%Y-%m-%dT%H:%M"),
            "ecc_outcome_advised_by": after_action.ecc_outcome_advised_by,
            "cad_number": after_action.cad_number,
            "version": after_action.version,
        }
    form = AfterActionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.after_action_record(
                attempt=attempt, data=data, version=version, actor=request.user
            )
        except ValidationError as exc:
            _refuse(request, exc, form)
        else:
            messages.success(
                request, _("After-action saved. The Lead confirms it to close the case.")
            )
            return redirect("attempts:detail", pk=attempt.pk)
    return render(
        request,
        "deliveries/attempts/after_action_form.html",
        {"attempt": attempt, "case": attempt.case, "form": form},
    )


def after_action_confirm(request, pk):
    attempt = _get_attempt(request, pk)
    after_action = _after_action(attempt)
    form = ConfirmForm(
        request.POST or None,
        initial={"version": after_action.version if after_action else 0},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.after_action_confirm(
                attempt=attempt,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
                actor=request.user,
            )
        except ValidationError as exc:
            _refuse(request, exc, form)
        else:
            if form.cleaned_data["decision"] == AfterAction.Decision.CLOSE:
                messages.success(request, _("Confirmed: the case is closed."))
            else:
                messages.success(
                    request, _("Confirmed: the case is back to ready for another attempt.")
                )
            return redirect("attempts:detail", pk=attempt.pk)
    subject = AfterActionSubject(
        after_action=after_action,
        attempt=attempt,
        actor=request.user,
        decision=form.data.get("decision", AfterAction.Decision.CLOSE)
        if form.is_bound
        else AfterAction.Decision.CLOSE,
    )
    return render(
        request,
        "deliveries/attempts/confirm.html",
        {
            "attempt": attempt,
            "case": attempt.case,
            "after_action": after_action,
            "form": form,
            "checklist": after_action_states(subject)[:2],
        },
    )


# --- follow-up ---------------------------------------------------------------------------


def follow_up_record(request, case_pk):
    case = _get_case(request, case_pk)
    form = FollowUpForm(request.POST or None, initial={"followed_up_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_record(case=case, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _refuse(request, exc, form)
        else:
            messages.success(request, _("Follow-up recorded."))
            latest = case.attempts.order_by("-number").first()
            if latest is not None:
                return redirect("attempts:detail", pk=latest.pk)
            return redirect("attempts:ready")
    return render(
        request,
        "deliveries/attempts/follow_up_form.html",
        {"case": case, "form": form},
    )


# --- lists -------------------------------------------------------------------------------


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def queue(request):
    """The Lead's queue: attempts awaiting confirmation, and after-actions overdue."""
    hours = overdue.hours()
    cutoff = overdue.cutoff()
    open_attempts = visible_attempts(request.user).filter(overdue.awaiting_q())
    late = Q(contact_at__lt=cutoff)
    lists = {
        "awaiting": open_attempts.filter(after_action__isnull=False),
        "overdue": open_attempts.filter(late),
        "open": open_attempts,
    }
    current = request.GET.get("list", "awaiting")
    if current not in lists:
        current = "awaiting"
    counts = open_attempts.aggregate(
        awaiting=Count("pk", filter=Q(after_action__isnull=False)),
        overdue=Count("pk", filter=late),
        open=Count("pk"),
    )
    queryset = (
        lists[current]
        .select_related("case__candidate", "after_action", "created_by")
        .order_by("contact_at", "pk")
    )
    page = _page(request, queryset)
    return render(
        request,
        "deliveries/attempts/queue.html",
        {
            "page": page,
            "current": current,
            "counts": counts,
            "cutoff": cutoff,
            "hours": hours,
            "tabs": [
                ("awaiting", _("Awaiting the Lead's confirmation")),
                ("overdue", _("After-action overdue")),
                ("open", _("All open")),
            ],
        },
    )


def ready(request):
    """Cases approved and ready to deliver, and those with an attempt awaiting after-action."""
    queryset = (
        visible_cases(request.user)
        .filter(state__in=[S.READY, S.ATTEMPTED])
        .select_related("candidate")
        .annotate(
            attempt_count=Count("attempts"),
            latest_attempt_pk=Subquery(
                DeliveryAttempt.objects.filter(case=OuterRef("pk"))
                .order_by("-number")
                .values("pk")[:1]
            ),
        )
        .order_by("state", "approved_at", "pk")
    )
    return render(
        request,
        "deliveries/attempts/ready.html",
        {
            "page": _page(request, queryset),
            "can_record": access.can_open(request.user, "attempts:record"),
        },
    )


def case_attempts(case):
    """A case's attempts with team, after-action and who confirmed, in three queries."""
    return list(
        case.attempts.select_related(
            "after_action__confirmed_by",
            "alternate_recipient",
            "guardian_present",
            "letter_presented",
        ).prefetch_related(
            Prefetch("team", queryset=AttemptTeamMember.objects.select_related("personnel"))
        )
    )
