"""Services of the delivery step: each move, each refusal, nothing half-saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates.models import Relationship
from deliveries.models import (
    AfterAction,
    AttemptTeamMember,
    CaseTransition,
    CNCase,
    DeliveryAttempt,
    FollowUp,
)
from deliveries.policy.delivery import TeamEntry
from deliveries.policy.personnel import may_deliver
from deliveries.services import delivery as svc
from tests.factories import (
    AcceptedLetterFactory,
    DeterminationFactory,
    EligibleDelivererFactory,
    JuvenileCandidateFactory,
    PersonnelFactory,
    ReadyCaseFactory,
    RelationshipFactory,
    VipLeadPersonnelFactory,
)
from vipcn.policy import failure_codes

pytestmark = pytest.mark.django_db

S = CNCase.State
Outcome = DeliveryAttempt.Outcome
Role = AttemptTeamMember.Role


def data(**fields):
    now = timezone.now()
    values = {
        "contact_at": now - datetime.timedelta(hours=1),
        "address": "1 Test St",
        "ecc_advised_at": now - datetime.timedelta(hours=1, minutes=5),
        "ecc_advised_by": "Ofc. Test",
        "ecc_told_location": True,
        "ecc_told_team": True,
        "ecc_told_identity": True,
        "outcome": Outcome.DELIVERED,
        "message_delivered": True,
        "social_services_delivered": True,
    }
    values.update(fields)
    return values


def team(*extra):
    return [TeamEntry(Role.DELIVERER, EligibleDelivererFactory()), *extra]


def record(case, actor, **fields):
    letter = fields.pop("letter_presented", False)
    members = fields.pop("team", None) or team()
    return svc.attempt_record(
        case=case, data=data(**fields), team=members, actor=actor, letter_presented=letter
    )


def codes_of(exc_info):
    return failure_codes(exc_info.value)


def test_recording_an_attempt_moves_the_case_to_attempted(staff_user):
    case = ReadyCaseFactory()
    attempt = record(
        case, staff_user, team=team(TeamEntry(Role.SOCIAL_SERVICES, name="R. Provider"))
    )
    case.refresh_from_db()
    assert case.state == S.ATTEMPTED
    assert attempt.number == 1 and attempt.created_by == staff_user
    assert attempt.team.count() == 2
    assert attempt.team.get(role=Role.SOCIAL_SERVICES).name == "R. Provider"
    transition = CaseTransition.objects.get(case=case, to_state=S.ATTEMPTED)
    assert transition.actor == staff_user and transition.from_state == S.READY


def test_an_attempt_needs_a_ready_case(staff_user):
    case = ReadyCaseFactory(state=S.PREPARING)
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user)
    assert codes_of(exc) == ["invalid_state"]


def test_contact_before_the_ecc_advisement_is_refused_and_nothing_is_saved(staff_user):
    case = ReadyCaseFactory()
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, contact_at=now - datetime.timedelta(hours=2), ecc_advised_at=now)
    assert "C-ECC" in codes_of(exc)
    case.refresh_from_db()
    assert case.state == S.READY
    assert not DeliveryAttempt.objects.exists() and not AttemptTeamMember.objects.exists()


def test_an_ineligible_deliverer_is_refused(staff_user):
    case = ReadyCaseFactory()
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, team=[TeamEntry(Role.DELIVERER, PersonnelFactory())])
    assert {"DLV-TRAIN", "DLV-ACCOMP"} <= set(codes_of(exc))
    assert not DeliveryAttempt.objects.exists()


def test_a_juvenile_delivered_without_a_guardian_is_refused(staff_user):
    candidate = JuvenileCandidateFactory()
    DeterminationFactory(candidate=candidate, juvenile=True)
    case = ReadyCaseFactory(candidate=candidate)
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user)
    assert "J-GUARDIAN" in codes_of(exc)
    mother = RelationshipFactory(candidate=candidate, kind=Relationship.Kind.PARENT)
    attempt = record(case, staff_user, guardian_present=mother)
    assert attempt.guardian_present == mother


def test_a_guardian_added_on_the_spot_is_saved_only_when_the_attempt_is(staff_user):
    candidate = JuvenileCandidateFactory()
    case = ReadyCaseFactory(candidate=candidate)
    new = {"kind": Relationship.Kind.FAMILY, "name": "Cousin Demo"}
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, new_guardian=new)
    assert codes_of(exc) == ["C-GUARD"]
    assert not Relationship.objects.exists()
    new = {"kind": Relationship.Kind.GUARDIAN, "name": "Aunt Demo"}
    attempt = record(case, staff_user, new_guardian=new)
    assert attempt.guardian_present.name == "Aunt Demo"
    assert attempt.guardian_present.candidate == candidate


def test_an_alternate_recipient_added_on_the_spot_creates_a_relationship(staff_user):
    case = ReadyCaseFactory()
    attempt = record(
        case,
        staff_user,
        outcome=Outcome.ALTERNATE,
        new_alternate={"kind": Relationship.Kind.GRANDPARENT, "name": "Grandma Demo"},
        alternate_reason="The candidate was away; she raises him.",
    )
    relationship = Relationship.objects.get(candidate=case.candidate)
    assert attempt.alternate_recipient == relationship
    assert relationship.created_by == staff_user
    assert attempt.is_delivered


def test_ended_by_the_candidate_never_counts_as_delivered(staff_user):
    case = ReadyCaseFactory()
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, ended_how="asked_to_leave", team_left_immediately=True)
    assert codes_of(exc) == ["C-CONSENT"]
    attempt = record(
        case,
        staff_user,
        outcome=Outcome.ENDED_BY_CANDIDATE,
        ended_how="asked_to_leave",
        team_left_immediately=True,
        social_services_delivered=False,
        social_services_reason="We left at once.",
    )
    assert attempt.message_delivered  # the message got out before they asked us to leave
    assert not attempt.is_delivered
    assert not DeliveryAttempt.objects.filter(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)


def test_the_accepted_letter_is_the_one_recorded_as_presented(staff_user):
    letter = AcceptedLetterFactory()
    with pytest.raises(ValidationError) as exc:
        record(letter.case, staff_user)
    assert codes_of(exc) == ["C-DELIVER"]
    attempt = record(letter.case, staff_user, letter_presented=True)
    assert attempt.letter_presented == letter


def test_an_attempt_with_the_lead_counts_toward_accompaniment_once_confirmed(staff_user, lead_user):
    newcomer = PersonnelFactory()
    from tests.factories import TrainingAttendanceFactory

    TrainingAttendanceFactory(personnel=newcomer)
    case = ReadyCaseFactory()
    lead = VipLeadPersonnelFactory()
    attempt = record(
        case,
        staff_user,
        team=[TeamEntry(Role.LEAD, lead), TeamEntry(Role.ACCOMPANYING, newcomer)],
    )
    assert not may_deliver(newcomer, timezone.localdate())
    svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    svc.after_action_confirm(attempt=attempt, decision="close", actor=lead_user)
    assert may_deliver(newcomer, timezone.localdate())


def after_action_data(attempt, **fields):
    values = {
        "ecc_outcome_advised_at": attempt.contact_at + datetime.timedelta(minutes=15),
        "ecc_outcome_advised_by": "Ofc. Test",
        "cad_number": "26-0001234",
    }
    values.update(fields)
    return values


def test_two_officers_saving_the_same_attempt_do_not_overwrite_each_other(staff_user, lead_user):
    case = ReadyCaseFactory()
    attempt = record(case, staff_user, notes="first")
    loaded_version = attempt.version
    members = [TeamEntry(Role.DELIVERER, m.personnel) for m in attempt.team.all()]
    svc.attempt_update(
        attempt=attempt,
        version=loaded_version,
        data=data(notes="officer one"),
        team=members,
        actor=staff_user,
    )
    with pytest.raises(ValidationError) as exc:
        svc.attempt_update(
            attempt=attempt,
            version=loaded_version,
            data=data(notes="officer two"),
            team=members,
            actor=lead_user,
        )
    assert codes_of(exc) == ["stale"]
    attempt.refresh_from_db()
    assert attempt.notes == "officer one" and attempt.version == loaded_version + 1


def test_an_update_replaces_the_team_and_is_checked_again(staff_user):
    case = ReadyCaseFactory()
    attempt = record(case, staff_user)
    with pytest.raises(ValidationError) as exc:
        svc.attempt_update(
            attempt=attempt,
            version=attempt.version,
            data=data(),
            team=[TeamEntry(Role.DELIVERER, PersonnelFactory())],
            actor=staff_user,
        )
    assert "DLV-TRAIN" in codes_of(exc)
    assert attempt.team.count() == 1 and attempt.team.get().personnel.trainings_attended.exists()
    other = EligibleDelivererFactory()
    svc.attempt_update(
        attempt=attempt,
        version=attempt.version,
        data=data(),
        team=[TeamEntry(Role.DELIVERER, other)],
        actor=staff_user,
    )
    assert list(attempt.team.values_list("personnel", flat=True)) == [other.pk]


def test_after_action_record_and_stale_version(staff_user):
    attempt = record(ReadyCaseFactory(), staff_user)
    aa = svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    assert aa.cad_number == "26-0001234" and aa.created_by == staff_user
    with pytest.raises(ValidationError) as exc:
        svc.after_action_record(
            attempt=attempt, data=after_action_data(attempt), actor=staff_user, version=None
        )
    assert codes_of(exc) == ["stale"]
    aa = svc.after_action_record(
        attempt=attempt,
        data=after_action_data(attempt, cad_number="26-0009999"),
        actor=staff_user,
        version=aa.version,
    )
    assert aa.cad_number == "26-0009999"


def test_after_action_refuses_a_bad_or_duplicate_cad_number(staff_user):
    first = record(ReadyCaseFactory(), staff_user)
    svc.after_action_record(attempt=first, data=after_action_data(first), actor=staff_user)
    second = record(ReadyCaseFactory(), staff_user)
    with pytest.raises(ValidationError) as exc:
        svc.after_action_record(attempt=second, data=after_action_data(second), actor=staff_user)
    assert codes_of(exc) == ["A-CAD"]
    with pytest.raises(ValidationError) as exc:
        svc.after_action_record(
            attempt=second, data=after_action_data(second, cad_number="123"), actor=staff_user
        )
    assert codes_of(exc) == ["A-CAD"]
    assert not AfterAction.objects.filter(attempt=second).exists()


def test_a_case_cannot_close_without_the_cad_number(staff_user, lead_user):
    attempt = record(ReadyCaseFactory(), staff_user)
    with pytest.raises(ValidationError) as exc:
        svc.after_action_confirm(attempt=attempt, decision="close", actor=lead_user)
    assert {"A-ECC", "A-CAD"} <= set(codes_of(exc))
    attempt.case.refresh_from_db()
    assert attempt.case.state == S.ATTEMPTED


def test_a_case_cannot_close_without_the_lead(staff_user):
    attempt = record(ReadyCaseFactory(), staff_user)
    svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    with pytest.raises(ValidationError) as exc:
        svc.after_action_confirm(attempt=attempt, decision="close", actor=staff_user)
    assert codes_of(exc) == ["A-RMS"]
    attempt.case.refresh_from_db()
    assert attempt.case.state == S.ATTEMPTED and attempt.case.closed_at is None


def test_the_lead_closes_the_case(staff_user, lead_user):
    attempt = record(ReadyCaseFactory(), staff_user)
    svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    aa = svc.after_action_confirm(attempt=attempt, decision="close", actor=lead_user, note="ok")
    case = CNCase.objects.get(pk=attempt.case_id)
    assert case.state == S.CLOSED and case.closed_at == aa.confirmed_at
    assert aa.confirmed_by == lead_user and aa.decision == "close"
    assert CaseTransition.objects.get(case=case, to_state=S.CLOSED).note == "ok"
    with pytest.raises(ValidationError):
        svc.attempt_update(
            attempt=attempt, version=attempt.version, data=data(), team=team(), actor=lead_user
        )


def test_the_lead_sends_the_case_back_for_another_attempt(staff_user, lead_user):
    case = ReadyCaseFactory()
    first = record(
        case,
        staff_user,
        outcome=Outcome.ENDED_BY_CANDIDATE,
        message_delivered=False,
        ended_how="refused",
        team_left_immediately=True,
        social_services_delivered=False,
        social_services_reason="We left.",
    )
    svc.after_action_record(attempt=first, data=after_action_data(first), actor=staff_user)
    svc.after_action_confirm(attempt=first, decision="retry", actor=lead_user)
    case.refresh_from_db()
    assert case.state == S.READY
    second = record(case, staff_user)
    assert second.number == 2
    # The first attempt is final now.
    with pytest.raises(ValidationError):
        svc.after_action_record(
            attempt=first, data=after_action_data(first), actor=staff_user, version=2
        )


def test_a_not_located_attempt_cannot_close_the_case(staff_user, lead_user):
    attempt = record(ReadyCaseFactory(), staff_user, outcome=Outcome.NOT_LOCATED)
    svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    with pytest.raises(ValidationError) as exc:
        svc.after_action_confirm(attempt=attempt, decision="close", actor=lead_user)
    assert codes_of(exc) == ["A-RMS"]


def test_follow_up_only_after_a_delivered_cn(staff_user):
    case = ReadyCaseFactory()
    values = {
        "followed_up_on": timezone.localdate(),
        "services_offered": "Job training",
        "response": FollowUp.Response.ACCEPTED,
        "referral_made": "Workforce center",
    }
    with pytest.raises(ValidationError) as exc:
        svc.follow_up_record(case=case, data=values, actor=staff_user)
    assert codes_of(exc) == ["not_delivered"]
    record(case, staff_user)
    follow_up = svc.follow_up_record(case=case, data=values, actor=staff_user)
    assert follow_up.created_by == staff_user and follow_up.case == case


def test_a_failure_after_the_first_writes_leaves_nothing_half_saved(staff_user, monkeypatch):
    from deliveries import lifecycle

    def broken_move(*args, **kwargs):
        raise ValidationError("simulated failure", code="boom")

    monkeypatch.setattr(lifecycle, "move", broken_move)
    case = ReadyCaseFactory()
    with pytest.raises(ValidationError):
        record(
            case,
            staff_user,
            outcome=Outcome.ALTERNATE,
            new_alternate={"kind": Relationship.Kind.FAMILY, "name": "Uncle Demo"},
            alternate_reason="Warranted.",
        )
    assert not DeliveryAttempt.objects.exists()
    assert not AttemptTeamMember.objects.exists()
    assert not Relationship.objects.exists()
    case.refresh_from_db()
    assert case.state == S.READY
