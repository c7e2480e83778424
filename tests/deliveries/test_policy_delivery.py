"""Delivery and after-action rules, one class per rule ID, no HTTP."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates.models import Relationship
from deliveries.models import AfterAction, AttemptTeamMember, DeliveryAttempt
from deliveries.policy import delivery as policy
from deliveries.policy.delivery import AfterActionSubject, AttemptSubject, TeamEntry
from tests.factories import (
    AcceptedLetterFactory,
    AfterActionFactory,
    AttemptFactory,
    DeterminationFactory,
    EligibleDelivererFactory,
    JuvenileCandidateFactory,
    PersonnelFactory,
    ReadyCaseFactory,
    RelationshipFactory,
    UserFactory,
    VipLeadPersonnelFactory,
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


def subject(case=None, team=None, letter=None, **fields):
    case = case or ReadyCaseFactory()
    if team is None:
        team = [TeamEntry(Role.DELIVERER, EligibleDelivererFactory())]
    return AttemptSubject(attempt_for(case, **fields), team, letter)


def codes(rule, subj):
    if not rule.applies(subj):
        return []
    try:
        rule.validate(subj)
    except ValidationError as exc:
        for e in exc.error_list:
            assert f"({e.code})" in e.messages[0], e.messages[0]
            assert "Blocked by SOP" in e.messages[0]
        return failure_codes(exc)
    return []


class TestDelivererPresent:
    rule = policy.DelivererPresent()

    def test_a_team_without_a_deliverer_is_refused(self):
        s = subject(team=[TeamEntry(Role.MESSENGER, name="Pastor Demo")])
        assert codes(self.rule, s) == ["DLV-SWORN"]

    def test_a_deliverer_on_the_team_passes(self):
        assert codes(self.rule, subject()) == []


class TestTeamEligible:
    rule = policy.TeamEligible()

    def test_an_eligible_deliverer_passes(self):
        assert codes(self.rule, subject()) == []

    def test_an_untrained_deliverer_is_refused(self):
        s = subject(team=[TeamEntry(Role.DELIVERER, PersonnelFactory())])
        assert "DLV-TRAIN" in codes(self.rule, s)
        assert "DLV-ACCOMP" in codes(self.rule, s)

    def test_an_unsworn_deliverer_is_refused(self):
        s = subject(team=[TeamEntry(Role.DELIVERER, EligibleDelivererFactory(is_sworn=False))])
        assert "DLV-SWORN" in codes(self.rule, s)

    def test_eligibility_is_judged_at_the_attempt_date(self):
        person = EligibleDelivererFactory()
        s = subject(
            team=[TeamEntry(Role.DELIVERER, person)],
            contact_at=timezone.now() - datetime.timedelta(days=400),
            ecc_advised_at=timezone.now() - datetime.timedelta(days=400, minutes=5),
        )
        assert "DLV-TRAIN" in codes(self.rule, s)

    def test_an_accompanying_officer_needs_the_lead_on_the_team(self):
        s = subject(
            team=[
                TeamEntry(Role.DELIVERER, EligibleDelivererFactory()),
                TeamEntry(Role.ACCOMPANYING, PersonnelFactory()),
            ]
        )
        assert codes(self.rule, s) == ["DLV-ACCOMP"]

    def test_an_accompanying_officer_with_the_lead_passes(self):
        s = subject(
            team=[
                TeamEntry(Role.LEAD, VipLeadPersonnelFactory()),
                TeamEntry(Role.ACCOMPANYING, PersonnelFactory()),
            ]
        )
        assert codes(self.rule, s) == []

    def test_an_unsworn_accompanying_officer_is_refused_even_with_the_lead(self):
        s = subject(
            team=[
                TeamEntry(Role.LEAD, VipLeadPersonnelFactory()),
                TeamEntry(Role.ACCOMPANYING, PersonnelFactory(is_sworn=False)),
            ]
        )
        assert codes(self.rule, s) == ["DLV-SWORN"]

    def test_a_lead_member_must_be_a_designated_lead(self):
        s = subject(team=[TeamEntry(Role.LEAD, EligibleDelivererFactory())])
        assert codes(self.rule, s) == ["DLV-ACCOMP"]


class TestECCBeforeContact:
    rule = policy.ECCBeforeContact()

    def test_advised_before_contact_passes(self):
        assert codes(self.rule, subject()) == []

    def test_contact_before_the_ecc_advisement_is_refused(self):
        now = timezone.now()
        s = subject(contact_at=now - datetime.timedelta(hours=1), ecc_advised_at=now)
        assert codes(self.rule, s) == ["C-ECC"]

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
        assert codes(self.rule, subject(outcome=Outcome.DELIVERED, message_delivered=True)) == []

    def test_the_accepted_letter_must_be_presented(self):
        letter = AcceptedLetterFactory()
        s = subject(
            case=letter.case, letter=letter, outcome=Outcome.DELIVERED, message_delivered=True
        )
        assert codes(self.rule, s) == ["C-DELIVER"]
        s.attempt.letter_presented = letter
        assert codes(self.rule, s) == []


class TestAbortReason:
    rule = policy.AbortReason()

    def test_an_aborted_attempt_says_why(self):
        assert codes(self.rule, subject(outcome=Outcome.ABORTED)) == ["C-DELIVER"]
        assert codes(self.rule, subject(outcome=Outcome.ABORTED, abort_reason="Crowd")) == []


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


def juvenile_case():
    candidate = JuvenileCandidateFactory()
    DeterminationFactory(candidate=candidate, juvenile=True)
    return ReadyCaseFactory(candidate=candidate)


class TestGuardianPresent:
    rule = policy.GuardianPresent()

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
        candidate = JuvenileCandidateFactory()
        DeterminationFactory(candidate=candidate, juvenile=True)
        candidate.date_of_birth = candidate.date_of_birth.replace(
            year=candidate.date_of_birth.year - 3
        )
        candidate.save()
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
        s = subject(
            case=juvenile_case(),
            team=[TeamEntry(Role.DELIVERER, PersonnelFactory())],
            outcome=Outcome.DELIVERED,
            contact_at=now - datetime.timedelta(hours=1),
            ecc_advised_at=now,
        )
        with pytest.raises(ValidationError) as exc:
            policy.check_attempt(s)
        found = set(failure_codes(exc.value))
        assert {"DLV-TRAIN", "C-ECC", "C-DELIVER", "J-GUARDIAN", "C-SOCIAL"} <= found


def after_action_subject(**fields):
    attempt = AttemptFactory(outcome=Outcome.DELIVERED, message_delivered=True)
    values = {
        "ecc_outcome_advised_at": attempt.contact_at + datetime.timedelta(minutes=20),
        "ecc_outcome_advised_by": "Ofc. Test",
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
