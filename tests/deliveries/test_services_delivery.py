"""Services of the delivery step: each move, each refusal, nothing half-saved."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates.models import Relationship
from deliveries.models import (
    AfterAction,
    AttemptCheck,
    AttemptException,
    AttemptTeamMember,
    CaseTransition,
    CNCase,
    DeliveryAttempt,
    FollowUp,
    TeamAssignment,
)
from deliveries.policy.delivery import TeamEntry
from deliveries.policy.personnel import may_deliver
from deliveries.policy.preparation import accepted_letter
from deliveries.services import delivery as svc
from tests.factories import (
    EligibleDelivererFactory,
    EligibleJuvenileFactory,
    ManualAccompanimentFactory,
    PersonnelFactory,
    ReadyCaseFactory,
    RelationshipFactory,
    TeamAssignmentFactory,
    TrainingAttendanceFactory,
    VipLeadPersonnelFactory,
    approve,
    confirmed,
    days_ago,
    opened_case,
    prepare,
)
from vipcn.clock import at
from vipcn.policy import failure_codes

pytestmark = pytest.mark.django_db

S = CNCase.State
Outcome = DeliveryAttempt.Outcome
Role = AttemptTeamMember.Role
PROVIDER = TeamEntry(Role.SOCIAL_SERVICES, name="R. Provider")


def data(**fields):
    """What the attempt form posts: consistent for the outcome (an attempt that met no one
    records no message and no social services; the rules refuse contradictions)."""
    now = timezone.now()
    outcome = fields.get("outcome", Outcome.DELIVERED)
    met = outcome in DeliveryAttempt.CONTACT_OUTCOMES
    values = {
        "contact_at": now - datetime.timedelta(hours=1),
        "address": "1 Test St",
        "ecc_advised_at": now - datetime.timedelta(hours=1, minutes=5),
        "ecc_advised_by": "Ofc. Test",
        "ecc_told_location": True,
        "ecc_told_team": True,
        "ecc_told_identity": True,
        "outcome": outcome,
        "message_delivered": met,
        "social_services_delivered": True if met else None,
    }
    values.update(fields)
    return values


def approved_team(case):
    return [TeamEntry(m.role, m.personnel) for m in case.team.select_related("personnel")]


def team(case, *extra):
    """The approved team present at the door (P-TEAM), and ``extra`` non-officers."""
    return [*approved_team(case), *extra]


def record(case, actor, *, team=None, letter_presented=None, exceptions=None, **fields):
    """Record an attempt as the form would: the approved team present (with a social services
    member when they delivered their message), the accepted letter presented on a delivery."""
    values = data(**fields)
    if letter_presented is None:
        letter_presented = values["outcome"] in DeliveryAttempt.DELIVERED_OUTCOMES
    if team is None:
        team = approved_team(case) + ([PROVIDER] if values["social_services_delivered"] else [])
    return svc.attempt_record(
        case=case,
        data=values,
        team=team,
        actor=actor,
        letter_presented=letter_presented,
        exceptions=exceptions,
    )


def codes_of(exc_info):
    return failure_codes(exc_info.value)


def nothing_recorded(case, state=S.READY):
    """A refusal wrote nothing: no attempt, no team present, no exception, case unmoved."""
    case.refresh_from_db()
    assert case.state == state
    assert not DeliveryAttempt.objects.filter(case=case).exists()
    assert not AttemptTeamMember.objects.filter(attempt__case=case).exists()
    assert not AttemptException.objects.filter(attempt__case=case).exists()
    assert not CaseTransition.objects.filter(case=case, to_state=S.ATTEMPTED).exists()
    return True


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


def test_recording_an_attempt_moves_the_case_to_attempted(staff_user):
    case = ReadyCaseFactory()
    attempt = record(case, staff_user, team=team(case, PROVIDER))
    case.refresh_from_db()
    assert case.state == S.ATTEMPTED
    assert attempt.number == 1 and attempt.created_by == staff_user
    assert attempt.team.count() == 2
    assert attempt.team.get(role=Role.SOCIAL_SERVICES).name == "R. Provider"
    transition = CaseTransition.objects.get(case=case, to_state=S.ATTEMPTED)
    assert transition.actor == staff_user and transition.from_state == S.READY
    # The audit cells are written with the attempt, from the rules (deliveries.checks).
    assert AttemptCheck.objects.get(attempt=attempt, rule_id="C-ECC").status == "met"


def test_an_attempt_needs_a_ready_case(staff_user):
    # Formerly code "invalid_state": issue 15 wants every refusal to name its rule.
    case = ReadyCaseFactory(state=S.PREPARING)
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user)
    assert codes_of(exc) == ["P-APPROVE"]
    assert "Blocked by SOP 2-64-4 B.1 (P-APPROVE)" in exc.value.messages[0]
    assert nothing_recorded(case, S.PREPARING)


@pytest.mark.parametrize(
    "state,rule_id",
    [(S.STOPPED, "J-DECIDE"), (S.ATTEMPTED, "A-RMS"), (S.CLOSED, "A-RMS")],
)
def test_an_attempt_on_a_case_not_ready_names_the_rule(state, rule_id, staff_user):
    case = ReadyCaseFactory(state=state)
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user)
    assert codes_of(exc) == [rule_id]
    assert f"({rule_id})" in exc.value.messages[0]
    assert nothing_recorded(case, state)


def test_contact_before_the_ecc_advisement_is_refused_and_nothing_is_saved(staff_user):
    case = ReadyCaseFactory()
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, contact_at=now - datetime.timedelta(hours=2), ecc_advised_at=now)
    assert "C-ECC" in codes_of(exc)
    case.refresh_from_db()
    assert case.state == S.READY
    assert not DeliveryAttempt.objects.exists() and not AttemptTeamMember.objects.exists()


def test_the_ecc_advised_at_the_very_minute_of_contact_is_refused(staff_user):
    # Issue 15: "before contact" is strictly earlier (C-ECC).
    case = ReadyCaseFactory()
    moment = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, contact_at=moment, ecc_advised_at=moment)
    assert codes_of(exc) == ["C-ECC"]
    assert nothing_recorded(case)


def test_an_attempt_dated_before_the_approval_is_refused(staff_user):
    # Issue 15: an attempt dated before the approval was accepted (P-APPROVE, as of contact).
    case = ReadyCaseFactory(approved_at=days_ago(1, hour=12))
    with pytest.raises(ValidationError) as exc:
        record(
            case,
            staff_user,
            contact_at=days_ago(1, hour=11),
            ecc_advised_at=days_ago(1, hour=10),
        )
    assert codes_of(exc) == ["P-APPROVE"]
    assert "not before" in exc.value.messages[0]
    assert nothing_recorded(case)


def test_an_ineligible_deliverer_is_refused(staff_user):
    # The approved team is judged again as of the contact time (P-TEAM, each DLV-*).
    case = case_with_team((TeamAssignment.Role.DELIVERER, PersonnelFactory()))
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user)
    assert {"DLV-TRAIN", "DLV-ACCOMP"} <= set(codes_of(exc))
    assert not DeliveryAttempt.objects.exists()


def test_a_team_different_from_the_approved_one_is_refused_naming_who_differs(staff_user):
    # Issue 15: an attempt by a team entirely different from the approved one was accepted.
    case = ReadyCaseFactory()
    planned = case.team.get().personnel
    stranger = EligibleDelivererFactory()
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, team=[TeamEntry(Role.DELIVERER, stranger), PROVIDER])
    assert codes_of(exc) == ["P-TEAM"]
    text = exc.value.messages[0]
    assert f"{planned.full_name} was approved as Deliverer but is not recorded present" in text
    assert f"{stranger.full_name} is recorded present but is not on the approved team" in text
    assert nothing_recorded(case)


def test_social_services_delivered_with_no_one_from_them_present_is_refused(staff_user):
    # Issue 15: "social services delivered" was accepted with no social-services member.
    case = ReadyCaseFactory()
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, team=team(case))
    assert codes_of(exc) == ["C-SOCIAL"]
    assert nothing_recorded(case)


def test_a_juvenile_delivered_without_a_guardian_is_refused(staff_user):
    candidate = EligibleJuvenileFactory()
    case = ReadyCaseFactory(candidate=candidate)
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user)
    assert "J-GUARDIAN" in codes_of(exc)
    assert nothing_recorded(case)
    mother = RelationshipFactory(candidate=candidate, kind=Relationship.Kind.PARENT)
    attempt = record(case, staff_user, guardian_present=mother)
    assert attempt.guardian_present == mother


def test_a_guardian_added_on_the_spot_is_saved_only_when_the_attempt_is(staff_user):
    candidate = EligibleJuvenileFactory()
    case = ReadyCaseFactory(candidate=candidate)
    known = Relationship.objects.count()  # the parent planned in preparation (J-GUARDIAN)
    new = {"kind": Relationship.Kind.FAMILY, "name": "Cousin Demo"}
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, new_guardian=new)
    assert codes_of(exc) == ["C-GUARD"]
    assert Relationship.objects.count() == known
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
    assert nothing_recorded(case)
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


@pytest.mark.parametrize(
    "ended",
    [{"ended_how": "asked_to_leave"}, {"team_left_immediately": True}],
    ids=["asked-us-to-leave", "team-left"],
)
def test_delivered_with_the_person_ending_it_is_refused_not_saved_as_delivered(ended, staff_user):
    # Issue 15: "delivered" posted with "asked us to leave / team left" was saved as delivered
    # and the leave data dropped; now refused by C-CONSENT and nothing is saved.
    case = ReadyCaseFactory()
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, **ended)
    assert codes_of(exc) == ["C-CONSENT"]
    assert "ended by the candidate" in exc.value.messages[0]
    assert nothing_recorded(case)


def test_the_accepted_letter_is_the_one_recorded_as_presented(staff_user):
    case = ReadyCaseFactory()
    letter = accepted_letter(case)
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user, letter_presented=False)
    assert codes_of(exc) == ["C-DELIVER"]
    attempt = record(case, staff_user, letter_presented=True)
    assert attempt.letter_presented == letter


def test_an_attempt_with_the_lead_counts_toward_accompaniment_once_confirmed(staff_user, lead_user):
    newcomer = PersonnelFactory()
    TrainingAttendanceFactory(personnel=newcomer)
    lead = VipLeadPersonnelFactory()
    # The newcomer goes with the Lead on the approved team (P-TEAM: the team at the door).
    case = case_with_team(
        (TeamAssignment.Role.LEAD, lead), (TeamAssignment.Role.ACCOMPANYING, newcomer)
    )
    attempt = record(case, staff_user)
    assert {(m.role, m.personnel_id) for m in attempt.team.exclude(personnel=None)} == {
        (Role.LEAD, lead.pk),
        (Role.ACCOMPANYING, newcomer.pk),
    }
    assert not may_deliver(newcomer, timezone.now())
    svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    assert not may_deliver(newcomer, timezone.now())  # not until the Lead confirms (A-RMS)
    svc.after_action_confirm(attempt=attempt, decision="close", actor=lead_user)
    assert may_deliver(newcomer, timezone.now())


def after_action_data(attempt, **fields):
    values = {
        "ecc_outcome_advised_at": attempt.contact_at + datetime.timedelta(minutes=15),
        "ecc_outcome_advised_by": "Ofc. Test",
        "cad_number": "26-0001234",
    }
    values.update(fields)
    return values


def present(attempt):
    return [TeamEntry(m.role, m.personnel, m.name) for m in attempt.team.all()]


def test_two_officers_saving_the_same_attempt_do_not_overwrite_each_other(staff_user, lead_user):
    case = ReadyCaseFactory()
    attempt = record(case, staff_user, notes="first")
    loaded_version = attempt.version
    members = present(attempt)
    svc.attempt_update(
        attempt=attempt,
        version=loaded_version,
        data=data(notes="officer one"),
        team=members,
        actor=staff_user,
        letter_presented=True,
    )
    with pytest.raises(ValidationError) as exc:
        svc.attempt_update(
            attempt=attempt,
            version=loaded_version,
            data=data(notes="officer two"),
            team=members,
            actor=lead_user,
            letter_presented=True,
        )
    assert codes_of(exc) == ["stale"]
    attempt.refresh_from_db()
    assert attempt.notes == "officer one" and attempt.version == loaded_version + 1


def test_an_update_replaces_the_team_and_is_checked_again(staff_user):
    case = ReadyCaseFactory()
    attempt = record(case, staff_user)
    planned = case.team.get().personnel
    # Formerly refused for the newcomer's DLV-TRAIN: a team other than the approved one is
    # now refused by P-TEAM at the door (issue 15), whoever the newcomer is.
    with pytest.raises(ValidationError) as exc:
        svc.attempt_update(
            attempt=attempt,
            version=attempt.version,
            data=data(),
            team=[TeamEntry(Role.DELIVERER, PersonnelFactory()), PROVIDER],
            actor=staff_user,
            letter_presented=True,
        )
    assert codes_of(exc) == ["P-TEAM"]
    assert list(attempt.team.exclude(personnel=None).values_list("personnel", flat=True)) == [
        planned.pk
    ]
    svc.attempt_update(
        attempt=attempt,
        version=attempt.version,
        data=data(),
        team=team(case, TeamEntry(Role.SOCIAL_SERVICES, name="P. Partner")),
        actor=staff_user,
        letter_presented=True,
    )
    assert set(attempt.team.values_list("personnel", "name")) == {
        (None, "P. Partner"),
        (planned.pk, ""),
    }


def test_after_action_record_and_stale_version(staff_user):
    attempt = record(ReadyCaseFactory(), staff_user)
    aa = svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    assert aa.cad_number == "26-0001234" and aa.created_by == staff_user
    # Version 0: the form was loaded when there was no after-action yet (None now means a
    # caller without a form, vipcn.concurrency.lock_for_edit).
    with pytest.raises(ValidationError) as exc:
        svc.after_action_record(
            attempt=attempt, data=after_action_data(attempt), actor=staff_user, version=0
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
    with pytest.raises(ValidationError) as exc:
        svc.attempt_update(
            attempt=attempt,
            version=attempt.version,
            data=data(),
            team=present(attempt),
            actor=lead_user,
            letter_presented=True,
        )
    assert codes_of(exc) == ["A-RMS"]


def test_an_outcome_changed_after_the_ecc_was_advised_needs_it_advised_again(staff_user, lead_user):
    # Issue 15: a later change of outcome kept the old advisement (A-ECC).
    case = ReadyCaseFactory()
    attempt = record(case, staff_user, outcome=Outcome.NOT_LOCATED)
    aa = svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    cell = AttemptCheck.objects.filter(attempt=attempt, rule_id="A-ECC")
    assert cell.get().status == "met"
    attempt = svc.attempt_update(
        attempt=attempt,
        version=attempt.version,
        data=data(outcome=Outcome.ABORTED, abort_reason="A crowd gathered at the door."),
        team=present(attempt),
        actor=staff_user,
    )
    assert cell.get().status == "not_met"
    with pytest.raises(ValidationError) as exc:
        svc.after_action_confirm(attempt=attempt, decision="retry", actor=lead_user)
    assert codes_of(exc) == ["A-ECC"]
    case.refresh_from_db()
    assert case.state == S.ATTEMPTED
    svc.after_action_record(
        attempt=attempt,
        data=after_action_data(
            attempt, ecc_outcome_advised_at=attempt.contact_at + datetime.timedelta(minutes=40)
        ),
        actor=staff_user,
        version=aa.version,
    )
    assert cell.get().status == "met"
    svc.after_action_confirm(attempt=attempt, decision="retry", actor=lead_user)
    case.refresh_from_db()
    assert case.state == S.READY


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
    # Sent back half an hour after the first contact; the second contact comes after that.
    with at(first.contact_at + datetime.timedelta(minutes=30)):
        svc.after_action_confirm(attempt=first, decision="retry", actor=lead_user)
    case.refresh_from_db()
    assert case.state == S.READY
    later = first.contact_at + datetime.timedelta(minutes=45)
    second = record(
        case, staff_user, contact_at=later, ecc_advised_at=later - datetime.timedelta(minutes=5)
    )
    assert second.number == 2
    # The first attempt is final now.
    with pytest.raises(ValidationError):
        svc.after_action_record(
            attempt=first, data=after_action_data(first), actor=staff_user, version=2
        )


def test_sending_back_checks_the_rules_again(staff_user, lead_user):
    # Issue 15: "send back" re-used the old approval. The threat assessment and background
    # check were fresh at the approval and the contact, 96 days ago; now they are more than
    # 90 days old, so the case goes back to preparation, not to ready.
    deliverer = PersonnelFactory()
    TrainingAttendanceFactory(
        personnel=deliverer, attended_on=timezone.localdate() - datetime.timedelta(days=200)
    )
    confirmed(
        ManualAccompanimentFactory(
            personnel=deliverer,
            accompanied_on=timezone.localdate() - datetime.timedelta(days=150),
            lead=VipLeadPersonnelFactory(),
        )
    )
    case = case_with_team(
        (TeamAssignment.Role.DELIVERER, deliverer),
        opened=days_ago(100),
        approved=days_ago(97),
    )
    contact = days_ago(96, hour=14)
    with at(contact + datetime.timedelta(hours=1)):
        attempt = record(
            case,
            staff_user,
            outcome=Outcome.NOT_LOCATED,
            contact_at=contact,
            ecc_advised_at=contact - datetime.timedelta(minutes=10),
        )
    svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    svc.after_action_confirm(attempt=attempt, decision="retry", actor=lead_user)
    case.refresh_from_db()
    assert case.state == S.PREPARING
    assert case.approved_at is None and case.approved_by is None
    note = CaseTransition.objects.filter(case=case).latest("pk").note
    assert "(P-APPROVE)" in note and "(P-THREAT)" in note and "(P-BACKGROUND)" in note
    with pytest.raises(ValidationError) as exc:
        record(case, staff_user)
    assert codes_of(exc) == ["P-APPROVE"]


def test_a_not_located_attempt_cannot_close_the_case(staff_user, lead_user):
    attempt = record(ReadyCaseFactory(), staff_user, outcome=Outcome.NOT_LOCATED)
    svc.after_action_record(attempt=attempt, data=after_action_data(attempt), actor=staff_user)
    with pytest.raises(ValidationError) as exc:
        svc.after_action_confirm(attempt=attempt, decision="close", actor=lead_user)
    assert codes_of(exc) == ["A-RMS"]


EXPLANATION = "Dispatch was down; the ECC was advised by radio on arrival."


def test_the_lead_records_a_field_rule_exception_with_why(
    lead_user, manager_user, django_capture_on_commit_callbacks
):
    case = ReadyCaseFactory()
    moment = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        attempt = record(
            case,
            lead_user,
            contact_at=moment,
            ecc_advised_at=moment,
            exceptions={"C-ECC": EXPLANATION},
        )
        assert not mail.outbox  # only once the attempt is committed
    assert callbacks
    case.refresh_from_db()
    assert case.state == S.ATTEMPTED
    exception = AttemptException.objects.get(attempt=attempt)
    assert (exception.rule_id, exception.explanation, exception.recorded_by) == (
        "C-ECC",
        EXPLANATION,
        lead_user,
    )
    # The audit shows the rule not met, with the Lead's explanation: never compliant.
    cell = AttemptCheck.objects.get(attempt=attempt, rule_id="C-ECC")
    assert cell.status == "not_met" and EXPLANATION in cell.note
    assert AttemptCheck.objects.get(attempt=attempt, rule_id="C-DELIVER").status == "met"
    # The Program Manager is told, with the case number and the rule, no case details.
    assert [m.to for m in mail.outbox] == [[manager_user.email]]
    assert case.number in mail.outbox[0].subject and "C-ECC" in mail.outbox[0].body
    assert case.candidate.last_name not in mail.outbox[0].body


def test_staff_cannot_record_an_exception(
    staff_user, manager_user, django_capture_on_commit_callbacks
):
    case = ReadyCaseFactory()
    moment = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError) as exc:
            record(
                case,
                staff_user,
                contact_at=moment,
                ecc_advised_at=moment,
                exceptions={"C-ECC": EXPLANATION},
            )
    assert set(codes_of(exc)) == {"C-ECC"}
    assert "only the VIP Law Enforcement Lead" in " ".join(exc.value.messages)
    assert nothing_recorded(case)
    assert not mail.outbox


def test_a_preparation_rule_cannot_be_excepted(lead_user):
    """Preparation rules are hard gates: an exception for one is refused (a form error, not a
    500), naming the rule, and nothing is saved."""
    case = ReadyCaseFactory()
    with pytest.raises(ValidationError) as refused:
        record(
            case,
            lead_user,
            team=[TeamEntry(Role.DELIVERER, EligibleDelivererFactory()), PROVIDER],
            exceptions={"P-TEAM": "The deliverer was ill."},
        )
    assert "only a field rule broken at the door" in refused.value.messages[0]
    assert "P-TEAM" in codes_of(refused)
    assert nothing_recorded(case)


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
    # Formerly code "not_delivered": issue 15 wants every refusal to name its rule.
    assert codes_of(exc) == ["C-DELIVER"]
    assert not FollowUp.objects.exists()
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
    assert not AttemptCheck.objects.exists()
    assert not Relationship.objects.exists()
    case.refresh_from_db()
    assert case.state == S.READY
