"""Delivery and after-action rules, one class per rule ID, no HTTP."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates.models import Relationship
from deliveries.models import AfterAction, AttemptTeamMember, DeliveryAttempt, TeamAssignment
from deliveries.policy import delivery as policy
from deliveries.policy.delivery import AfterActionSubject, AttemptSubject, TeamEntry
from deliveries.policy.preparation import TeamReady, accepted_letter
from tests.factories import (
    AfterActionFactory,
    AttemptFactory,
    EligibleCandidateFactory,
    EligibleDelivererFactory,
    EligibleJuvenileFactory,
    PersonnelFactory,
    ReadyCaseFactory,
    RelationshipFactory,
    TeamAssignmentFactory,
    TrainingAttendanceFactory,
    UserFactory,
    VipLeadPersonnelFactory,
    approve,
    days_ago,
    opened_case,
    prepare,
    years_ago,
)
from vipcn.policy import failure_codes
from vipcn.roles import LEAD, STAFF

pytestmark = pytest.mark.django_db

Outcome = DeliveryAttempt.Outcome
Role = AttemptTeamMember.Role


def attempt_for(case, **fields):
    now = timezone.now()
    values = {
        "contact_at": now - datetime.timedelta(hours=1),
        "address": "1 Test St",
        "ecc_advised_at": now - datetime.timedelta(hours=1, minutes=5),
        "ecc_advised_by": "Ofc. Test",
        "ecc_told_location": True,
        "ecc_told_team": True,
        "ecc_told_identity": True,
        "outcome": Outcome.NOT_LOCATED,
    }
    values.update(fields)
    return DeliveryAttempt(case=case, **values)


def approved_team(case):
    """The team the Lead approved, as the form offers it present at the door."""
    return [TeamEntry(m.role, m.personnel) for m in case.team.select_related("personnel")]


def subject(case=None, team=None, letter=None, **fields):
    case = case or ReadyCaseFactory()
    if team is None:
        team = approved_team(case)
    return AttemptSubject(attempt_for(case, **fields), team, letter)


def case_with_team(*members, juvenile=False, opened=None, approved=None):
    """A case opened ``opened`` (default 10 days ago), prepared in order, whose approved team
    is ``members`` ((role, person) pairs), approved ``approved`` (default yesterday)."""
    case = opened_case(juvenile=juvenile, opened=opened)
    prepare(case)
    case.team.all().delete()  # the default deliverer ``prepare`` plans
    planned = (approved or days_ago(1)) - datetime.timedelta(hours=1)
    for role, person in members:
        TeamAssignmentFactory(case=case, personnel=person, role=role, recorded=planned)
    return approve(case, when=approved)


def _as_of(subj):
    attempt = getattr(subj, "attempt", None)
    return getattr(attempt, "contact_at", None) or timezone.now()


def _rule_ids(exc):
    for e in exc.error_list:
        assert f"({e.code})" in e.messages[0], e.messages[0]
        # The citation from requirements.md: a section of SOP 2-64, or the program's own rule.
        assert e.messages[0].startswith(("Blocked by SOP 2-64-", "Blocked by VIP program rule"))
    return failure_codes(exc)


def codes(rule, subj):
    as_of = _as_of(subj)
    if not rule.applies(subj, as_of):
        return []
    try:
        rule.validate(subj, as_of)
    except ValidationError as exc:
        return _rule_ids(exc)
    return []


def messages(rule, subj):
    try:
        rule.validate(subj, _as_of(subj))
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def gate_codes(subj):
    """Every rule the attempt gate refuses the attempt on, as of its contact time."""
    try:
        policy.check_attempt(subj)
    except ValidationError as exc:
        return set(_rule_ids(exc))
    return set()


class TestTeamAtTheDoor:
    """P-TEAM at the door: the team present is the team the Lead approved (issue 15: an
    attempt by a team different from the approved one was accepted)."""

    rule = TeamReady()

    def test_a_team_without_a_deliverer_is_refused(self):
        # Formerly DLV-SWORN ("no deliverer on the team"): no officer present is a team other
        # than the approved one, refused by P-TEAM naming the approved deliverer not present.
        case = ReadyCaseFactory()
        planned = case.team.get().personnel
        s = subject(case=case, team=[TeamEntry(Role.MESSENGER, name="Pastor Demo")])
        assert codes(self.rule, s) == ["P-TEAM"]
        assert f"{planned.full_name} was approved as Deliverer but is not recorded present" in (
            messages(self.rule, s)
        )

    def test_a_deliverer_on_the_team_passes(self):
        assert codes(self.rule, subject()) == []

    def test_non_officers_present_besides_the_approved_team_pass(self):
        case = ReadyCaseFactory()
        team = [*approved_team(case), TeamEntry(Role.SOCIAL_SERVICES, name="R. Provider")]
        assert codes(self.rule, subject(case=case, team=team)) == []

    def test_a_team_different_from_the_approved_one_is_refused_naming_who_differs(self):
        case = ReadyCaseFactory()
        planned = case.team.get().personnel
        stranger = EligibleDelivererFactory()
        s = subject(case=case, team=[TeamEntry(Role.DELIVERER, stranger)])
        assert codes(self.rule, s) == ["P-TEAM"]
        text = messages(self.rule, s)
        assert f"{planned.full_name} was approved as Deliverer but is not recorded present" in text
        assert f"{stranger.full_name} is recorded present but is not on the approved team" in text

    def test_an_approved_member_in_another_role_is_refused(self):
        lead = VipLeadPersonnelFactory()
        case = case_with_team((TeamAssignment.Role.LEAD, lead))
        s = subject(case=case, team=[TeamEntry(Role.DELIVERER, lead)])
        assert codes(self.rule, s) == ["P-TEAM"]
        assert "but is recorded as Deliverer" in messages(self.rule, s)


class TestTeamEligibleOnTheDay:
    """Every member of the approved team passes the deliverer rules (DLV-*) as of the contact
    time: the gate runs P-TEAM again for the case, its refusals carrying each DLV rule."""

    def test_an_eligible_deliverer_passes(self):
        assert gate_codes(subject()) == set()

    def test_an_untrained_deliverer_is_refused(self):
        case = case_with_team((TeamAssignment.Role.DELIVERER, PersonnelFactory()))
        assert {"DLV-TRAIN", "DLV-ACCOMP"} <= gate_codes(subject(case=case))

    def test_an_unsworn_deliverer_is_refused(self):
        person = EligibleDelivererFactory(is_sworn=False)
        case = case_with_team((TeamAssignment.Role.DELIVERER, person))
        assert "DLV-SWORN" in gate_codes(subject(case=case))

    def test_eligibility_is_judged_at_the_attempt_date(self):
        person = EligibleDelivererFactory()
        # Trained only three days ago (and recorded then): not yet trained ten days ago.
        person.trainings_attended.all().delete()
        TrainingAttendanceFactory(
            personnel=person, attended_on=timezone.localdate() - datetime.timedelta(days=3)
        )
        case = case_with_team(
            (TeamAssignment.Role.DELIVERER, person), opened=days_ago(20), approved=days_ago(12)
        )
        then = subject(
            case=case,
            contact_at=days_ago(10, hour=14),
            ecc_advised_at=days_ago(10, hour=13),
        )
        assert "DLV-TRAIN" in gate_codes(then)
        assert "DLV-TRAIN" not in gate_codes(subject(case=case))

    def test_an_accompanying_officer_needs_the_lead_on_the_team(self):
        # "Accompanying only with the Lead" is part of P-TEAM (formerly coded DLV-ACCOMP).
        case = case_with_team(
            (TeamAssignment.Role.DELIVERER, EligibleDelivererFactory()),
            (TeamAssignment.Role.ACCOMPANYING, PersonnelFactory()),
        )
        assert gate_codes(subject(case=case)) == {"P-TEAM"}

    def test_an_accompanying_officer_with_the_lead_passes(self):
        case = case_with_team(
            (TeamAssignment.Role.LEAD, VipLeadPersonnelFactory()),
            (TeamAssignment.Role.ACCOMPANYING, PersonnelFactory()),
        )
        assert gate_codes(subject(case=case)) == set()

    def test_an_unsworn_accompanying_officer_is_refused_even_with_the_lead(self):
        case = case_with_team(
            (TeamAssignment.Role.LEAD, VipLeadPersonnelFactory()),
            (TeamAssignment.Role.ACCOMPANYING, PersonnelFactory(is_sworn=False)),
        )
        assert gate_codes(subject(case=case)) == {"DLV-SWORN"}

    def test_a_lead_member_must_be_a_designated_lead(self):
        # Formerly coded DLV-ACCOMP: the Lead's role on the team is P-TEAM's to check; the
        # officer is otherwise an eligible deliverer.
        case = case_with_team((TeamAssignment.Role.LEAD, EligibleDelivererFactory()))
        s = subject(case=case)
        assert gate_codes(s) == {"P-TEAM"}
        with pytest.raises(ValidationError) as exc:
            policy.check_attempt(s)
        assert "is not recorded as the VIP Law Enforcement Lead" in " ".join(exc.value.messages)


class TestECCBeforeContact:
    rule = policy.ECCBeforeContact()

    def test_advised_before_contact_passes(self):
        assert codes(self.rule, subject()) == []

    def test_contact_before_the_ecc_advisement_is_refused(self):
        now = timezone.now()
        s = subject(contact_at=now - datetime.timedelta(hours=1), ecc_advised_at=now)
        assert codes(self.rule, s) == ["C-ECC"]

    def test_the_ecc_advised_at_the_very_minute_of_contact_is_refused(self):
        # Issue 15: "before contact" is strictly earlier (requirements.md, C-ECC Reading).
        moment = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
        s = subject(contact_at=moment, ecc_advised_at=moment)
        assert codes(self.rule, s) == ["C-ECC"]
        s.attempt.ecc_advised_at = moment - datetime.timedelta(minutes=1)
        assert codes(self.rule, s) == []

    @pytest.mark.parametrize(
        "field,value",
        [
            ("ecc_advised_at", None),
            ("ecc_advised_by", " "),
            ("ecc_told_location", False),
            ("ecc_told_team", False),
            ("ecc_told_identity", False),
        ],
    )
    def test_each_part_of_the_advisement_is_required(self, field, value):
        assert codes(self.rule, subject(**{field: value})) == ["C-ECC"]


class TestDelivered:
    rule = policy.Delivered()

    def test_it_does_not_apply_to_a_candidate_not_located(self):
        assert codes(self.rule, subject(outcome=Outcome.NOT_LOCATED)) == []

    def test_delivered_without_the_message_is_refused(self):
        s = subject(outcome=Outcome.DELIVERED, message_delivered=False)
        assert codes(self.rule, s) == ["C-DELIVER"]

    def test_delivered_with_the_message_and_no_letter_passes(self):
        # letter=None: a case with no accepted letter (the Lead recorded why none is warranted).
        assert codes(self.rule, subject(outcome=Outcome.DELIVERED, message_delivered=True)) == []

    def test_the_accepted_letter_must_be_presented(self):
        case = ReadyCaseFactory()
        letter = accepted_letter(case)
        s = subject(case=case, letter=letter, outcome=Outcome.DELIVERED, message_delivered=True)
        assert codes(self.rule, s) == ["C-DELIVER"]
        s.attempt.letter_presented = letter
        assert codes(self.rule, s) == []

    def test_a_message_on_an_attempt_that_met_no_one_is_refused(self):
        # Issue 15 "record what happened": a contradiction is refused, never silently dropped.
        s = subject(outcome=Outcome.NOT_LOCATED, message_delivered=True)
        assert codes(self.rule, s) == ["C-DELIVER"]


class TestAbortReason:
    # The abort reason is part of C-DELIVER (deliveries.policy.delivery.Delivered).
    rule = policy.Delivered()

    def test_an_aborted_attempt_says_why(self):
        assert codes(self.rule, subject(outcome=Outcome.ABORTED)) == ["C-DELIVER"]
        assert codes(self.rule, subject(outcome=Outcome.ABORTED, abort_reason="Crowd")) == []

    def test_a_reason_to_abort_on_another_outcome_is_refused(self):
        s = subject(outcome=Outcome.NOT_LOCATED, abort_reason="Crowd")
        assert codes(self.rule, s) == ["C-DELIVER"]


class TestSocialServices:
    rule = policy.SocialServices()

    def test_whether_social_services_delivered_is_required_after_contact(self):
        s = subject(outcome=Outcome.DELIVERED, message_delivered=True)
        assert codes(self.rule, s) == ["C-SOCIAL"]

    def test_why_not_is_required_when_they_did_not(self):
        s = subject(outcome=Outcome.ENDED_BY_CANDIDATE, social_services_delivered=False)
        assert codes(self.rule, s) == ["C-SOCIAL"]
        s.attempt.social_services_reason = "The team left at the person's request."
        assert codes(self.rule, s) == []

    def test_it_does_not_apply_without_contact(self):
        assert codes(self.rule, subject(outcome=Outcome.NOT_LOCATED)) == []

    def test_delivered_by_social_services_needs_one_of_them_present(self):
        # Issue 15: "social services delivered" was accepted with no social-services member.
        case = ReadyCaseFactory()
        fields = {
            "outcome": Outcome.DELIVERED,
            "message_delivered": True,
            "social_services_delivered": True,
        }
        assert codes(self.rule, subject(case=case, **fields)) == ["C-SOCIAL"]
        team = [*approved_team(case), TeamEntry(Role.SOCIAL_SERVICES, name="R. Provider")]
        assert codes(self.rule, subject(case=case, team=team, **fields)) == []


class TestLeaveAtOnce:
    rule = policy.LeaveAtOnce()

    def test_ended_requires_the_team_to_have_left_at_once(self):
        s = subject(outcome=Outcome.ENDED_BY_CANDIDATE, ended_how="asked_to_leave")
        assert codes(self.rule, s) == ["C-LEAVE"]

    def test_ended_requires_how_it_ended(self):
        s = subject(outcome=Outcome.ENDED_BY_CANDIDATE, team_left_immediately=True)
        assert codes(self.rule, s) == ["C-LEAVE"]

    def test_ended_and_left_passes_whether_or_not_the_message_was_delivered(self):
        for delivered in (True, False):
            s = subject(
                outcome=Outcome.ENDED_BY_CANDIDATE,
                ended_how="refused",
                team_left_immediately=True,
                message_delivered=delivered,
            )
            assert codes(self.rule, s) == []
            assert not s.attempt.is_delivered


class TestConsensual:
    rule = policy.Consensual()

    def test_an_encounter_the_person_ended_cannot_be_recorded_as_delivered(self):
        s = subject(
            outcome=Outcome.DELIVERED,
            message_delivered=True,
            ended_how="asked_to_leave",
            team_left_immediately=True,
        )
        assert codes(self.rule, s) == ["C-CONSENT"]

    def test_the_team_leaving_alone_says_the_person_ended_it(self):
        s = subject(outcome=Outcome.DELIVERED, message_delivered=True, team_left_immediately=True)
        assert codes(self.rule, s) == ["C-CONSENT"]

    def test_a_delivery_nobody_ended_passes(self):
        assert codes(self.rule, subject(outcome=Outcome.DELIVERED, message_delivered=True)) == []


class TestAlternateRecipient:
    rule = policy.AlternateRecipient()

    def test_an_alternate_recipient_is_required(self):
        s = subject(outcome=Outcome.ALTERNATE, alternate_reason="Candidate away")
        assert codes(self.rule, s) == ["C-ALT"]

    def test_the_recipient_must_be_family_influencer_or_associate(self):
        case = ReadyCaseFactory()
        member = RelationshipFactory(candidate=case.candidate, kind=Relationship.Kind.GROUP_MEMBER)
        s = subject(
            case=case, outcome=Outcome.ALTERNATE, alternate_recipient=member, alternate_reason="x"
        )
        assert codes(self.rule, s) == ["C-ALT"]

    def test_the_recipient_must_be_the_candidates(self):
        stranger = RelationshipFactory(kind=Relationship.Kind.FAMILY)
        s = subject(outcome=Outcome.ALTERNATE, alternate_recipient=stranger, alternate_reason="x")
        assert codes(self.rule, s) == ["C-ALT"]

    def test_why_warranted_is_required(self):
        case = ReadyCaseFactory()
        aunt = RelationshipFactory(candidate=case.candidate, kind=Relationship.Kind.FAMILY)
        s = subject(case=case, outcome=Outcome.ALTERNATE, alternate_recipient=aunt)
        assert codes(self.rule, s) == ["C-ALT"]
        s.attempt.alternate_reason = "The candidate lives with her and was away for weeks."
        assert codes(self.rule, s) == []

    def test_a_recipient_on_another_outcome_is_refused(self):
        case = ReadyCaseFactory()
        aunt = RelationshipFactory(candidate=case.candidate, kind=Relationship.Kind.FAMILY)
        s = subject(
            case=case, outcome=Outcome.NOT_LOCATED, alternate_recipient=aunt, alternate_reason="x"
        )
        assert codes(self.rule, s) == ["C-ALT"]


def juvenile_case():
    """A ready case of a candidate identified as a juvenile (J-AGE), prepared with the
    juvenile safeguards (JPO contact, decision, guardian)."""
    return ReadyCaseFactory(candidate=EligibleJuvenileFactory())


class TestGuardianPresent:
    # J-GUARDIAN at the door (deliveries.policy.preparation.GuardianPlanned, AttemptSubject).
    rule = policy.GuardianPlanned()

    def test_a_juvenile_delivery_without_a_guardian_is_refused(self):
        s = subject(case=juvenile_case(), outcome=Outcome.DELIVERED, message_delivered=True)
        assert codes(self.rule, s) == ["J-GUARDIAN"]

    def test_an_alternate_delivery_for_a_juvenile_needs_a_guardian_too(self):
        s = subject(case=juvenile_case(), outcome=Outcome.ALTERNATE)
        assert codes(self.rule, s) == ["J-GUARDIAN"]

    def test_a_guardian_present_passes(self):
        case = juvenile_case()
        mother = RelationshipFactory(candidate=case.candidate, kind=Relationship.Kind.PARENT)
        s = subject(case=case, outcome=Outcome.DELIVERED, guardian_present=mother)
        assert codes(self.rule, s) == []

    def test_it_does_not_apply_to_adults(self):
        assert codes(self.rule, subject(outcome=Outcome.DELIVERED)) == []

    def test_a_message_delivered_before_the_juvenile_ended_it_needs_a_guardian(self):
        # C-LEAVE: "ended by the candidate" even when the message had been delivered first;
        # the message still reached a juvenile, so J-GUARDIAN applies.
        s = subject(
            case=juvenile_case(),
            outcome=Outcome.ENDED_BY_CANDIDATE,
            message_delivered=True,
            ended_how="refused",
            team_left_immediately=True,
        )
        assert codes(self.rule, s) == ["J-GUARDIAN"]

    def test_an_encounter_ended_before_the_message_needs_no_guardian_record(self):
        s = subject(
            case=juvenile_case(),
            outcome=Outcome.ENDED_BY_CANDIDATE,
            message_delivered=False,
            ended_how="refused",
            team_left_immediately=True,
        )
        assert codes(self.rule, s) == []

    def test_it_applies_to_someone_who_was_a_juvenile_at_identification(self):
        # J-AGE: 17 on the day of identification (the determination of the case, 30 days
        # ago), 18 on the day of delivery: the safeguards stay. Built in time rather than by
        # correcting the date of birth afterwards (which would now make the approval lapse).
        candidate = EligibleCandidateFactory(date_of_birth=years_ago(18, days=10))
        s = subject(case=ReadyCaseFactory(candidate=candidate), outcome=Outcome.DELIVERED)
        assert codes(self.rule, s) == ["J-GUARDIAN"]


class TestGuardianRecorded:
    rule = policy.GuardianRecorded()

    def test_the_person_present_must_be_a_parent_or_guardian(self):
        case = juvenile_case()
        friend = RelationshipFactory(candidate=case.candidate, kind=Relationship.Kind.ASSOCIATE)
        s = subject(case=case, outcome=Outcome.DELIVERED, guardian_present=friend)
        assert codes(self.rule, s) == ["C-GUARD"]

    def test_the_guardian_must_be_this_candidates(self):
        case = juvenile_case()
        other = RelationshipFactory(kind=Relationship.Kind.GUARDIAN)
        s = subject(case=case, outcome=Outcome.DELIVERED, guardian_present=other)
        assert codes(self.rule, s) == ["C-GUARD"]

    def test_a_named_guardian_passes(self):
        case = juvenile_case()
        guardian = RelationshipFactory(candidate=case.candidate, kind=Relationship.Kind.GUARDIAN)
        s = subject(case=case, outcome=Outcome.DELIVERED, guardian_present=guardian)
        assert codes(self.rule, s) == []


class TestCheckAttempt:
    def test_it_reports_every_failure_at_once(self):
        now = timezone.now()
        untrained = PersonnelFactory()
        case = case_with_team((TeamAssignment.Role.DELIVERER, untrained), juvenile=True)
        s = subject(
            case=case,
            team=[*approved_team(case), TeamEntry(Role.DELIVERER, EligibleDelivererFactory())],
            outcome=Outcome.DELIVERED,
            contact_at=now - datetime.timedelta(hours=1),
            ecc_advised_at=now,
        )
        found = gate_codes(s)
        assert {"P-TEAM", "DLV-TRAIN", "C-ECC", "C-DELIVER", "J-GUARDIAN", "C-SOCIAL"} <= found

    def test_an_attempt_before_the_approval_is_refused(self):
        # Issue 15: the approval counts only before the contact (P-APPROVE, as of contact).
        case = ReadyCaseFactory(approved_at=days_ago(1, hour=12))
        s = subject(case=case, contact_at=days_ago(1, hour=11), ecc_advised_at=days_ago(1, hour=10))
        assert gate_codes(s) == {"P-APPROVE"}
        assert gate_codes(subject(case=case)) == set()

    def test_a_field_rule_may_be_excepted_by_the_lead_with_why(self):
        moment = timezone.now() - datetime.timedelta(hours=1)
        s = subject(contact_at=moment, ecc_advised_at=moment)
        lead = user_with(LEAD)
        s.exceptions = {"C-ECC": "Dispatch was down; the ECC was told on arrival."}
        states = policy.check_attempt(s, actor=lead)
        ecc = next(state for state in states if state.id == "C-ECC")
        assert ecc.unmet  # it still shows as not met: an exception never counts as compliant
        s.exceptions = {"C-ECC": "  "}
        with pytest.raises(ValidationError) as exc:
            policy.check_attempt(s, actor=lead)
        assert set(_rule_ids(exc.value)) == {"C-ECC"}

    def test_staff_cannot_record_an_exception(self):
        moment = timezone.now() - datetime.timedelta(hours=1)
        s = subject(contact_at=moment, ecc_advised_at=moment)
        s.exceptions = {"C-ECC": "Dispatch was down."}
        with pytest.raises(ValidationError) as exc:
            policy.check_attempt(s, actor=user_with(STAFF))
        assert set(_rule_ids(exc.value)) == {"C-ECC"}
        assert "only the VIP Law Enforcement Lead" in " ".join(exc.value.messages)

    def test_a_preparation_rule_is_never_excepted(self):
        assert "P-TEAM" not in policy.FIELD_RULES
        assert set(policy.FIELD_RULES) == {"C-ECC", "C-LEAVE", "J-GUARDIAN"}


def after_action_subject(**fields):
    attempt = AttemptFactory(outcome=Outcome.DELIVERED, message_delivered=True)
    values = {
        "ecc_outcome_advised_at": attempt.contact_at + datetime.timedelta(minutes=20),
        "ecc_outcome_advised_by": "Ofc. Test",
        # What the service stores with the advisement: the outcome the ECC was told (A-ECC).
        "ecc_advised_outcome": attempt.outcome,
        "cad_number": "26-0000001",
    }
    actor = fields.pop("actor", None)
    decision = fields.pop("decision", "")
    values.update(fields)
    return AfterActionSubject(AfterAction(attempt=attempt, **values), attempt, actor, decision)


class TestECCAdvisedOfOutcome:
    rule = policy.ECCAdvisedOfOutcome()

    def test_time_and_who_are_required(self):
        assert codes(self.rule, after_action_subject()) == []
        assert codes(self.rule, after_action_subject(ecc_outcome_advised_at=None)) == ["A-ECC"]
        assert codes(self.rule, after_action_subject(ecc_outcome_advised_by="")) == ["A-ECC"]

    def test_the_outcome_cannot_be_advised_before_the_attempt(self):
        s = after_action_subject()
        s.after_action.ecc_outcome_advised_at = s.attempt.contact_at - datetime.timedelta(hours=1)
        assert codes(self.rule, s) == ["A-ECC"]

    def test_an_outcome_changed_after_the_advisement_needs_the_ecc_advised_again(self):
        # Issue 15: a later change of outcome kept the old advisement (A-ECC).
        s = after_action_subject()
        s.attempt.outcome = Outcome.ALTERNATE
        assert codes(self.rule, s) == ["A-ECC"]
        s.after_action.ecc_advised_outcome = Outcome.ALTERNATE
        assert codes(self.rule, s) == []


class TestCADReport:
    rule = policy.CADReport()

    def test_a_number_in_the_set_format_passes(self):
        assert codes(self.rule, after_action_subject(cad_number="26-0123456")) == []

    @pytest.mark.parametrize("number", ["", None, "260123456", "26-01234", "AB-0123456"])
    def test_a_missing_or_malformed_number_is_refused(self, number):
        assert codes(self.rule, after_action_subject(cad_number=number)) == ["A-CAD"]

    def test_the_format_is_a_setting(self, settings):
        settings.VIPCN = {**settings.VIPCN, "CAD_NUMBER_PATTERN": r"^CAD\d{4}$"}
        assert codes(self.rule, after_action_subject(cad_number="CAD1234")) == []
        assert codes(self.rule, after_action_subject(cad_number="26-0123456")) == ["A-CAD"]

    def test_a_number_already_used_for_another_attempt_is_refused(self):
        AfterActionFactory(cad_number="26-0000099")
        assert codes(self.rule, after_action_subject(cad_number="26-0000099")) == ["A-CAD"]


def user_with(role):
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.get(name=role))
    return user


class TestLeadConfirms:
    rule = policy.LeadConfirms()

    def test_only_the_lead_confirms(self):
        s = after_action_subject(actor=user_with(STAFF), decision="close")
        assert codes(self.rule, s) == ["A-RMS"]
        s = after_action_subject(actor=user_with(LEAD), decision="close")
        assert codes(self.rule, s) == []

    def test_a_decision_is_required(self):
        s = after_action_subject(actor=user_with(LEAD), decision="")
        assert codes(self.rule, s) == ["A-RMS"]

    def test_a_case_cannot_close_on_an_attempt_that_never_met_the_candidate(self):
        s = after_action_subject(actor=user_with(LEAD), decision="close")
        s.attempt.outcome = Outcome.NOT_LOCATED
        assert codes(self.rule, s) == ["A-RMS"]
        s.decision = "retry"
        assert codes(self.rule, s) == []

    def test_confirmation_needs_the_cad_number_and_the_ecc(self):
        s = after_action_subject(actor=user_with(LEAD), decision="close", cad_number=None)
        with pytest.raises(ValidationError) as exc:
            policy.check_confirmation(s)
        assert failure_codes(exc.value) == ["A-CAD"]
