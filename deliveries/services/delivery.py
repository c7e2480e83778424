"""Delivering a CN and its after-action: one atomic function per step.

attempt_record   READY -> ATTEMPTED, with the team present (C-*, J-GUARDIAN, DLV-*)
attempt_update   correct an attempt before the Lead confirms it (version check)
after_action_record   A-ECC and A-CAD
after_action_confirm  the Lead (A-RMS): ATTEMPTED -> CLOSED, or back to READY
follow_up_record      social services follow-up after a delivered CN
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Relationship
from deliveries import lifecycle
from deliveries.models import (
    AfterAction,
    AttemptTeamMember,
    CNCase,
    DeliveryAttempt,
    FollowUp,
    LetterVersion,
)
from deliveries.policy.delivery import (
    AfterActionSubject,
    AttemptSubject,
    TeamEntry,
    check_after_action,
    check_attempt,
    check_confirmation,
)
from vipcn.acting import records_actor

S = CNCase.State

# The attempt's own fields a service caller may set (everything else is derived).
ATTEMPT_FIELDS = (
    "contact_at",
    "address",
    "ecc_advised_at",
    "ecc_advised_by",
    "ecc_told_location",
    "ecc_told_team",
    "ecc_told_identity",
    "outcome",
    "message_delivered",
    "team_left_immediately",
    "ended_how",
    "abort_reason",
    "alternate_recipient",
    "alternate_reason",
    "guardian_present",
    "social_services_delivered",
    "social_services_reason",
    "notes",
)
AFTER_ACTION_FIELDS = ("ecc_outcome_advised_at", "ecc_outcome_advised_by", "cad_number")
FOLLOW_UP_FIELDS = ("followed_up_on", "services_offered", "response", "referral_made")


def _stale(what):
    return ValidationError(
        _(
            "Someone else saved this %(what)s while you were editing it. Nothing of yours was "
            "saved: reload the page, check their changes and enter yours again."
        )
        % {"what": what},
        code="stale",
    )


def accepted_letter(case):
    return LetterVersion.objects.filter(case=case, accepted_at__isnull=False).first()


def _new_relationship(case, data, actor):
    """A relationship added on the spot (C-ALT, C-GUARD): built, saved only if rules pass."""
    if not data:
        return None
    return Relationship(
        candidate=case.candidate,
        kind=data["kind"],
        name=data["name"],
        phone=data.get("phone", ""),
        created_by=actor,
    )


def _apply(attempt, case, data, *, letter_presented, actor):
    for name in ATTEMPT_FIELDS:
        if name in data:
            setattr(attempt, name, data[name])
    attempt.address = (attempt.address or "").strip()
    attempt.letter_presented = accepted_letter(case) if letter_presented else None
    new_alt = _new_relationship(case, data.get("new_alternate"), actor)
    if new_alt is not None:
        attempt.alternate_recipient = new_alt
    new_guardian = _new_relationship(case, data.get("new_guardian"), actor)
    if new_guardian is not None:
        attempt.guardian_present = new_guardian
    return [r for r in (new_alt, new_guardian) if r is not None]


def _save_relationships(attempt, new_relationships):
    # Saved only now that every rule holds; the attempt's foreign key picks up the new id.
    for relationship in new_relationships:
        relationship.save()


def _save_team(attempt, team, actor):
    for member in list(attempt.team.all()):
        member.delete()  # one by one, so the history records each removal
    for entry in team:
        AttemptTeamMember.objects.create(
            attempt=attempt,
            role=entry.role,
            personnel=entry.personnel,
            name=entry.name if entry.personnel is None else "",
            created_by=actor,
        )


def _check(attempt, team, case):
    check_attempt(
        AttemptSubject(attempt=attempt, team=list(team), accepted_letter=accepted_letter(case))
    )


@records_actor
@transaction.atomic
def attempt_record(*, case, data, team, actor, letter_presented=False):
    """Record a delivery attempt on a READY case and move it to ATTEMPTED.

    ``data`` holds the attempt's fields (ATTEMPT_FIELDS; optionally ``new_alternate`` /
    ``new_guardian`` dicts with kind, name, phone for a relationship added on the spot);
    ``team`` is a list of TeamEntry. Nothing is written unless every rule holds.
    """
    case = CNCase.objects.select_for_update().select_related("candidate").get(pk=case.pk)
    if case.state != S.READY:
        raise ValidationError(
            _(
                "A delivery attempt can be recorded only on a case approved and ready to "
                "deliver; this case is “%(state)s”."
            )
            % {"state": case.get_state_display()},
            code="invalid_state",
        )
    attempt = DeliveryAttempt(case=case, created_by=actor)
    new_relationships = _apply(attempt, case, data, letter_presented=letter_presented, actor=actor)
    _check(attempt, team, case)
    _save_relationships(attempt, new_relationships)
    last = case.attempts.aggregate(n=Max("number"))["n"] or 0
    attempt.number = last + 1
    attempt.save()
    _save_team(attempt, team, actor)
    lifecycle.move(
        case,
        S.ATTEMPTED,
        actor=actor,
        note=_("Attempt %(number)s: %(outcome)s")
        % {"number": attempt.number, "outcome": attempt.get_outcome_display()},
    )
    return attempt


@records_actor
@transaction.atomic
def attempt_update(*, attempt, version, data, team, actor, letter_presented=False):
    """Correct an attempt before the Lead confirms its after-action; refuses a stale version."""
    attempt = (
        DeliveryAttempt.objects.select_for_update()
        .select_related("case__candidate")
        .get(pk=attempt.pk)
    )
    if attempt.version != version:
        raise _stale(_("attempt"))
    confirmed = AfterAction.objects.filter(attempt=attempt, confirmed_at__isnull=False).exists()
    if confirmed or attempt.case.state != S.ATTEMPTED:
        raise ValidationError(
            _(
                "This attempt's after-action has been confirmed by the Lead (A-RMS); the record "
                "is final and cannot be changed."
            ),
            code="A-RMS",
        )
    case = attempt.case
    new_relationships = _apply(attempt, case, data, letter_presented=letter_presented, actor=actor)
    _check(attempt, team, case)
    _save_relationships(attempt, new_relationships)
    attempt.version += 1
    attempt.save()
    _save_team(attempt, team, actor)
    return attempt


def _lock_open_attempt(attempt):
    attempt = (
        DeliveryAttempt.objects.select_for_update()
        .select_related("case__candidate")
        .get(pk=attempt.pk)
    )
    latest = attempt.case.attempts.aggregate(n=Max("number"))["n"]
    if attempt.case.state != S.ATTEMPTED or attempt.number != latest:
        raise ValidationError(
            _("This attempt is no longer awaiting its after-action (the case is “%(state)s”).")
            % {"state": attempt.case.get_state_display()},
            code="invalid_state",
        )
    return attempt


@records_actor
@transaction.atomic
def after_action_record(*, attempt, data, actor, version=None):
    """Record the after-action: ECC advised of the outcome (A-ECC), CAD number (A-CAD)."""
    attempt = _lock_open_attempt(attempt)
    after_action = AfterAction.objects.select_for_update().filter(attempt=attempt).first()
    if after_action is None:
        if version not in (None, 0):
            raise _stale(_("after-action"))
        after_action = AfterAction(attempt=attempt, created_by=actor)
    else:
        if version != after_action.version:
            raise _stale(_("after-action"))
        if after_action.confirmed_at:
            raise ValidationError(
                _("The Lead has confirmed this after-action; it cannot be changed."),
                code="A-RMS",
            )
        after_action.version += 1
    for name in AFTER_ACTION_FIELDS:
        if name in data:
            setattr(after_action, name, data[name])
    after_action.cad_number = (after_action.cad_number or "").strip() or None
    check_after_action(AfterActionSubject(after_action=after_action, attempt=attempt))
    try:
        with transaction.atomic():
            after_action.save()
    except IntegrityError as exc:  # two officers entering the same CAD number at once
        raise ValidationError(
            _("CAD report number %(number)s is already recorded for another attempt.")
            % {"number": after_action.cad_number},
            code="A-CAD",
        ) from exc
    return after_action


@records_actor
@transaction.atomic
def after_action_confirm(*, attempt, decision, actor, note="", version=None):
    """The Lead's confirmation (A-RMS): close the case or send it back for another attempt.

    A case cannot close without the after-action complete (A-ECC, A-CAD) and the Lead.
    """
    attempt = _lock_open_attempt(attempt)
    case = CNCase.objects.select_for_update().get(pk=attempt.case_id)
    after_action = AfterAction.objects.select_for_update().filter(attempt=attempt).first()
    # ``version`` 0: the page showed no after-action; None: no form (commands, tests).
    current = after_action.version if after_action is not None else 0
    if version is not None and version != current:
        raise _stale(_("after-action"))
    subject = AfterActionSubject(
        after_action=after_action or AfterAction(attempt=attempt),
        attempt=attempt,
        actor=actor,
        decision=decision,
    )
    check_confirmation(subject)
    after_action.confirmed_by = actor
    after_action.confirmed_at = timezone.now()
    after_action.decision = decision
    after_action.version += 1
    after_action.save()
    if decision == AfterAction.Decision.CLOSE:
        case.closed_at = after_action.confirmed_at
        lifecycle.move(case, S.CLOSED, actor=actor, note=note)
    else:
        lifecycle.move(case, S.READY, actor=actor, note=note)
    return after_action


@records_actor
@transaction.atomic
def follow_up_record(*, case, data, actor):
    """Record the social services follow-up on a case whose CN was delivered."""
    case = CNCase.objects.select_for_update().get(pk=case.pk)
    delivered = case.attempts.filter(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES).exists()
    if not delivered:
        raise ValidationError(
            _(
                "A follow-up is recorded after a delivered CN; no attempt on this case delivered "
                "the message."
            ),
            code="not_delivered",
        )
    follow_up = FollowUp(case=case, created_by=actor)
    for name in FOLLOW_UP_FIELDS:
        setattr(follow_up, name, data.get(name, getattr(follow_up, name)))
    if follow_up.followed_up_on and follow_up.followed_up_on > timezone.localdate():
        raise ValidationError(
            _("A follow-up date cannot be in the future."), code="future_follow_up"
        )
    follow_up.save()
    return follow_up


__all__ = [
    "TeamEntry",
    "accepted_letter",
    "after_action_confirm",
    "after_action_record",
    "attempt_record",
    "attempt_update",
    "follow_up_record",
]
