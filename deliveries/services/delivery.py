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
from deliveries import approval, checks, lifecycle, notifications
from deliveries.models import (
    AfterAction,
    AttemptException,
    AttemptTeamMember,
    CNCase,
    DeliveryAttempt,
    FollowUp,
)
from deliveries.policy.delivery import (
    AfterActionSubject,
    AttemptSubject,
    TeamEntry,
    check_after_action,
    check_attempt,
    check_confirmation,
)
from deliveries.policy.preparation import accepted_letter as accepted_letter_of
from deliveries.services.preparation import approval_still_holds, refuse_for_state
from vipcn.acting import records_actor
from vipcn.concurrency import ensure_current, lock_for_edit
from vipcn.policy import RULES

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


def accepted_letter(case):
    return accepted_letter_of(case)


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
    """Every posted field lands on the attempt as posted: nothing is dropped, so a record
    that contradicts itself is refused by the rules rather than silently cut."""
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


def _save_exceptions(attempt, exceptions, actor):
    """The Lead's exceptions for field rules broken in the encounter (already checked)."""
    kept = set()
    for rule_id, explanation in exceptions.items():
        kept.add(rule_id)
        item = AttemptException.objects.filter(attempt=attempt, rule_id=rule_id).first()
        if item is None:
            AttemptException.objects.create(
                attempt=attempt,
                rule_id=rule_id,
                explanation=explanation.strip(),
                recorded_by=actor,
                created_by=actor,
            )
        elif item.explanation != explanation.strip():
            item.explanation = explanation.strip()
            item.recorded_by = actor
            item.version += 1
            item.save()
    for item in AttemptException.objects.filter(attempt=attempt).exclude(rule_id__in=kept):
        item.delete()
    if exceptions:
        attempt_pk = attempt.pk
        transaction.on_commit(
            lambda: notifications.notify_exception(
                DeliveryAttempt.objects.select_related("case__candidate").get(pk=attempt_pk)
            ),
            robust=True,
        )


def _check(attempt, team, case, exceptions, actor):
    subject = AttemptSubject(
        attempt=attempt,
        team=list(team),
        accepted_letter=accepted_letter(case),
        exceptions=dict(exceptions or {}),
    )
    return check_attempt(subject, actor=actor)


def not_ready(case):
    """Why no attempt can be recorded on a case that is not ready, naming the rule."""
    if case.state == S.PREPARING:
        return RULES["P-APPROVE"].fail(
            _(
                "%(number)s is in preparation, not approved for delivery: an attempt can be "
                "recorded only once the Lead has approved the CN. See what it waits for on the "
                "case page."
            ),
            number=case.number,
        )
    return refuse_for_state(case)


def _approval_unchanged(case):
    """The facts the approval approved are still the facts (a change that bypassed the
    signals, e.g. a bulk UPDATE, is caught here)."""
    changed = approval.changed_components(case)
    if changed:
        raise RULES["P-APPROVE"].fail(
            _(
                "%(what)s changed after the approval; the Lead must approve the case again "
                "before an attempt is recorded."
            ),
            what=approval.describe(changed),
        )


def _after_the_last_attempt(case, contact_at):
    """Events in order: a case sent back after an attempt is ready again only from the Lead's
    confirmation, so the next contact comes after it (A-RMS)."""
    sent_back = (
        AfterAction.objects.filter(attempt__case=case, confirmed_at__isnull=False)
        .order_by("-confirmed_at")
        .values_list("confirmed_at", flat=True)
        .first()
    )
    if sent_back is not None and contact_at is not None and contact_at <= sent_back:
        raise RULES["A-RMS"].fail(
            _(
                "the case was sent back for another attempt at %(when)s; this attempt's time of "
                "contact must come after it. Check the time."
            ),
            when=timezone.localtime(sent_back).strftime("%Y-%m-%d %H:%M"),
        )


@records_actor
@transaction.atomic
def attempt_record(*, case, data, team, actor, letter_presented=False, exceptions=None):
    """Record a delivery attempt on a READY case and move it to ATTEMPTED.

    ``data`` holds the attempt's fields (ATTEMPT_FIELDS; optionally ``new_alternate`` /
    ``new_guardian`` dicts with kind, name, phone for a relationship added on the spot);
    ``team`` is a list of TeamEntry; ``exceptions`` maps a field rule broken in the encounter
    to the Lead's explanation. Every rule is checked again as of the contact time; nothing is
    written unless every rule holds or is covered by an exception.
    """
    case = (
        CNCase.objects.select_for_update(of=("self",))
        .select_related("candidate", "determination")
        .get(pk=case.pk)
    )
    if case.state != S.READY:
        raise not_ready(case)
    _approval_unchanged(case)
    _after_the_last_attempt(case, data.get("contact_at"))
    attempt = DeliveryAttempt(case=case, created_by=actor)
    new_relationships = _apply(attempt, case, data, letter_presented=letter_presented, actor=actor)
    _check(attempt, team, case, exceptions, actor)
    _save_relationships(attempt, new_relationships)
    last = case.attempts.aggregate(n=Max("number"))["n"] or 0
    attempt.number = last + 1
    attempt.save()
    _save_team(attempt, team, actor)
    _save_exceptions(attempt, dict(exceptions or {}), actor)
    checks.store(attempt)
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
def attempt_update(*, attempt, version, data, team, actor, letter_presented=False, exceptions=None):
    """Correct an attempt before the Lead confirms its after-action; refuses a stale version.
    The corrected record is judged again, as of its contact time, like a new one."""
    attempt = lock_for_edit(
        DeliveryAttempt.objects.select_related("case__candidate", "case__determination"),
        pk=attempt.pk,
        version=version,
    )
    confirmed = AfterAction.objects.filter(attempt=attempt, confirmed_at__isnull=False).exists()
    if confirmed or attempt.case.state != S.ATTEMPTED:
        raise RULES["A-RMS"].fail(
            _(
                "the Lead confirmed this attempt's after-action; the record is final and "
                "cannot be changed."
            )
        )
    case = attempt.case
    new_relationships = _apply(attempt, case, data, letter_presented=letter_presented, actor=actor)
    _check(attempt, team, case, exceptions, actor)
    _save_relationships(attempt, new_relationships)
    attempt.version += 1
    attempt.save()
    _save_team(attempt, team, actor)
    _save_exceptions(attempt, dict(exceptions or {}), actor)
    checks.store(attempt)
    return attempt


