"""Preparing a CN (SOP 2-64-4 B for every candidate, 2-64-5 B adding the juvenile safeguards):
the case checklist and the approval.

ID-DET (the determination in force still holds), P-THREAT, P-BACKGROUND, P-LETTER, P-TEAM,
P-SOCIAL for every case; J-JPO, J-DECIDE, J-GUARDIAN when the juvenile safeguards apply
(J-AGE, candidates.juvenile); P-APPROVE, the Lead's sign-off that every rule above holds.
``CASE_RULES`` is the one list every reader goes through: the case page, "my work", the
approval queue, the dashboard, the digest, the case list filters, the approval and the
attempt gate. Each rule judges the case as of a moment and has its database form over CNCase.

Readings (requirements.md): a preparation record counts only if it was made after the case
was opened and by the moment in question; a threat assessment or background check counts for
``PREPARATION_VALID_DAYS`` (default 90); the approval counts only before the contact.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Relationship
from candidates.policy import Determination
from deliveries.models import (
    BackgroundCheck,
    CNCase,
    GuardianContact,
    JPOCheck,
    JuvenileDecision,
    LetterVersion,
    SocialServicesPlan,
    TeamAssignment,
    ThreatAssessment,
)
from deliveries.policy.personnel import (
    ACCOMPANYING_RULES,
    DELIVERER_RULES,
    accompanying_q,
    deliverer_q,
    designated_q,
    is_designated_lead,
)
from deliveries.policy.subjects import AttemptSubject, CaseSubject, case_juvenile_q
from vipcn.policy import PROGRAM_RULE, Rule, evaluate, has_text, has_text_q, local_date, rule
from vipcn.roles import LEAD, has_role

S = CNCase.State
Role = TeamAssignment.Role


def valid_days():
    return settings.VIPCN["PREPARATION_VALID_DAYS"]


class CaseRule(Rule):
    model = CNCase

    def holds_q(self, as_of, path=""):
        raise NotImplementedError


class _Juvenile(CaseRule):
    juvenile_cites = ""

    def applies(self, subject, as_of):
        return subject.juvenile

    def applies_q(self, as_of):
        return case_juvenile_q()


# --- P-THREAT, P-BACKGROUND ------------------------------------------------------------------


class _CompletedCheck(CaseRule):
    """A check completed on the candidate after the case was opened, by the moment in
    question, no more than ``PREPARATION_VALID_DAYS`` before it."""

    item = ""  # the case's one-to-one attribute
    item_model = None

    def validate(self, subject, as_of):
        day = local_date(as_of)
        item = subject.one(self.item)
        if item is None or item.created_at > as_of:
            raise self.fail(self.missing_message())
        if item.completed_on < subject.case.opened_on:
            raise self.fail(
                _(
                    "it is dated %(date)s, before the case was opened (%(opened)s); only a "
                    "check made for this case counts. Record a new one."
                ),
                date=item.completed_on.isoformat(),
                opened=subject.case.opened_on.isoformat(),
            )
        if item.completed_on > day:
            raise self.fail(
                _("it is dated %(date)s, after %(day)s; it did not exist yet then."),
                date=item.completed_on.isoformat(),
                day=day.isoformat(),
            )
        if (day - item.completed_on).days > valid_days():
            raise self.fail(
                _(
                    "it was completed on %(date)s, more than %(days)s days before %(day)s; an "
                    "older one must be redone. Record a new one."
                ),
                date=item.completed_on.isoformat(),
                days=valid_days(),
                day=day.isoformat(),
            )

    def holds_q(self, as_of, path=""):
        day = local_date(as_of)
        item = self.item_model.objects.filter(
            case=OuterRef("pk"),
            created_at__lte=as_of,
            completed_on__gte=OuterRef("opened_on"),
            completed_on__lte=day,
        ).filter(completed_on__gte=day - datetime.timedelta(days=valid_days()))
        return Q(Exists(item))


@rule
class ThreatAssessed(_CompletedCheck):
    id, cites = "P-THREAT", "2-64-4 B.1.a"
    label = _("Threat assessment completed")
    item, item_model = "threat_assessment", ThreatAssessment

    def missing_message(self):
        return _(
            "a threat assessment must be completed on the candidate before any delivery. "
            "Record who completed it, when, and its summary."
        )

    def help_text(self):
        return _(
            "A threat assessment was completed on the candidate for this case, within the "
            "last %(days)s days."
        ) % {"days": valid_days()}


@rule
class BackgroundChecked(_CompletedCheck):
    id, cites = "P-BACKGROUND", "2-64-4 B.1.a"
    label = _("Background check completed")
    item, item_model = "background_check", BackgroundCheck

    def missing_message(self):
        return _(
            "a background check must be completed on the candidate before any delivery. "
            "Record who completed it, when, and its summary."
        )

    def help_text(self):
        return _(
            "A background check was completed on the candidate for this case, within the "
            "last %(days)s days."
        ) % {"days": valid_days()}


# --- P-LETTER --------------------------------------------------------------------------------


def letter_names_penalties(letter):
    """The letter names at least one penalty with its plain-language description in the
    letter's language."""
    return any(has_text(p.description_in(letter.language)) for p in letter.penalties.all())


