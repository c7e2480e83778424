"""The deliverer roster, person pages and their forms (SOP 2-64-6). Thin: services decide."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from candidates.visibility import candidates_visible_to
from deliveries.forms.personnel import (
    ManualAccompanimentForm,
    OnDateForm,
    PeriodForm,
    PersonnelForm,
    RosterFilterForm,
    TrainingAttendanceForm,
)
from deliveries.models import AttemptTeamMember, ManualAccompaniment, Personnel
from deliveries.policy import personnel as policy
from deliveries.services import personnel as services
from vipcn import access
from vipcn.policy import as_of_day

ROSTER_PAGE_SIZE = 50
HISTORY_LIMIT = 50


def _can(request, view_name):
    return access.can_open(request.user, view_name)


def _apply_errors(form, exc):
    """Put a service's ValidationError on the form (field errors where it names a field)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def roster(request):
    form = RosterFilterForm(request.GET or None, initial={"on": timezone.localdate()})
    on_date = form.on_date()
    if request.GET and not form.is_valid():
        messages.warning(request, _("Some filters were not understood and were ignored."))
    people = services.roster(
        user=request.user, on_date=on_date, show=form.show_value(), search=form.search()
    )
    page = Paginator(people, ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    rules = policy.rules_by_id()
    for person in page.object_list:
        person.missing = [rules[rule_id] for rule_id in policy.missing_rule_ids(person)]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deliveries/personnel/roster.html",
        {
            "form": form,
            "page": page,
            "on_date": on_date,
            "query": query.urlencode(),
            "can_edit": _can(request, "personnel:create"),
        },
    )


def person_detail(request, pk):
    person = get_object_or_404(Personnel.objects.select_related("rank", "user"), pk=pk)
    date_form = OnDateForm(request.GET or None, initial={"on": timezone.localdate()})
    on_date = date_form.on_date()
    as_of = as_of_day(on_date)
    states = policy.deliverer_states(person, as_of)
    trainings = person.trainings_attended.select_related("training", "created_by")
    manual = person.manual_accompaniments.select_related("lead", "confirmed_by", "created_by")
    attempts = (
        AttemptTeamMember.objects.filter(personnel=person)
        .filter(attempt__case__candidate__in=candidates_visible_to(request.user))
        .select_related("attempt", "attempt__case", "attempt__after_action")
        .order_by("-attempt__contact_at")
    )
    counting = set(
        policy.recorded_accompaniments_by(as_of)
        .filter(personnel=person)
        .values_list("pk", flat=True)
    )
    history = list(
        person.history.select_related("history_user", "rank").order_by("-history_date")[
            : HISTORY_LIMIT + 1
        ]
    )
    changes = []
    for newer, older in zip(history, history[1:] + [None], strict=True):
        if len(changes) == HISTORY_LIMIT:
            break
        diff = newer.diff_against(older).changes if older is not None else []
        changes.append({"record": newer, "fields": [c.field for c in diff]})
    return render(
        request,
        "deliveries/personnel/detail.html",
        {
            "person": person,
            "date_form": date_form,
            "on_date": on_date,
            "states": states,
            "eligible": all(s.ok for s in states),
            "designated_lead": policy.is_designated_lead(person, on_date),
            "trainings": trainings,
            "manual_accompaniments": manual,
            "attempts": attempts,
            "counting_attempts": counting,
            "changes": changes,
            "can_edit": _can(request, "personnel:edit"),
            "can_confirm": _can(request, "personnel:accompaniment_confirm"),
            "field_labels": {f.name: f.verbose_name for f in Personnel._meta.fields},
        },
    )


def person_create(request):
    form = PersonnelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.personnel_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": person.full_name})
            return redirect("personnel:detail", pk=person.pk)
    return render(
        request,
        "deliveries/personnel/form.html",
        {"form": form, "title": _("Add personnel"), "person": None},
    )


def person_edit(request, pk):
    person = get_object_or_404(Personnel, pk=pk)
    form = PersonnelForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.personnel_update(
                person=person,
                version=form.cleaned_data.get("version"),
                actor=request.user,
                **form.service_fields(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The record was saved."))
            return redirect("personnel:detail", pk=person.pk)
    person.refresh_from_db()
    return render(
        request,
        "deliveries/personnel/form.html",
        {"form": form, "title": _("Edit %(name)s") % {"name": person.full_name}, "person": person},
    )


def training_add(request, pk):
    person = get_object_or_404(Personnel, pk=pk)
    form = TrainingAttendanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_attendance_record(
                person=person, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The training attendance was recorded."))
            return redirect("personnel:detail", pk=person.pk)
    return render(
        request,
        "deliveries/personnel/form.html",
        {
            "form": form,
            "title": _("Record training for %(name)s") % {"name": person.full_name},
            "person": person,
        },
    )


def accompaniment_add(request, pk):
    person = get_object_or_404(Personnel, pk=pk)
    form = ManualAccompanimentForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.accompaniment_enter(person=person, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The accompaniment was entered. It counts once a Lead confirms it."),
            )
            return redirect("personnel:detail", pk=person.pk)
    return render(
        request,
        "deliveries/personnel/form.html",
        {
            "form": form,
            "title": _("Enter an earlier accompaniment for %(name)s") % {"name": person.full_name},
            "person": person,
        },
    )


@require_POST
def accompaniment_confirm(request, pk):
    accompaniment = get_object_or_404(ManualAccompaniment, pk=pk)
    try:
        services.accompaniment_confirm(accompaniment=accompaniment, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The accompaniment is confirmed and now counts."))
    return redirect("personnel:detail", pk=accompaniment.personnel_id)


@require_POST
def accompaniment_reject(request, pk):
    accompaniment = get_object_or_404(ManualAccompaniment, pk=pk)
    person_pk = accompaniment.personnel_id
    try:
        services.accompaniment_reject(accompaniment=accompaniment, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The accompaniment entered by hand was rejected."))
    return redirect("personnel:detail", pk=person_pk)


def command_share(request):
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    if not request.GET:
        form = PeriodForm(initial={"date_from": start, "date_to": end})
    attempts = services.delivered_attempts_visible_to(request.user).filter(
        contact_at__date__gte=start, contact_at__date__lte=end
    )
    with_command, total = policy.command_level_share(attempts)
    deliverers = policy.command_level_deliverers(attempts)
    return render(
        request,
        "deliveries/personnel/command_share.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "with_command": with_command,
            "total": total,
            "without_command": total - with_command,
            "percent": round(100 * with_command / total, 1) if total else None,
            "deliverers": deliverers,
        },
    )