def _lock_open_attempt(attempt):
    attempt = (
        DeliveryAttempt.objects.select_for_update()
        .select_related("case__candidate")
        .get(pk=attempt.pk)
    )
    latest = attempt.case.attempts.aggregate(n=Max("number"))["n"]
    if attempt.case.state != S.ATTEMPTED or attempt.number != latest:
        raise RULES["A-RMS"].fail(
            _("this attempt is no longer awaiting its after-action (the case is “%(state)s”)."),
            state=attempt.case.get_state_display(),
        )
    return attempt


@records_actor
@transaction.atomic
def after_action_record(*, attempt, data, actor, version=None):
    """Record the after-action: ECC advised of the outcome (A-ECC), CAD number (A-CAD).

    ``version`` 0: the form showed no after-action yet; None: no form (commands, tests)."""
    attempt = _lock_open_attempt(attempt)
    after_action = AfterAction.objects.filter(attempt=attempt).first()
    if after_action is None:
        if version not in (None, 0):  # the page showed one that is gone: nothing to edit
            ensure_current(attempt, -1)
        after_action = AfterAction(attempt=attempt, created_by=actor)
        advised_before = None
    else:
        after_action = lock_for_edit(AfterAction.objects, pk=after_action.pk, version=version)
        if after_action.confirmed_at:
            raise RULES["A-RMS"].fail(
                _("the Lead has confirmed this after-action; it cannot be changed.")
            )
        advised_before = after_action.ecc_outcome_advised_at
        after_action.version += 1
    for name in AFTER_ACTION_FIELDS:
        if name in data:
            setattr(after_action, name, data[name])
    if after_action.ecc_outcome_advised_at and (
        advised_before is None or after_action.ecc_outcome_advised_at != advised_before
    ):
        # A new advisement is of the outcome as it is recorded now (A-ECC).
        after_action.ecc_advised_outcome = attempt.outcome
    after_action.cad_number = (after_action.cad_number or "").strip() or None
    check_after_action(AfterActionSubject(after_action=after_action, attempt=attempt))
    try:
        with transaction.atomic():
            after_action.save()
    except IntegrityError as exc:  # two officers entering the same CAD number at once
        raise RULES["A-CAD"].fail(
            _("CAD report number %(number)s is already recorded for another attempt."),
            number=after_action.cad_number,
        ) from exc
    checks.store_after_action(attempt)
    return after_action


@records_actor
@transaction.atomic
def after_action_confirm(*, attempt, decision, actor, note="", version=None):
    """The Lead's confirmation (A-RMS): close the case or send it back for another attempt.

    A case cannot close without the after-action complete (A-ECC, A-CAD) and the Lead. Sent
    back, it is ready again only if what the approval approved is unchanged and every
    preparation rule still holds now; otherwise it goes back to preparation, saying why.
    """
    attempt = _lock_open_attempt(attempt)
    case = CNCase.objects.select_for_update().get(pk=attempt.case_id)
    after_action = AfterAction.objects.select_for_update().filter(attempt=attempt).first()
    # ``version`` 0: the page showed no after-action; None: no form (commands, tests).
    if after_action is not None:
        ensure_current(after_action, version)
    elif version not in (None, 0):
        ensure_current(attempt, -1)
    subject = AfterActionSubject(
        after_action=after_action, attempt=attempt, actor=actor, decision=decision
    )
    check_confirmation(subject)
    after_action.confirmed_by = actor
    after_action.confirmed_at = timezone.now()
    after_action.decision = decision
    after_action.version += 1
    after_action.save()
    checks.store_after_action(attempt)
    case.refresh_from_db()
    if decision == AfterAction.Decision.CLOSE:
        case.closed_at = after_action.confirmed_at
        lifecycle.move(case, S.CLOSED, actor=actor, note=note)
        return after_action
    problems = approval_still_holds(case, actor)
    if problems:
        case.approved_by = None
        case.approved_at = None
        case.approved_facts = {}
        lifecycle.move(
            case,
            S.PREPARING,
            actor=actor,
            note=_(
                "Sent back for another attempt; the approval no longer holds (P-APPROVE): "
                "%(why)s The Lead approves the case again once every item is met."
            )
            % {"why": " ".join(str(p) for p in problems)}
            + (f" {note}" if note else ""),
        )
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
        raise RULES["C-DELIVER"].fail(
            _(
                "a follow-up is recorded after a delivered CN; no attempt on this case delivered "
                "the message."
            )
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
    "not_ready",
]