def accepted_letter(case, as_of=None):
    """The case's accepted letter version (accepted by ``as_of``, when given)."""
    versions = [v for v in case.letter_versions.all() if v.accepted_at is not None]
    if as_of is not None:
        versions = [v for v in versions if v.accepted_at <= as_of]
    return versions[0] if versions else None


@rule
class LetterSettled(CaseRule):
    id, cites = "P-LETTER", "2-64-4 B.1.b"
    label = _("Letter accepted, or why none is warranted")

    def validate(self, subject, as_of):
        case = subject.case
        letter = accepted_letter(case, as_of)
        if letter is not None:
            if not letter_names_penalties(letter):
                raise self.fail(
                    _(
                        "the accepted letter (version %(number)s) names no penalty. A letter "
                        "advises the penalties specific to the candidate: draft a new version "
                        "with at least one penalty and have the Lead accept it."
                    ),
                    number=letter.number,
                )
            return
        if (
            has_text(case.no_letter_reason)
            and case.no_letter_by_id
            and case.no_letter_at is not None
            and case.no_letter_at <= as_of
        ):
            return
        versions = list(case.letter_versions.all())
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

    def holds_q(self, as_of, path=""):
        through = LetterVersion.penalties.through
        described = through.objects.filter(letterversion=OuterRef("pk")).filter(
            Q(letterversion__language="es") & has_text_q("penalty__description_es")
            | ~Q(letterversion__language="es") & has_text_q("penalty__description_en")
        )
        letter = LetterVersion.objects.filter(
            Exists(described), case=OuterRef("pk"), accepted_at__lte=as_of
        )
        none_warranted = (
            has_text_q("no_letter_reason")
            & Q(no_letter_by__isnull=False)
            & Q(no_letter_at__lte=as_of)
        )
        return Q(Exists(letter)) | none_warranted & ~Q(
            Exists(LetterVersion.objects.filter(case=OuterRef("pk"), accepted_at__lte=as_of))
        )

    def help_text(self):
        return _(
            "A personalized letter naming the penalties is accepted by the Lead, or the Lead "
            "recorded why no letter is warranted."
        )


# --- P-TEAM ----------------------------------------------------------------------------------


def _person_errors(rules, person, as_of, memo):
    key = (id(rules), person.pk, as_of)
    if key not in memo:
        errors = []
        for person_rule in rules:
            try:
                person_rule.validate(person, as_of)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        memo[key] = errors
    return list(memo[key])


