"""Preparing a CN (SOP 2-64-4 B adults, 2-64-5 B juveniles): the checklist and the approval.

P-THREAT, P-BACKGROUND, P-LETTER, P-TEAM, P-SOCIAL for every case; J-JPO, J-DECIDE,
J-GUARDIAN when the juvenile safeguards apply (J-AGE, deliveries.juvenile); P-APPROVE, the
Lead's sign-off that every rule above holds. ``preparation_states`` is the checklist the case
page shows; ``check_approval`` is what ``case_approve`` runs, returning every failure at once.
"""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliveries.juvenile import case_is_juvenile
from deliveries.models import CNCase, GuardianContact, JuvenileDecision, TeamAssignment
from deliveries.policy.personnel import (
    check_accompanying,
    check_deliverer,
    is_designated_lead,
)
from vipcn.policy import Rule, check, evaluate
from vipcn.roles import LEAD, has_role


class Subject:
    """A case, the date the rules are read on, and (for the approval) who approves.

    The juvenile safeguards apply when the candidate was a juvenile at identification
    (determination), when the case was opened, or on ``on_date``: turning 18 during
    preparation never removes a safeguard already owed (J-AGE reading).
    """

    def __init__(self, case, on_date=None, actor=None, memo=None):
        self.case = case
        self.on_date = on_date or timezone.localdate()
        self.actor = actor
        # Lists share one memo so each officer's DLV-* check runs once per page.
        self.memo = {} if memo is None else memo
        self.juvenile = case_is_juvenile(case, self.on_date)


def _one(case, attribute):
    """The case's one-to-one item, or None when it has not been recorded."""
    try:
        return getattr(case, attribute)
    except ObjectDoesNotExist:
        return None


class ThreatAssessed(Rule):
    id, sop = "P-THREAT", "2-64-4 B.1.a / 2-64-5 B.1.a"

    def validate(self, subject):
        item = _one(subject.case, "threat_assessment")
        if item is None:
            raise self.fail(
                _(
                    "a threat assessment must be completed on the candidate before any "
                    "delivery. Record who completed it, when, and its summary."
                )
            )

    def help_text(self):
        return _("A threat assessment has been completed on the candidate.")


class BackgroundChecked(Rule):
    id, sop = "P-BACKGROUND", "2-64-4 B.1.a / 2-64-5 B.1.a"

    def validate(self, subject):
        if _one(subject.case, "background_check") is None:
            raise self.fail(
                _(
                    "a background check must be completed on the candidate before any "
                    "delivery. Record who completed it, when, and its summary."
                )
            )

    def help_text(self):
        return _("A background check has been completed on the candidate.")


class LetterSettled(Rule):
    id, sop = "P-LETTER", "2-64-4 B.1.b"

    def validate(self, subject):
        case = subject.case
        versions = list(case.letter_versions.all())
        if any(v.accepted_at for v in versions):
            return
        if case.no_letter_reason.strip() and case.no_letter_by_id:
            return
        if versions:
            latest = max(versions, key=lambda v: v.number)
            raise self.fail(
                _(
                    "letter version %(number)s is a draft. The VIP Law Enforcement Lead must "
                    "accept a version (it is then final), or record why no letter is warranted."
                ),
                number=latest.number,
            )
        raise self.fail(
            _(
                "draft a personalized letter advising the penalties specific to the candidate "
                "and have the VIP Law Enforcement Lead accept it, or have the Lead record why "
                "no letter is warranted."
            )
        )

    def help_text(self):
        return _(
            "A personalized letter is accepted by the Lead, or the Lead recorded why no letter "
            "is warranted."
        )


