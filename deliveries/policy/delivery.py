"""SOP 2-64 rules for delivering a CN and its after-action (2-64-4 C-D, for every candidate).

Delivery: C-ECC, C-DELIVER, C-SOCIAL, C-LEAVE, C-CONSENT, C-ALT, C-GUARD; the team at the door
(P-TEAM) and the parent or guardian present (J-GUARDIAN) are read by those rules' own classes
in policy/preparation.py. After-action: A-ECC, A-CAD, A-RMS.

Recording or correcting an attempt runs ``check_attempt``: every preparation rule again as of
the contact time (eligibility, preparation, juvenile safeguards, each deliverer's DLV-* on the
day, the approval given before contact), then the delivery rules. Preparation rules are hard
gates. A field rule broken in the encounter (``FIELD_RULES``) may be recorded truthfully by the
Lead as an exception with an explanation; it still shows as not met.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliveries.models import AfterAction, AttemptTeamMember, DeliveryAttempt
from deliveries.policy.personnel import message_reached
from deliveries.policy.preparation import (
    PREPARATION_RULES,
    RULES_BY_ID,
    GuardianPlanned,
    TeamReady,
)
from deliveries.policy.subjects import (
    AfterActionSubject,
    AttemptSubject,
    CaseSubject,
    TeamEntry,
)
from vipcn.policy import PROGRAM_RULE, Rule, evaluate, has_text, has_text_q, rule
from vipcn.roles import LEAD, has_role

__all__ = ["AfterActionSubject", "AttemptSubject", "TeamEntry", "message_reached"]

Outcome = DeliveryAttempt.Outcome
TeamRole = AttemptTeamMember.Role

# C-ALT: "a family member, influencer, or associate of the VIP candidate".
ALTERNATE_KINDS = (
    "spouse",
    "parent",
    "grandparent",
    "guardian",
    "influencer",
    "family",
    "associate",
)


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


class AttemptRule(Rule):
    model = DeliveryAttempt


@rule
class ECCBeforeContact(AttemptRule):
    """C-ECC: the ECC is told the location, the team and the candidate's identity strictly
    before contact; the time and who advised are recorded."""

    id, cites = "C-ECC", "2-64-4 C.1.a"
    label = _("ECC advised before contact")

    def validate(self, subject, as_of=None):
        a = subject.attempt
        missing = []
        if not a.ecc_advised_at:
            missing.append(_("the time the ECC was advised"))
        if not has_text(a.ecc_advised_by):
            missing.append(_("who advised the ECC"))
        if not a.ecc_told_location:
            missing.append(_("that the ECC was given the location"))
        if not a.ecc_told_team:
            missing.append(_("that the ECC was given the team members"))
        if not a.ecc_told_identity:
            missing.append(_("that the ECC was given the candidate's identity"))
        if missing:
            raise self.fail(
                _("the ECC must be advised before contact. Record %(missing)s."),
                missing="; ".join(str(m) for m in missing),
            )
        if a.contact_at and a.ecc_advised_at >= a.contact_at:
            raise self.fail(
                _(
                    "the ECC was advised at %(ecc)s, not before the contact at %(contact)s. The "
                    "ECC must be advised before contact; check both times."
                ),
                ecc=_local(a.ecc_advised_at),
                contact=_local(a.contact_at),
            )

    def help_text(self):
        return _("The ECC was advised of the location, team and candidate before contact.")


@rule
class Delivered(AttemptRule):
    """C-DELIVER: a delivered outcome means the letter was presented (the accepted version,
    where the case has one) and the GVI message was delivered; an aborted attempt says why;
    nothing of a delivery is recorded on an attempt that met no one."""

    id, cites = "C-DELIVER", "2-64-4 C.1.b"
    label = _("Message delivered, accepted letter presented")

    def applies(self, subject, as_of=None):
        a = subject.attempt
        return (
            a.outcome in (*DeliveryAttempt.DELIVERED_OUTCOMES, Outcome.ABORTED)
            or a.letter_presented_id is not None
            or has_text(a.abort_reason)
            or (a.message_delivered and a.outcome not in DeliveryAttempt.CONTACT_OUTCOMES)
        )

    def validate(self, subject, as_of=None):
        a = subject.attempt
        errors = []
        if a.outcome not in DeliveryAttempt.CONTACT_OUTCOMES and a.message_delivered:
            errors.append(
                self.fail(
                    _(
                        "the message cannot have been delivered on an attempt that met no one "
                        "(%(outcome)s). Choose the outcome that happened."
                    ),
                    outcome=Outcome(a.outcome).label,
                )
            )
        if a.outcome != Outcome.ABORTED and has_text(a.abort_reason):
            errors.append(
                self.fail(_("a reason for aborting is recorded, but the outcome is not “aborted”."))
            )
        if a.outcome == Outcome.ABORTED and not has_text(a.abort_reason):
            errors.append(self.fail(_("record why the attempt was aborted.")))
        letter = subject.accepted_letter
        if a.outcome in DeliveryAttempt.DELIVERED_OUTCOMES:
            if not a.message_delivered:
                errors.append(
                    self.fail(
                        _(
                            "a delivered outcome requires the GVI message to have been "
                            "delivered. If it was not, choose another outcome."
                        )
                    )
                )
            if letter is not None and a.letter_presented_id != letter.pk:
                errors.append(
                    self.fail(
                        _(
                            "this case has an accepted letter (version %(number)s); record that "
                            "it was presented. If it was not, the CN was not delivered as "
                            "approved."
                        ),
                        number=letter.number,
                    )
                )
        elif a.letter_presented_id is not None and not message_reached(a):
            errors.append(
                self.fail(
                    _("the letter is recorded as presented, but the message was not delivered.")
                )
            )
        if a.letter_presented_id is not None and (
            letter is None or a.letter_presented_id != letter.pk
        ):
            errors.append(
                self.fail(_("only the case's accepted letter can be recorded as presented."))
            )
        if errors:
            raise ValidationError(errors)

    def help_text(self):
        return _("The accepted letter was presented and the GVI message delivered.")


@rule
class SocialServices(AttemptRule):
    """C-SOCIAL: whether the social services component delivered its message and resources on
    scene (a member of it was present), and why not if it did not."""

    id, cites = "C-SOCIAL", "2-64-4 C.1.c"
    label = _("Social services on scene recorded")

    def applies(self, subject, as_of=None):
        a = subject.attempt
        return (
            a.outcome in DeliveryAttempt.CONTACT_OUTCOMES
            or a.social_services_delivered is not None
            or has_text(a.social_services_reason)
        )

    def validate(self, subject, as_of=None):
        a = subject.attempt
        if a.outcome not in DeliveryAttempt.CONTACT_OUTCOMES:
            raise self.fail(
                _(
                    "social services on scene are recorded only when someone was met; the "
                    "outcome is “%(outcome)s”."
                ),
                outcome=Outcome(a.outcome).label,
            )
        if a.social_services_delivered is None:
            raise self.fail(
                _(
                    "record whether the social services component delivered its message and "
                    "resources on scene."
                )
            )
        if a.social_services_delivered is False and not has_text(a.social_services_reason):
            raise self.fail(
                _("the social services component did not deliver its message: record why not.")
            )
        if a.social_services_delivered and not subject.members(TeamRole.SOCIAL_SERVICES):
            raise self.fail(
                _(
                    "social services are recorded as delivering their message, but no one from "
                    "social services is recorded present. Add who from social services was "
                    "there, or record that they did not deliver their message, and why."
                )
            )

    def help_text(self):
        return _("Whether social services delivered their message on scene, and why not.")


@rule
class LeaveAtOnce(AttemptRule):
    """C-LEAVE: when the person refuses or asks the team to leave, the team leaves at once and
    the outcome is "ended by the candidate"."""

    id, cites = "C-LEAVE", "2-64-4 C.1.d"
    label = _("Team left at once when the person ended it")

    def applies(self, subject, as_of=None):
        return subject.attempt.outcome == Outcome.ENDED_BY_CANDIDATE

    def validate(self, subject, as_of=None):
        a = subject.attempt
        errors = []
        if not a.ended_how:
            errors.append(
                self.fail(
                    _("record how the person ended the encounter (refused or asked us to leave).")
                )
            )
        if not a.team_left_immediately:
            errors.append(
                self.fail(
                    _(
                        "when the person refuses to communicate or asks the team to leave, the "
                        "team leaves at once. Confirm the team left immediately."
                    )
                )
            )
        if errors:
            raise ValidationError(errors)

    def help_text(self):
        return _("The team left at once when the person ended the encounter.")


@rule
class Consensual(AttemptRule):
    """C-CONSENT: the person may end the encounter at any time; an encounter they ended is
    recorded as ended by them, never as a plain delivery."""

    id, cites = "C-CONSENT", "2-64-3 E"
    label = _("An encounter the person ended is recorded as such")

    def applies(self, subject, as_of=None):
        return subject.attempt.outcome != Outcome.ENDED_BY_CANDIDATE

    def validate(self, subject, as_of=None):
        a = subject.attempt
        if a.ended_how or a.team_left_immediately:
            raise self.fail(
                _(
                    "the record says the person ended the encounter. Choose the outcome "
                    "“ended by the candidate” and record whether the message had been "
                    "delivered before; it is never counted as delivered."
                )
            )

    def help_text(self):
        return _("An encounter the person ended is recorded as ended by them.")


@rule
class AlternateRecipient(AttemptRule):
    """C-ALT: the letter and message may go to a family member, influencer or associate of the
    candidate, if warranted: who, their relationship and why."""

    id, cites = "C-ALT", "2-64-4 C.2"
    label = _("Alternate recipient and reason recorded")

    def applies(self, subject, as_of=None):
        a = subject.attempt
        return (
            a.outcome == Outcome.ALTERNATE
            or a.alternate_recipient is not None
            or has_text(a.alternate_reason)
        )

    def validate(self, subject, as_of=None):
        a = subject.attempt
        if a.outcome != Outcome.ALTERNATE:
            raise self.fail(
                _(
                    "an alternate recipient is recorded, but the outcome is not “delivered to "
                    "an alternate recipient”. Choose that outcome, or remove the recipient."
                )
            )
        errors = []
        person = a.alternate_recipient
        if person is None:
            errors.append(
                self.fail(
                    _(
                        "name the alternate recipient: a family member, influencer or associate "
                        "of the candidate (choose one of their relationships or add one)."
                    )
                )
            )
        elif person.candidate_id != subject.case.candidate_id:
            errors.append(self.fail(_("the alternate recipient is not one of this candidate's.")))
        elif person.kind not in ALTERNATE_KINDS:
            errors.append(
                self.fail(
                    _(
                        "%(name)s is recorded as “%(kind)s”; the letter may go only to a family "
                        "member, influencer or associate."
                    ),
                    name=person.name,
                    kind=person.get_kind_display(),
                )
            )
        elif not has_text(person.name):
            errors.append(self.fail(_("record the alternate recipient's name.")))
        if not has_text(a.alternate_reason):
            errors.append(
                self.fail(_("record why delivering to the alternate recipient was warranted."))
            )
        if errors:
            raise ValidationError(errors)

    def help_text(self):
        return _("An alternate recipient is a family member, influencer or associate, with why.")


@rule
class GuardianRecorded(AttemptRule):
    """C-GUARD: the parent or guardian present is recorded by name and relationship."""

    id, cites = "C-GUARD", PROGRAM_RULE
    label = _("Guardian present named with relationship")

    def applies(self, subject, as_of=None):
        return subject.juvenile and subject.attempt.guardian_present is not None

    def validate(self, subject, as_of=None):
        person = subject.attempt.guardian_present
        if person.candidate_id != subject.case.candidate_id:
            raise self.fail(_("the parent or guardian recorded is not one of this candidate's."))
        if not person.is_parent_or_guardian:
            raise self.fail(
                _(
                    "%(name)s is recorded as “%(kind)s”, not a parent or guardian. Record the "
                    "parent or guardian present with that relationship."
                ),
                name=person.name,
                kind=person.get_kind_display(),
            )
        if not has_text(person.name):
            raise self.fail(_("record the parent's or guardian's name."))

    def help_text(self):
        return _("The parent or guardian present is named, with their relationship.")


# Every rule an attempt is judged on at the door, in the order of 2-64-4 C.
ATTEMPT_RULES = [
    TeamReady(),
    ECCBeforeContact(),
    Delivered(),
    AlternateRecipient(),
    LeaveAtOnce(),
    Consensual(),
    SocialServices(),
    GuardianPlanned(),
    GuardianRecorded(),
]
# Field rules: what personnel do in the field. Broken in an encounter that happened, the Lead
# records it as an exception (requirements.md, "record what happened"); every other rule is a
# hard gate.
FIELD_RULES = ("C-ECC", "C-LEAVE", "J-GUARDIAN")


def attempt_states(subject):
    """Every rule the attempt is judged on, as of its contact time: (the preparation rules,
    the case as it stood with P-APPROVE given before contact; the delivery rules)."""
    as_of = subject.attempt.contact_at
    preparation = evaluate(
        [*PREPARATION_RULES, RULES_BY_ID["P-APPROVE"]], CaseSubject(subject.case), as_of
    )
    return preparation, evaluate(ATTEMPT_RULES, subject, as_of)


def check_attempt(subject, *, actor=None):
    """Raise one ValidationError listing every rule the attempt fails that no exception covers;
    return the states (for the attempt's stored checks).

    ``subject.exceptions`` maps a field rule to the Lead's explanation: only the Lead records
    exceptions, only for a field rule broken at the door, and always with why. Preparation
    rules are never excepted."""
    preparation, at_the_door = attempt_states(subject)
    failed = {e.code for state in at_the_door for e in state.errors}
    errors = []
    for rule_id, explanation in subject.exceptions.items():
        if rule_id not in FIELD_RULES:
            refused = _rule(rule_id)
            message = _("only a field rule broken at the door can be recorded as an exception.")
            errors.append(refused.fail(message) if refused else ValidationError(message))
            continue
        field_rule = _rule(rule_id)
        if actor is None or not has_role(actor, LEAD):
            errors.append(
                field_rule.fail(
                    _(
                        "only the VIP Law Enforcement Lead can record that a field rule was "
                        "broken; ask the Lead to record this attempt."
                    )
                )
            )
        elif rule_id not in failed:
            errors.append(
                field_rule.fail(_("the rule holds on this record; no exception is needed."))
            )
        elif not has_text(explanation):
            errors.append(field_rule.fail(_("explain what happened and why.")))
    covered = set(subject.exceptions) if not errors else set()
    for state in preparation:
        errors += state.errors
    for state in at_the_door:
        errors += [e for e in state.errors if e.code not in covered]
    if errors:
        raise ValidationError(errors)
    return [*preparation, *at_the_door]


def _rule(rule_id):
    from vipcn.policy import RULES

    return RULES[rule_id] if rule_id in RULES else None


# --- After-action --------------------------------------------------------------------------


class AfterActionRule(Rule):
    """A rule of the after-action, over the attempt (its database form)."""

    model = DeliveryAttempt


@rule
class ECCAdvisedOfOutcome(AfterActionRule):
    """A-ECC: the ECC is advised of the outcome (time and who), after the attempt, of the
    outcome as recorded: an outcome corrected later needs the ECC advised again."""

    id, cites = "A-ECC", "2-64-4 D.1"
    label = _("ECC advised of the outcome")

    def validate(self, subject, as_of=None):
        aa = subject.after_action
        attempt = subject.attempt
        if aa is None or not aa.ecc_outcome_advised_at or not has_text(aa.ecc_outcome_advised_by):
            raise self.fail(_("record when the ECC was advised of the outcome, and by whom."))
        if attempt.contact_at and aa.ecc_outcome_advised_at < attempt.contact_at:
            raise self.fail(
                _(
                    "the ECC cannot be advised of the outcome (%(ecc)s) before the attempt "
                    "(%(contact)s). Check both times."
                ),
                ecc=_local(aa.ecc_outcome_advised_at),
                contact=_local(attempt.contact_at),
            )
        if aa.ecc_advised_outcome != attempt.outcome:
            raise self.fail(
                _(
                    "the outcome is now “%(outcome)s”, but the ECC was advised of another "
                    "outcome. Advise the ECC of the outcome as recorded, and record when."
                ),
                outcome=Outcome(attempt.outcome).label,
            )

    def holds_q(self, as_of=None, path=""):
        advised = AfterAction.objects.filter(
            has_text_q("ecc_outcome_advised_by"),
            attempt=OuterRef("pk"),
            ecc_outcome_advised_at__isnull=False,
            ecc_outcome_advised_at__gte=OuterRef("contact_at"),
            ecc_advised_outcome=OuterRef("outcome"),
        )
        return Q(Exists(advised))

    def help_text(self):
        return _("The ECC was advised of the outcome.")


def cad_pattern():
    return settings.VIPCN["CAD_NUMBER_PATTERN"]


@rule
class CADReport(AfterActionRule):
    """A-CAD: the results are noted in the CAD report; its number is recorded, in the set
    format, once per attempt."""

    id, cites = "A-CAD", "2-64-4 D.1"
    label = _("CAD report number recorded")

    def validate(self, subject, as_of=None):
        aa = subject.after_action
        number = ((aa.cad_number if aa is not None else "") or "").strip()
        if not number:
            raise self.fail(_("record the CAD report number in which the outcome is noted."))
        if not re.search(cad_pattern(), number):
            raise self.fail(
                _("“%(number)s” is not a CAD report number in the expected format (%(pattern)s)."),
                number=number,
                pattern=cad_pattern(),
            )
        others = AfterAction.objects.filter(cad_number=number)
        if aa.pk:
            others = others.exclude(pk=aa.pk)
        if others.exists():
            raise self.fail(
                _(
                    "CAD report number %(number)s is already recorded for another attempt. Each "
                    "attempt has its own CAD report; check the number."
                ),
                number=number,
            )

    def holds_q(self, as_of=None, path=""):
        recorded = AfterAction.objects.filter(
            attempt=OuterRef("pk"), cad_number__regex=cad_pattern()
        )
        return Q(Exists(recorded))

    def help_text(self):
        return _("The CAD report number is recorded.")


@rule
class LeadConfirms(AfterActionRule):
    """A-RMS: the Law Enforcement Lead confirms the delivery is recorded; that closes the case
    or sends it back for another attempt."""

    id, cites = "A-RMS", "2-64-4 D.2"
    label = _("Lead confirmed the record")

    def validate(self, subject, as_of=None):
        if subject.actor is None:
            aa = subject.after_action
            if aa is None or aa.confirmed_at is None:
                raise self.fail(
                    _("the VIP Law Enforcement Lead has not yet confirmed the after-action.")
                )
            return
        errors = []
        if not has_role(subject.actor, LEAD):
            errors.append(
                self.fail(_("only the VIP Law Enforcement Lead can confirm the after-action."))
            )
        decision = subject.decision
        outcome = subject.attempt.outcome
        if decision not in AfterAction.Decision.values:
            errors.append(self.fail(_("choose whether to close the case or send it back.")))
        elif decision == AfterAction.Decision.CLOSE and outcome not in (
            DeliveryAttempt.CONTACT_OUTCOMES
        ):
            errors.append(
                self.fail(
                    _(
                        "the candidate was not met on this attempt (%(outcome)s); the case "
                        "cannot close on it. Send it back for another attempt."
                    ),
                    outcome=subject.attempt.get_outcome_display(),
                )
            )
        elif decision == AfterAction.Decision.RETRY and outcome == Outcome.DELIVERED:
            errors.append(
                self.fail(
                    _("the CN was delivered to the candidate on this attempt: close the case.")
                )
            )
        if errors:
            raise ValidationError(errors)

    def holds_q(self, as_of=None, path=""):
        return Q(
            Exists(AfterAction.objects.filter(attempt=OuterRef("pk"), confirmed_at__isnull=False))
        )

    def help_text(self):
        return _("The VIP Law Enforcement Lead confirmed the after-action.")


AFTER_ACTION_RULES = [ECCAdvisedOfOutcome(), CADReport()]
CONFIRMATION_RULES = [ECCAdvisedOfOutcome(), CADReport(), LeadConfirms()]


def after_action_states(subject):
    return evaluate(CONFIRMATION_RULES, subject)


def check_after_action(subject):
    states = evaluate(AFTER_ACTION_RULES, subject)
    errors = [e for s in states for e in s.errors]
    if errors:
        raise ValidationError(errors)


def check_confirmation(subject):
    """Closing or sending back needs A-ECC, A-CAD and the Lead's confirmation (A-RMS)."""
    states = evaluate(CONFIRMATION_RULES, subject)
    errors = [e for s in states for e in s.errors]
    if errors:
        raise ValidationError(errors)