@rule
class TeamReady(CaseRule):
    """P-TEAM: the personnel who will deliver are named, each eligible under DLV-* (their own
    refusals say which); an accompanying officer goes only with the Lead. At the door (an
    attempt) the team present is the approved team."""

    id, cites = "P-TEAM", "2-64-4 B.1.c"
    label = _("Delivery team named and eligible")

    def validate(self, subject, as_of, memo=None):
        if isinstance(subject, AttemptSubject):
            return self._validate_at_the_door(subject)
        memo = {} if memo is None else memo
        members = subject.team(as_of)
        errors = []
        if not any(m.role in (Role.DELIVERER, Role.LEAD) for m in members):
            errors.append(
                self.fail(
                    _(
                        "name the law-enforcement personnel who will deliver the CN: add at "
                        "least one deliverer or the VIP Law Enforcement Lead to the team."
                    )
                )
            )
        has_lead = any(m.role == Role.LEAD for m in members)
        day = local_date(as_of)
        for member in members:
            person = member.personnel
            if member.role == Role.ACCOMPANYING:
                errors += _person_errors(ACCOMPANYING_RULES, person, as_of, memo)
                if not has_lead:
                    errors.append(
                        self.fail(
                            _(
                                "%(name)s may go only as an accompanying officer with the VIP "
                                "Law Enforcement Lead on the team; add the Lead."
                            ),
                            name=person.full_name,
                        )
                    )
                continue
            errors += _person_errors(DELIVERER_RULES, person, as_of, memo)
            if member.role == Role.LEAD and not is_designated_lead(person, day):
                errors.append(
                    self.fail(
                        _(
                            "%(name)s is not recorded as the VIP Law Enforcement Lead or a "
                            "designee on %(date)s; add them as a deliverer instead."
                        ),
                        name=person.full_name,
                        date=day.isoformat(),
                    )
                )
        if errors:
            raise ValidationError(errors)

    def _validate_at_the_door(self, subject):
        planned = {m.personnel_id: m for m in subject.case.team.all()}
        present = {e.personnel.pk: e for e in subject.team if e.personnel is not None}
        differences = []
        for pk, member in planned.items():
            entry = present.get(pk)
            if entry is None:
                differences.append(
                    _("%(name)s was approved as %(role)s but is not recorded present")
                    % {"name": member.personnel.full_name, "role": member.get_role_display()}
                )
            elif entry.role != member.role:
                differences.append(
                    _("%(name)s was approved as %(role)s but is recorded as %(present)s")
                    % {
                        "name": member.personnel.full_name,
                        "role": member.get_role_display(),
                        "present": Role(entry.role).label,
                    }
                )
        for pk, entry in present.items():
            if pk not in planned:
                differences.append(
                    _("%(name)s is recorded present but is not on the approved team")
                    % {"name": entry.personnel.full_name}
                )
        if differences:
            raise self.fail(
                _(
                    "the team at the door must be the approved team: %(differences)s. If the "
                    "team changed, the Lead changes it on the case page (the approval then "
                    "lapses) and approves again."
                ),
                differences="; ".join(str(d) for d in differences),
            )

    def holds_q(self, as_of, path=""):
        day = local_date(as_of)
        team = TeamAssignment.objects.filter(case=OuterRef("pk"), created_at__lte=as_of)
        delivering = team.filter(role__in=(Role.DELIVERER, Role.LEAD))
        not_eligible = team.filter(
            Q(role__in=(Role.DELIVERER, Role.LEAD)) & ~deliverer_q(as_of, "personnel")
            | Q(role=Role.LEAD) & ~designated_q(day, path="personnel")
            | Q(role=Role.ACCOMPANYING) & ~accompanying_q(as_of, "personnel")
        )
        alone = Q(Exists(team.filter(role=Role.ACCOMPANYING))) & ~Q(
            Exists(team.filter(role=Role.LEAD))
        )
        return Q(Exists(delivering)) & ~Q(Exists(not_eligible)) & ~alone

    def help_text(self):
        return _(
            "The delivery team is named and each deliverer is eligible under the deliverer "
            "rules (DLV-*) on the day; at the door, the team present is the approved team."
        )


