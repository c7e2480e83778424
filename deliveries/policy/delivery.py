"""SOP 2-64 rules for delivering a CN and its after-action (2-64-4 C-D, 2-64-5 C-D).

Delivery: C-ECC, C-DELIVER, C-SOCIAL, C-LEAVE, C-CONSENT, C-ALT, C-GUARD and J-GUARDIAN, plus
the team actually present (deliverer rules DLV-*, one function in policy/personnel.py).
After-action: A-ECC, A-CAD, A-RMS.

Each rule reads an ``AttemptSubject`` (the attempt as it would be saved, the team present and
whether the juvenile safeguards apply) or an ``AfterActionSubject``; services build the subject,
call ``check_attempt`` / ``check_after_action`` / ``check_confirmation`` and write only when
every rule holds.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliveries.juvenile import case_is_juvenile
from deliveries.models import AfterAction, AttemptTeamMember, DeliveryAttempt
from deliveries.policy.personnel import (
    check_accompanying,
    check_deliverer,
    is_designated_lead,
)
from vipcn.policy import Rule, check, evaluate
from vipcn.roles import LEAD, has_role

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


def message_reached(attempt):
    """Whether the GVI message reached someone on this attempt: a delivered outcome, or an
    encounter the person ended after the message had been delivered (C-LEAVE: recorded as
    "ended by the candidate", never as delivered, but the message was given all the same)."""
    return attempt.outcome in DeliveryAttempt.DELIVERED_OUTCOMES or (
        attempt.outcome == Outcome.ENDED_BY_CANDIDATE and bool(attempt.message_delivered)
    )


@dataclass
class TeamEntry:
    """One member of the team present: an officer from Personnel, or a named non-officer."""

    role: str
    personnel: object = None
    name: str = ""

    @property
    def label(self):
        return self.personnel.full_name if self.personnel is not None else self.name


@dataclass
class AttemptSubject:
    """An attempt as it would be saved (not yet written), with the team present."""

    attempt: DeliveryAttempt
    team: list = field(default_factory=list)
    accepted_letter: object = None

    @property
    def case(self):
        return self.attempt.case

    @property
    def on_date(self):
        return timezone.localdate(self.attempt.contact_at) if self.attempt.contact_at else None

    @property
    def juvenile(self):
        if not hasattr(self, "_juvenile"):
            self._juvenile = case_is_juvenile(self.case, self.on_date or timezone.localdate())
        return self._juvenile

    def members(self, *roles):
        return [m for m in self.team if m.role in roles]


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


class TeamEligible(Rule):
    """Every deliverer (and the Lead) passes the deliverer rules at the attempt date; an
    accompanying officer not yet eligible is present only with the Lead on the team."""

    id, sop = "DLV-ACCOMP", "2-64-6 A"

    def validate(self, subject):
        errors = []
        on_date = subject.on_date
        if on_date is None:
            return  # The attempt's date is asked for by the form; nothing to check against.
        officers = subject.members(TeamRole.DELIVERER, TeamRole.LEAD)
        for member in officers:
            try:
                check_deliverer(member.personnel, on_date)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        for member in subject.members(TeamRole.LEAD):
            person = member.personnel
            if not is_designated_lead(person, on_date):
                errors.append(
                    self.fail(
                        _(
                            "%(name)s is not recorded as the VIP Law Enforcement Lead or a "
                            "designee on %(date)s. Record them as a deliverer instead."
                        ),
                        name=person.full_name,
                        date=on_date.isoformat(),
                    )
                )
        accompanying = subject.members(TeamRole.ACCOMPANYING)
        for member in accompanying:
            try:
                check_accompanying(member.personnel, on_date)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if accompanying and not subject.members(TeamRole.LEAD):
            errors.append(
                self.fail(
                    _(
                        "an accompanying officer (%(names)s) may be present only with the VIP "
                        "Law Enforcement Lead on the team. Add the Lead to the team, or record "
                        "the officer as a deliverer if they are eligible."
                    ),
                    names=", ".join(m.label for m in accompanying),
                )
            )
        if errors:
            raise ValidationError(errors)

    def help_text(self):
        return _(
            "Every deliverer is eligible on the day; an accompanying officer goes only with the "
            "Lead."
        )


class DelivererPresent(Rule):
    """Only sworn personnel deliver a CN: the team present includes a deliverer or the Lead."""

    id, sop = "DLV-SWORN", "2-64-6 A"

    def validate(self, subject):
        if not subject.members(TeamRole.DELIVERER, TeamRole.LEAD):
            raise self.fail(
                _(
                    "no deliverer was on the team. Record at least one deliverer or the VIP "
                    "Law Enforcement Lead present."
                )
            )

    def help_text(self):
        return _("A sworn deliverer or the Lead was on the team.")


class ECCBeforeContact(Rule):
    """C-ECC: the ECC is told the location, the team and the candidate's identity before
    contact; the time and who advised are recorded."""

    id, sop = "C-ECC", "2-64-4 C.1.a, 2-64-5 C.1.a"

    def validate(self, subject):
        a = subject.attempt
        missing = []
        if not a.ecc_advised_at:
            missing.append(_("the time the ECC was advised"))
        if not (a.ecc_advised_by or "").strip():
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
        if a.contact_at and a.ecc_advised_at > a.contact_at:
            raise self.fail(
                _(
                    "the ECC was advised at %(ecc)s, after the contact at %(contact)s. The ECC "
                    "must be advised before contact; check both times."
                ),
                ecc=_local(a.ecc_advised_at),
                contact=_local(a.contact_at),
            )

    def help_text(self):
        return _("The ECC was advised of the location, team and candidate before contact.")


class Delivered(Rule):
    """C-DELIVER: a delivered outcome means the letter was presented (the accepted version,
    where the case has one) and the GVI message was delivered."""

    id, sop = "C-DELIVER", "2-64-4 C.1.b, 2-64-5 C.1.b"

    def applies(self, subject):
        return subject.attempt.outcome in DeliveryAttempt.DELIVERED_OUTCOMES

    def validate(self, subject):
        a = subject.attempt
        errors = []
        if not a.message_delivered:
            errors.append(
                self.fail(
                    _(
                        "a delivered outcome requires the GVI message to have been delivered. "
                        "If it was not, choose another outcome."
                    )
                )
            )
        letter = subject.accepted_letter
        if letter is not None and a.letter_presented_id != letter.pk:
            errors.append(
                self.fail(
                    _(
                        "this case has an accepted letter (version %(number)s); record that it "
                        "was presented. If it was not, the CN was not delivered as approved."
                    ),
                    number=letter.number,
                )
            )
        if letter is None and a.letter_presented_id is not None:
            errors.append(
                self.fail(_("only the case's accepted letter can be recorded as presented."))
            )
        if errors:
            raise ValidationError(errors)

    def help_text(self):
        return _("The accepted letter was presented and the GVI message delivered.")


class SocialServices(Rule):
    """C-SOCIAL: whether the social services component delivered its message and resources,
    and why not if it did not."""

    id, sop = "C-SOCIAL", "2-64-4 C.1.c, 2-64-5 C.1.c"

    def applies(self, subject):
        return subject.attempt.outcome in DeliveryAttempt.CONTACT_OUTCOMES

    def validate(self, subject):
        a = subject.attempt
        if a.social_services_delivered is None:
            raise self.fail(
                _(
                    "record whether the social services component delivered its message and "
                    "resources on scene."
                )
            )
        if a.social_services_delivered is False and not (a.social_services_reason or "").strip():
            raise self.fail(
                _("the social services component did not deliver its message: record why not.")
            )

    def help_text(self):
        return _("Whether social services delivered their message on scene, and why not.")


class LeaveAtOnce(Rule):
    """C-LEAVE: when the person refuses or asks the team to leave, the team leaves at once and
    the outcome is "ended by the candidate"."""

    id, sop = "C-LEAVE", "2-64-4 C.1.d"

    def applies(self, subject):
        return subject.attempt.outcome == Outcome.ENDED_BY_CANDIDATE

    def validate(self, subject):
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


class Consensual(Rule):
    """C-CONSENT: the person may end the encounter at any time; an encounter they ended is
    recorded as ended by them, never as a plain delivery."""

    id, sop = "C-CONSENT", "2-64-3 E"

    def applies(self, subject):
        return subject.attempt.outcome != Outcome.ENDED_BY_CANDIDATE

    def validate(self, subject):
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


class AlternateRecipient(Rule):
    """C-ALT: the letter and message may go to a family member, influencer or associate of the
    candidate, if warranted: who, their relationship and why."""

    id, sop = "C-ALT", "2-64-4 C.2, 2-64-5 C.2"

    def applies(self, subject):
        return subject.attempt.outcome == Outcome.ALTERNATE

    def validate(self, subject):
        a = subject.attempt
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
        elif not (person.name or "").strip():
            errors.append(self.fail(_("record the alternate recipient's name.")))
        if not (a.alternate_reason or "").strip():
            errors.append(
                self.fail(_("record why delivering to the alternate recipient was warranted."))
            )
        if errors:
            raise ValidationError(errors)

    def help_text(self):
        return _("An alternate recipient is a family member, influencer or associate, with why.")


class GuardianPresent(Rule):
    """J-GUARDIAN: never deliver a CN to a juvenile without a parent or guardian present
    (also when the juvenile ended the encounter after the message was delivered)."""

    id, sop = "J-GUARDIAN", "2-64-5 B.1.f"

    def applies(self, subject):
        return message_reached(subject.attempt) and subject.juvenile

    def validate(self, subject):
        if subject.attempt.guardian_present is None:
            raise self.fail(
                _(
                    "a juvenile's CN is never delivered without a parent or guardian present. "
                    "Record the parent or guardian who was present, or choose another outcome."
                )
            )

    def help_text(self):
        return _("A parent or guardian was present (juveniles).")


class GuardianRecorded(Rule):
    """C-GUARD: the parent or guardian present is recorded by name and relationship."""

    id, sop = "C-GUARD", "2-64-5 C, B.1.f"

    def applies(self, subject):
        return subject.juvenile and subject.attempt.guardian_present is not None

    def validate(self, subject):
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
        if not (person.name or "").strip():
            raise self.fail(_("record the parent's or guardian's name."))

    def help_text(self):
        return _("The parent or guardian present is named, with their relationship.")


class AbortReason(Rule):
    """An aborted attempt says why (part of the C-DELIVER record: the CN was not delivered)."""

    id, sop = "C-DELIVER", "2-64-4 C.1.b"

    def applies(self, subject):
        return subject.attempt.outcome == Outcome.ABORTED

    def validate(self, subject):
        if not (subject.attempt.abort_reason or "").strip():
            raise self.fail(_("record why the attempt was aborted."))

    def help_text(self):
        return _("An aborted attempt records why.")


ATTEMPT_RULES = [
    DelivererPresent(),
    TeamEligible(),
    ECCBeforeContact(),
    Delivered(),
    AbortReason(),
    LeaveAtOnce(),
    Consensual(),
    AlternateRecipient(),
    GuardianPresent(),
    GuardianRecorded(),
    SocialServices(),
]


def attempt_states(subject):
    return evaluate(ATTEMPT_RULES, subject)


def check_attempt(subject):
    """Raise one ValidationError listing every delivery rule the attempt fails."""
    check(ATTEMPT_RULES, subject)


# --- After-action ------------------------------------------------------------------------


@dataclass
class AfterActionSubject:
    after_action: AfterAction
    attempt: DeliveryAttempt
    actor: object = None
    decision: str = ""


class ECCAdvisedOfOutcome(Rule):
    """A-ECC: the ECC is advised of the outcome (time and who)."""

    id, sop = "A-ECC", "2-64-4 D.1, 2-64-5 D.1"

    def validate(self, subject):
        aa = subject.after_action
        if not aa.ecc_outcome_advised_at or not (aa.ecc_outcome_advised_by or "").strip():
            raise self.fail(_("record when the ECC was advised of the outcome, and by whom."))
        contact_at = subject.attempt.contact_at
        if contact_at and aa.ecc_outcome_advised_at < contact_at:
            raise self.fail(
                _(
                    "the ECC cannot be advised of the outcome (%(ecc)s) before the attempt "
                    "(%(contact)s). Check both times."
                ),
                ecc=_local(aa.ecc_outcome_advised_at),
                contact=_local(contact_at),
            )

    def help_text(self):
        return _("The ECC was advised of the outcome.")


class CADReport(Rule):
    """A-CAD: the results are noted in the CAD report; its number is recorded, in the set
    format, once per attempt."""

    id, sop = "A-CAD", "2-64-4 D.1, 2-64-5 D.1"

    def validate(self, subject):
        number = (subject.after_action.cad_number or "").strip()
        if not number:
            raise self.fail(_("record the CAD report number in which the outcome is noted."))
        pattern = settings.VIPCN["CAD_NUMBER_PATTERN"]
        if not re.fullmatch(pattern, number):
            raise self.fail(
                _("“%(number)s” is not a CAD report number in the expected format (%(pattern)s)."),
                number=number,
                pattern=pattern,
            )
        others = AfterAction.objects.filter(cad_number=number)
        if subject.after_action.pk:
            others = others.exclude(pk=subject.after_action.pk)
        if others.exists():
            raise self.fail(
                _(
                    "CAD report number %(number)s is already recorded for another attempt. Each "
                    "attempt has its own CAD report; check the number."
                ),
                number=number,
            )

    def help_text(self):
        return _("The CAD report number is recorded.")


class LeadConfirms(Rule):
    """A-RMS: the Law Enforcement Lead confirms the delivery is recorded; that closes the case
    or sends it back for another attempt."""

    id, sop = "A-RMS", "2-64-4 D.2, 2-64-5 D.2"

    def validate(self, subject):
        errors = []
        if subject.actor is None or not has_role(subject.actor, LEAD):
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

    def help_text(self):
        return _("The VIP Law Enforcement Lead confirmed the after-action.")


AFTER_ACTION_RULES = [ECCAdvisedOfOutcome(), CADReport()]
CONFIRMATION_RULES = [ECCAdvisedOfOutcome(), CADReport(), LeadConfirms()]


def after_action_states(subject):
    return evaluate(CONFIRMATION_RULES, subject)


def check_after_action(subject):
    check(AFTER_ACTION_RULES, subject)


def check_confirmation(subject):
    """Closing or sending back needs A-ECC, A-CAD and the Lead's confirmation (A-RMS)."""
    check(CONFIRMATION_RULES, subject)