class TeamReady(Rule):
    id, sop = "P-TEAM", "2-64-4 B.1.c"

    def validate(self, subject):
        members = list(subject.case.team.all())
        errors = []
        delivering = [
            m
            for m in members
            if m.role in (TeamAssignment.Role.DELIVERER, TeamAssignment.Role.LEAD)
        ]
        if not delivering:
            errors.append(
                self.fail(
                    _(
                        "name the law-enforcement personnel who will deliver the CN: add at "
                        "least one deliverer or the VIP Law Enforcement Lead to the team."
                    )
                )
            )
        has_lead = any(m.role == TeamAssignment.Role.LEAD for m in members)
        for member in members:
            person = member.personnel
            if member.role == TeamAssignment.Role.ACCOMPANYING:
                problems = _problems(check_accompanying, person, subject)
                if not has_lead:
                    problems.append(
                        _(
                            "%(name)s may go only as an accompanying officer with the VIP Law "
                            "Enforcement Lead on the team; add the Lead."
                        )
                        % {"name": person.full_name}
                    )
            else:
                problems = _problems(check_deliverer, person, subject)
                if member.role == TeamAssignment.Role.LEAD and not is_designated_lead(
                    person, subject.on_date
                ):
                    problems.append(
                        _(
                            "%(name)s is not recorded as the VIP Law Enforcement Lead or a "
                            "designee; add them as a deliverer instead."
                        )
                        % {"name": person.full_name}
                    )
            for problem in problems:
                errors.append(
                    self.fail(
                        _("team member %(name)s cannot go as planned: %(problem)s"),
                        name=person.full_name,
                        problem=problem,
                    )
                )
        if errors:
            raise ValidationError(errors)

    def help_text(self):
        return _(
            "The delivery team is named and each deliverer is eligible under the deliverer "
            "rules (DLV-*) on the day."
        )


def _problems(checker, person, subject):
    key = (checker.__name__, person.pk, subject.on_date)
    if key not in subject.memo:
        try:
            checker(person, subject.on_date)
        except ValidationError as exc:
            subject.memo[key] = [m for e in exc.error_list for m in e.messages]
        else:
            subject.memo[key] = []
    return list(subject.memo[key])


class SocialServicesPlanned(Rule):
    id, sop = "P-SOCIAL", "2-64-4 B.1.d"

    def validate(self, subject):
        plan = _one(subject.case, "social_services")
        if plan is None or not (plan.organization.strip() and plan.contact_person.strip()):
            raise self.fail(
                _(
                    "record the social services provider organisation and the person "
                    "coordinated with for a collaborative delivery."
                )
            )

    def help_text(self):
        return _("A named social services provider and person are on the delivery plan.")


class _Juvenile(Rule):
    def applies(self, subject):
        return subject.juvenile


class ProbationOfficeContacted(_Juvenile):
    id, sop = "J-JPO", "2-64-5 B.1.b"

    def validate(self, subject):
        jpo = _one(subject.case, "jpo_check")
        if jpo is None:
            raise self.fail(
                _(
                    "contact the Juvenile Probation Office to learn whether the juvenile is on "
                    "probation; record the date, the contact, the probation status and officer."
                )
            )
        if jpo.on_probation and not jpo.probation_officer.strip():
            raise self.fail(
                _("the juvenile is on probation: record the name of the probation officer.")
            )

    def help_text(self):
        return _("The Juvenile Probation Office was contacted and the probation status recorded.")


class JuvenileDeliveryDecided(_Juvenile):
    id, sop = "J-DECIDE", "2-64-5 B.1.b"

    def validate(self, subject):
        decision = _one(subject.case, "juvenile_decision")
        if decision is None:
            raise self.fail(
                _(
                    "the VIP Law Enforcement Lead must record whether the CN shall be delivered, "
                    "based on the status of services to the juvenile and of the probation "
                    "officer's relationship with the juvenile."
                )
            )
        if decision.decision == JuvenileDecision.Decision.DO_NOT_DELIVER:
            raise self.fail(
                _("the Lead decided the CN shall not be delivered; the case is stopped.")
            )

    def help_text(self):
        return _("The Lead recorded that the CN shall be delivered to the juvenile, and why.")