# --- P-SOCIAL --------------------------------------------------------------------------------


@rule
class SocialServicesPlanned(CaseRule):
    id, cites = "P-SOCIAL", "2-64-4 B.1.d"
    label = _("Social services component on the plan")

    def validate(self, subject, as_of):
        plan = subject.one("social_services")
        if (
            plan is None
            or plan.created_at > as_of
            or not (has_text(plan.organization) and has_text(plan.contact_person))
        ):
            raise self.fail(
                _(
                    "record the social services provider organisation and the person "
                    "coordinated with for a collaborative delivery."
                )
            )

    def holds_q(self, as_of, path=""):
        plan = SocialServicesPlan.objects.filter(
            has_text_q("organization"),
            has_text_q("contact_person"),
            case=OuterRef("pk"),
            created_at__lte=as_of,
        )
        return Q(Exists(plan))

    def help_text(self):
        return _("A named social services provider and person are on the delivery plan.")


# --- juveniles: J-JPO, J-DECIDE, J-GUARDIAN --------------------------------------------------


def _jpo(subject, as_of):
    jpo = subject.one("jpo_check")
    return jpo if jpo is not None and jpo.created_at <= as_of else None


@rule
class ProbationOfficeContacted(_Juvenile):
    id, cites = "J-JPO", "2-64-5 B.1.b"
    label = _("Juvenile Probation Office contacted")

    def validate(self, subject, as_of):
        jpo = _jpo(subject, as_of)
        day = local_date(as_of)
        if jpo is None or jpo.contacted_on > day:
            raise self.fail(
                _(
                    "contact the Juvenile Probation Office to learn whether the juvenile is on "
                    "probation; record the date, the contact, the probation status and officer."
                )
            )
        if jpo.contacted_on < subject.case.opened_on:
            raise self.fail(
                _(
                    "the Juvenile Probation Office contact is dated %(date)s, before the case "
                    "was opened; contact the office for this case and record it."
                ),
                date=jpo.contacted_on.isoformat(),
            )
        if jpo.on_probation and not has_text(jpo.probation_officer):
            raise self.fail(
                _("the juvenile is on probation: record the name of the probation officer.")
            )

    def holds_q(self, as_of, path=""):
        jpo = JPOCheck.objects.filter(
            Q(on_probation=False) | has_text_q("probation_officer"),
            case=OuterRef("pk"),
            created_at__lte=as_of,
            contacted_on__gte=OuterRef("opened_on"),
            contacted_on__lte=local_date(as_of),
        )
        return Q(Exists(jpo))

    def help_text(self):
        return _("The Juvenile Probation Office was contacted and the probation status recorded.")


@rule
class JuvenileDeliveryDecided(_Juvenile):
    id, cites = "J-DECIDE", "2-64-5 B.1.b"
    label = _("Lead decided to deliver")

    def validate(self, subject, as_of):
        decision = subject.one("juvenile_decision")
        day = local_date(as_of)
        if decision is None or decision.created_at > as_of or decision.decided_on > day:
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
        jpo = _jpo(subject, as_of)
        if jpo is None or decision.decided_on < jpo.contacted_on:
            raise self.fail(
                _(
                    "the decision must rest on the Juvenile Probation Office contact (J-JPO): "
                    "record the contact, then the decision."
                )
            )
        if not has_text(decision.services_status):
            raise self.fail(_("describe the status of services to the juvenile."))
        if jpo.on_probation and not has_text(decision.probation_relationship):
            raise self.fail(
                _(
                    "the juvenile is on probation: describe the status of the probation "
                    "officer's relationship with the juvenile, on which the decision rests."
                )
            )

    def holds_q(self, as_of, path=""):
        jpos = JPOCheck.objects.filter(case=OuterRef("case"), created_at__lte=as_of)
        decision = JuvenileDecision.objects.filter(
            has_text_q("services_status"),
            Exists(jpos.filter(contacted_on__lte=OuterRef("decided_on"))),
            has_text_q("probation_relationship") | ~Q(Exists(jpos.filter(on_probation=True))),
            case=OuterRef("pk"),
            created_at__lte=as_of,
            decided_on__lte=local_date(as_of),
            decision=JuvenileDecision.Decision.DELIVER,
        )
        return Q(Exists(decision))

    def help_text(self):
        return _("The Lead recorded that the CN shall be delivered to the juvenile, and why.")


