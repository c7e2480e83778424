"""Shootings, GVIS meetings and groups: list, detail, create, edit, and the people in them."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from candidates import forms, selectors, services
from candidates.models import (
    Candidate,
    Group,
    GroupMembership,
    GVISMeeting,
    Shooting,
    ShootingInvolvement,
)
from candidates.views.common import apply_errors, paginate
from candidates.visibility import candidates_visible_to


def _visible_ids(request):
    return candidates_visible_to(request.user, Candidate.objects.all()).values("pk")


# --- shootings


def shooting_list(request):
    query = (request.GET.get("q") or "").strip()
    qs = Shooting.objects.annotate(
        people=Count(
            "involvements",
            filter=Q(involvements__candidate__isnull=True)
            | Q(involvements__candidate__in=_visible_ids(request)),
        )
    )
    if query:
        qs = qs.filter(Q(case_number__icontains=query) | Q(location__icontains=query))
    return render(
        request,
        "candidates/records/shooting_list.html",
        {
            "page": paginate(request, qs.order_by("-occurred_on", "-pk")),
            "q": query,
            "querystring": urlencode({"q": query}) if query else "",
        },
    )


def shooting_detail(request, pk):
    shooting = get_object_or_404(Shooting, pk=pk)
    involvements = shooting.involvements.filter(
        Q(candidate__isnull=True) | Q(candidate__in=_visible_ids(request))
    ).select_related("candidate")
    form = forms.InvolvementForm(user=request.user)
    return render(
        request,
        "candidates/records/shooting_detail.html",
        {
            "shooting": shooting,
            "involvements": involvements,
            "form": form,
            "meetings": shooting.gvis_meetings.all(),
            "bases": shooting.bases.filter(candidate__in=_visible_ids(request)).select_related(
                "candidate"
            ),
        },
    )


def shooting_form(request, pk=None):
    shooting = get_object_or_404(Shooting, pk=pk) if pk else Shooting()
    form = forms.ShootingForm(request.POST or None, instance=shooting)
    if request.method == "POST" and form.is_valid():
        data = {
            k: form.cleaned_data[k] for k in ("occurred_on", "location", "case_number", "notes")
        }
        try:
            saved = services.shooting_save(
                shooting=Shooting.objects.get(pk=pk) if pk else Shooting(),
                actor=request.user,
                version=form.cleaned_data["version"],
                **data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Shooting saved."))
            return redirect("candidates:shooting_detail", pk=saved.pk)
    return render(
        request,
        "candidates/records/simple_form.html",
        {
            "form": form,
            "title": _("Edit shooting") if pk else _("New shooting"),
            "back": ("candidates:shooting_detail", pk) if pk else ("candidates:shootings", None),
        },
    )


@require_POST
def involvement_add(request, pk):
    shooting = get_object_or_404(Shooting, pk=pk)
    form = forms.InvolvementForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.involvement_add(
                shooting=shooting,
                actor=request.user,
                role=form.cleaned_data["role"],
                candidate=form.cleaned_data["candidate"],
                person_name=form.cleaned_data["person_name"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Person added to the shooting."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("candidates:shooting_detail", pk=pk)


@require_POST
def involvement_remove(request, pk, involvement_pk):
    involvement = get_object_or_404(
        ShootingInvolvement.objects.filter(
            Q(candidate__isnull=True) | Q(candidate__in=_visible_ids(request))
        ),
        pk=involvement_pk,
        shooting_id=pk,
    )
    services.involvement_remove(involvement=involvement, actor=request.user)
    messages.success(request, _("Person removed from the shooting."))
    return redirect("candidates:shooting_detail", pk=pk)


# --- GVIS meetings


def gvis_list(request):
    qs = GVISMeeting.objects.annotate(
        shooting_count=Count("shootings", distinct=True),
        group_count=Count("groups", distinct=True),
    ).order_by("-held_on", "-pk")
    return render(request, "candidates/records/gvis_list.html", {"page": paginate(request, qs)})


def gvis_detail(request, pk):
    meeting = get_object_or_404(GVISMeeting, pk=pk)
    return render(
        request,
        "candidates/records/gvis_detail.html",
        {
            "meeting": meeting,
            "people": candidates_visible_to(request.user, meeting.candidates.all()),
            "shootings": meeting.shootings.all(),
            "groups": meeting.groups.all(),
        },
    )


def gvis_form(request, pk=None):
    meeting = get_object_or_404(GVISMeeting, pk=pk) if pk else GVISMeeting()
    form = forms.GVISMeetingForm(request.POST or None, instance=meeting, user=request.user)
    if request.method == "POST" and form.is_valid():
        people = list(form.cleaned_data["candidate_numbers"])
        if pk:
            # People the user cannot see stay on the meeting untouched.
            hidden = meeting.candidates.exclude(pk__in=_visible_ids(request))
            people.extend(hidden)
        try:
            saved = services.gvis_meeting_save(
                meeting=GVISMeeting.objects.get(pk=pk) if pk else GVISMeeting(),
                actor=request.user,
                version=form.cleaned_data["version"],
                held_on=form.cleaned_data["held_on"],
                attendees=form.cleaned_data["attendees"],
                notes=form.cleaned_data["notes"],
                shootings=form.cleaned_data["shootings"],
                groups=form.cleaned_data["groups"],
                candidates=people,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("GVIS meeting saved."))
            return redirect("candidates:gvis_detail", pk=saved.pk)
    return render(
        request,
        "candidates/records/simple_form.html",
        {
            "form": form,
            "title": _("Edit GVIS meeting") if pk else _("New GVIS meeting"),
            "back": ("candidates:gvis_detail", pk) if pk else ("candidates:gvis", None),
        },
    )


# --- groups


def group_list(request):
    qs = selectors.group_list(request.user)
    query = (request.GET.get("q") or "").strip()
    if query:
        qs = qs.filter(name__icontains=query)
    return render(
        request,
        "candidates/records/group_list.html",
        {
            "page": paginate(request, qs),
            "q": query,
            "querystring": urlencode({"q": query}) if query else "",
        },
    )


def group_detail(request, pk):
    group = get_object_or_404(Group, pk=pk)
    memberships = (
        group.memberships.filter(candidate__in=_visible_ids(request))
        .select_related("candidate")
        .order_by("candidate__last_name", "candidate__first_name")
    )
    return render(
        request,
        "candidates/records/group_detail.html",
        {
            "group": group,
            "memberships": memberships,
            "form": forms.MembershipForm(user=request.user),
            "meetings": group.gvis_meetings.all(),
        },
    )


def group_form(request, pk=None):
    group = get_object_or_404(Group, pk=pk) if pk else Group()
    form = forms.GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.group_save(
                group=Group.objects.get(pk=pk) if pk else Group(),
                actor=request.user,
                version=form.cleaned_data["version"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Group saved."))
            return redirect("candidates:group_detail", pk=saved.pk)
    return render(
        request,
        "candidates/records/simple_form.html",
        {
            "form": form,
            "title": _("Edit group") if pk else _("New group"),
            "back": ("candidates:group_detail", pk) if pk else ("candidates:groups", None),
        },
    )


@require_POST
def group_member_add(request, pk):
    group = get_object_or_404(Group, pk=pk)
    form = forms.MembershipForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.group_member_add(
                group=group,
                candidate=form.cleaned_data["candidate"],
                since=form.cleaned_data["since"],
                notes=form.cleaned_data["notes"],
                actor=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Member added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("candidates:group_detail", pk=pk)


@require_POST
def group_member_remove(request, pk, membership_pk):
    membership = get_object_or_404(
        GroupMembership.objects.filter(candidate__in=_visible_ids(request)),
        pk=membership_pk,
        group_id=pk,
    )
    services.group_member_remove(membership=membership, actor=request.user)
    messages.success(request, _("Member removed."))
    return redirect("candidates:group_detail", pk=pk)