class GuardianPlanned(_Juvenile):
    id, sop = "J-GUARDIAN", "2-64-5 B.1.f"

    def validate(self, subject):
        case = subject.case
        contacts = list(case.guardian_contacts.all())
        errors = []
        if not contacts:
            errors.append(
                self.fail(
                    _(
                        "attempt contact with the juvenile's parent or guardian before delivery "
                        "and record the date, method and result."
                    )
                )
            )
        guardian = case.planned_guardian
        if guardian is None:
            errors.append(
                self.fail(
                    _(
                        "a juvenile's CN requires a parent or guardian present: name the parent "
                        "or guardian planned to be present."
                    )
                )
            )
        elif guardian.candidate_id != case.candidate_id or not guardian.is_parent_or_guardian:
            errors.append(
                self.fail(
                    _("%(name)s is not recorded as a parent or guardian of the candidate."),
                    name=guardian.name,
                )
            )
        else:
            theirs = sorted(
                (c for c in contacts if c.guardian_id == guardian.pk),
                key=lambda c: (c.attempted_on, c.pk),
            )
            if theirs and theirs[-1].result == GuardianContact.Result.REACHED_WILL_NOT_ATTEND:
                errors.append(
                    self.fail(
                        _(
                            "%(name)s said they will not be present; plan another parent or "
                            "guardian, or record a new contact confirming they will attend."
                        ),
                        name=guardian.name,
                    )
                )
        if errors:
            raise ValidationError(errors)

    def help_text(self):
        return _(
            "Contact with the parent or guardian was attempted, and one is planned to be present."
        )


class LeadApproved(Rule):
    """With an actor: may this user give the approval? Without: has the case been approved?"""

    id, sop = "P-APPROVE", "2-64-4 B / 2-64-5 B"

    def validate(self, subject):
        if subject.actor is not None:
            if not has_role(subject.actor, LEAD):
                raise self.fail(
                    _("only a user acting as VIP Law Enforcement Lead can approve a CN.")
                )
            return
        case = subject.case
        if case.state == CNCase.State.PREPARING or case.approved_at is None:
            raise self.fail(
                _(
                    "the VIP Law Enforcement Lead approves the CN for delivery once every "
                    "other item of this checklist is met."
                )
            )

    def help_text(self):
        return _("The VIP Law Enforcement Lead approved the CN for delivery.")


PREPARATION_RULES = [
    ThreatAssessed(),
    BackgroundChecked(),
    LetterSettled(),
    TeamReady(),
    SocialServicesPlanned(),
    ProbationOfficeContacted(),
    JuvenileDeliveryDecided(),
    GuardianPlanned(),
]
CHECKLIST_RULES = [*PREPARATION_RULES, LeadApproved()]
RULES_BY_ID = {rule.id: rule for rule in CHECKLIST_RULES}


def preparation_states(case, on_date=None, memo=None):
    """The case page's checklist: every rule, met / not met / not applicable."""
    return evaluate(CHECKLIST_RULES, Subject(case, on_date, memo=memo))


def unmet_rule_ids(case, on_date=None):
    """What the case is waiting for (the "my work" list)."""
    return [s.id for s in preparation_states(case, on_date) if s.applies and not s.ok]


def awaiting_approval(case, on_date=None):
    """In preparation with every preparation rule met: only the Lead's approval is missing."""
    if case.state != CNCase.State.PREPARING:
        return False
    return all(state.ok for state in evaluate(PREPARATION_RULES, Subject(case, on_date)))


def check_approval(case, actor, on_date=None):
    """Raise one ValidationError with every failure that keeps ``actor`` from approving."""
    subject = Subject(case, on_date, actor=actor)
    check([LeadApproved(), *PREPARATION_RULES], subject)


def require_lead(actor, rule_id, message):
    """Refuse a step only the VIP Law Enforcement Lead may take, citing the rule."""
    if not has_role(actor, LEAD):
        raise RULES_BY_ID[rule_id].fail(message)