@rule
class GuardianPlanned(_Juvenile):
    """J-GUARDIAN: attempt contact with the juvenile's parent or guardian before delivery, and
    never deliver to a juvenile without a parent or guardian present. In preparation: a contact
    attempted and a parent or guardian planned; at the door: the one present is recorded."""

    id, cites = "J-GUARDIAN", PROGRAM_RULE
    label = _("Parent or guardian contacted and present")

    def applies(self, subject, as_of):
        if isinstance(subject, AttemptSubject):
            from deliveries.policy.personnel import message_reached

            return subject.juvenile and message_reached(subject.attempt)
        return subject.juvenile

    def validate(self, subject, as_of):
        if isinstance(subject, AttemptSubject):
            if subject.attempt.guardian_present is None:
                raise self.fail(
                    _(
                        "a juvenile's CN is never delivered without a parent or guardian "
                        "present. Record the parent or guardian who was present, or choose "
                        "another outcome."
                    )
                )
            return
        case = subject.case
        day = local_date(as_of)
        contacts = [
            c
            for c in case.guardian_contacts.all()
            if c.created_at <= as_of and case.opened_on <= c.attempted_on <= day
        ]
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

    def holds_q(self, as_of, path=""):
        counted = GuardianContact.objects.filter(
            created_at__lte=as_of,
            attempted_on__lte=local_date(as_of),
        )
        contacted = counted.filter(case=OuterRef("pk"), attempted_on__gte=OuterRef("opened_on"))
        later = counted.filter(
            case=OuterRef("case"),
            guardian=OuterRef("guardian"),
            attempted_on__gte=OuterRef("case__opened_on"),
        ).filter(
            Q(attempted_on__gt=OuterRef("attempted_on"))
            | Q(attempted_on=OuterRef("attempted_on"), pk__gt=OuterRef("pk"))
        )
        refused = contacted.filter(
            ~Exists(later),
            guardian=OuterRef("planned_guardian"),
            result=GuardianContact.Result.REACHED_WILL_NOT_ATTEND,
        )
        planned = Q(
            planned_guardian__isnull=False,
            planned_guardian__candidate=F("candidate"),
            planned_guardian__kind__in=Relationship.PARENT_OR_GUARDIAN_KINDS,
        )
        return Q(Exists(contacted)) & planned & ~Q(Exists(refused))

    def help_text(self):
        return _(
            "Contact with the parent or guardian was attempted and one is planned to be "
            "present; at the door, the one present is recorded."
        )


# --- P-APPROVE -------------------------------------------------------------------------------


@rule
class LeadApproved(CaseRule):
    """P-APPROVE: the Lead's sign-off that every preparation rule holds, in force (not lapsed)
    and given before the moment in question (before the contact, for an attempt)."""

    id, cites = "P-APPROVE", "2-64-4 B.1"
    label = _("Approved by the Lead")

    def validate(self, subject, as_of):
        case = subject.case
        if case.state == S.PREPARING or case.approved_at is None:
            raise self.fail(
                _(
                    "the VIP Law Enforcement Lead approves the CN for delivery once every "
                    "other item of this checklist is met."
                )
            )
        if case.approved_at >= as_of:
            raise self.fail(
                _(
                    "the approval was given at %(approved)s, not before %(when)s: a CN is "
                    "delivered only after it is approved. Check the time of contact."
                ),
                approved=_local(case.approved_at),
                when=_local(as_of),
            )

    def validate_approver(self, actor):
        if not has_role(actor, LEAD):
            raise self.fail(_("only a user acting as VIP Law Enforcement Lead can approve a CN."))

    def holds_q(self, as_of, path=""):
        return ~Q(state=S.PREPARING) & Q(approved_at__isnull=False, approved_at__lt=as_of)

    def help_text(self):
        return _("The VIP Law Enforcement Lead approved the CN for delivery.")


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- the one list, and its readers -----------------------------------------------------------

