"""Shootings, GVIS meetings and groups, and the people in them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from candidates.models import (
    GroupMembership,
    ShootingInvolvement,
)
from candidates.services.common import (
    bump,
    check_version,
    lock_candidate,
)
from vipcn.acting import records_actor

# --- groups and shootings (people in them)


@records_actor
@transaction.atomic
def group_member_add(*, group, candidate, actor, since=None, notes=""):
    locked = lock_candidate(candidate)
    if GroupMembership.objects.filter(group=group, candidate=locked).exists():
        raise ValidationError(
            {"candidate": _("%(name)s is already a member.") % {"name": locked.full_name}}
        )
    return GroupMembership.objects.create(
        group=group, candidate=locked, since=since, notes=notes, created_by=actor
    )


@records_actor
@transaction.atomic
def group_member_remove(*, membership, actor):
    membership.delete()


@records_actor
@transaction.atomic
def involvement_add(*, shooting, actor, role, candidate=None, person_name=""):
    person_name = (person_name or "").strip()
    if candidate is None and not person_name:
        raise ValidationError(
            _("Name the person involved: a candidate's record number or a name."),
            code="person",
        )
    if candidate is not None:
        candidate = lock_candidate(candidate)
        if ShootingInvolvement.objects.filter(
            shooting=shooting, candidate=candidate, role=role
        ).exists():
            raise ValidationError(
                _("This person is already recorded in this role."), code="duplicate"
            )
    return ShootingInvolvement.objects.create(
        shooting=shooting,
        candidate=candidate,
        person_name="" if candidate else person_name,
        role=role,
        created_by=actor,
    )


@records_actor
@transaction.atomic
def involvement_remove(*, involvement, actor):
    involvement.delete()


def _save_fields(obj, actor, version, data, fields):
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])
    obj.full_clean()
    if obj.pk:
        bump(obj)
    else:
        obj.created_by = actor
    obj.save()
    return obj


@records_actor
@transaction.atomic
def shooting_save(*, shooting, actor, version=None, **data):
    """Create (unsaved ``shooting``) or change a shooting."""
    from candidates.models import Shooting

    if shooting.pk:
        shooting = Shooting.objects.select_for_update().get(pk=shooting.pk)
        check_version(shooting, version)
    return _save_fields(
        shooting, actor, version, data, ("occurred_on", "location", "case_number", "notes")
    )


@records_actor
@transaction.atomic
def group_save(*, group, actor, version=None, **data):
    from candidates.models import Group

    if group.pk:
        group = Group.objects.select_for_update().get(pk=group.pk)
        check_version(group, version)
    return _save_fields(group, actor, version, data, ("name", "kind", "notes"))


@records_actor
@transaction.atomic
def gvis_meeting_save(
    *, meeting, actor, version=None, shootings=(), groups=(), candidates=(), **data
):
    """Create or change a GVIS meeting with the shootings reviewed and who was identified."""
    from candidates.models import GVISMeeting

    if meeting.pk:
        meeting = GVISMeeting.objects.select_for_update().get(pk=meeting.pk)
        check_version(meeting, version)
    _save_fields(meeting, actor, version, data, ("held_on", "attendees", "notes"))
    meeting.shootings.set(shootings)
    meeting.groups.set(groups)
    meeting.candidates.set(candidates)
    return meeting