# In the order of the SOP (2-64-4 A, B; 2-64-5 B); P-APPROVE last.
PREPARATION_RULES = [
    Determination(),
    ThreatAssessed(),
    BackgroundChecked(),
    LetterSettled(),
    TeamReady(),
    SocialServicesPlanned(),
    ProbationOfficeContacted(),
    JuvenileDeliveryDecided(),
    GuardianPlanned(),
]
CASE_RULES = [*PREPARATION_RULES, LeadApproved()]
RULES_BY_ID = {case_rule.id: case_rule for case_rule in CASE_RULES}
# The database form of a rule over cases: ID-DET is the registry's rule, read through the
# case's candidate.
_PATHS = {"ID-DET": "candidate"}


def holds_q(case_rule, as_of):
    """Q over CNCase: ``case_rule`` holds for the case as of ``as_of``."""
    return case_rule.holds_q(as_of, path=_PATHS.get(case_rule.id, ""))


def unmet_q(case_rule, as_of):
    """Q over CNCase: the rule applies to the case and does not hold."""
    return case_rule.applies_q(as_of) & ~holds_q(case_rule, as_of)


def case_states(case, as_of, *, memo=None):
    """The case page's checklist: every rule, met / not met / not applicable."""
    subject = CaseSubject(case)
    states = []
    for case_rule in CASE_RULES:
        if isinstance(case_rule, TeamReady) and memo is not None:
            # P-TEAM shares one memo across a page so each officer is checked once.
            state = _team_state(case_rule, subject, as_of, memo)
        else:
            state = evaluate([case_rule], subject, as_of)[0]
        states.append(state)
    return states


def _team_state(team_rule, subject, as_of, memo):
    from vipcn.policy import RuleState

    try:
        team_rule.validate(subject, as_of, memo=memo)
    except ValidationError as exc:
        return RuleState(team_rule, True, tuple(exc.error_list))
    return RuleState(team_rule, True, ())


def waiting_for(states):
    """The rule IDs a case in preparation waits for: the unmet rules, or the approval."""
    return [s.id for s in states if s.unmet]


def ready_for_approval(case, as_of):
    """In preparation with every preparation rule met: only the Lead's approval is missing."""
    if case.state != S.PREPARING:
        return False
    subject = CaseSubject(case)
    return all(state.ok for state in evaluate(PREPARATION_RULES, subject, as_of))


def ready_for_approval_q(as_of):
    """``ready_for_approval`` over cases."""
    q = Q(state=S.PREPARING)
    for case_rule in PREPARATION_RULES:
        q &= ~unmet_q(case_rule, as_of)
    return q


def check_approval(case, actor, as_of):
    """Every failure that keeps ``actor`` from approving the case now, at once."""
    errors = []
    try:
        RULES_BY_ID["P-APPROVE"].validate_approver(actor)
    except ValidationError as exc:
        errors += exc.error_list
    for state in evaluate(PREPARATION_RULES, CaseSubject(case, actor=actor), as_of):
        errors += state.errors
    if errors:
        raise ValidationError(errors)


def require_lead(actor, rule_id, message):
    """Refuse a step only the VIP Law Enforcement Lead may take, citing the rule."""
    if not has_role(actor, LEAD):
        raise RULES_BY_ID[rule_id].fail(message)
