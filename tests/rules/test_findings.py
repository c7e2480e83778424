"""Issue 15's numbered findings, each reproduced end to end through the services (the paths a
page, a command or an import take): the step is refused, naming its rule, and nothing is saved;
or the approval lapses. Finer cases of each rule are in the tests of its area."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates import models as cm
from candidates.services import identification, people
from deliveries import models as dm
from deliveries.policy.subjects import case_juvenile
from deliveries.services import delivery, preparation
from tests.factories import (
    BasisFactory,
    ManualAccompanimentFactory,
    PersonnelFactory,
    TrainingAttendanceFactory,
    VipLeadPersonnelFactory,
    approve,
    confirmed,
    days_ago,
    identify,
    opened_case,
    prepare,
    years_ago,
)
from vipcn.clock import at
from vipcn.policy import failure_codes

pytestmark = pytest.mark.django_db
S = dm.CNCase.State
Role = dm.AttemptTeamMember.Role


def team_present(case):
    return [delivery.TeamEntry(m.role, m.personnel) for m in case.team.all()]


def delivered(case, **extra):
    """A delivery recorded well: ECC advised first, the accepted letter, social services."""
    contact = timezone.now() - datetime.timedelta(hours=2)
    data = {
        "contact_at": contact,
        "address": "100 Main St",
        "ecc_advised_at": contact - datetime.timedelta(minutes=15),
        "ecc_advised_by": "Officer A",
        "ecc_told_location": True,
        "ecc_told_team": True,
        "ecc_told_identity": True,
        "outcome": dm.DeliveryAttempt.Outcome.DELIVERED,
        "message_delivered": True,
        "social_services_delivered": True,
        **extra,
    }
    team = [*team_present(case), delivery.TeamEntry(Role.SOCIAL_SERVICES, name="Pat Provider")]
    return data, team


def nothing_recorded(case):
    case.refresh_from_db()
    assert not dm.DeliveryAttempt.objects.filter(case=case).exists()
    assert not dm.AttemptTeamMember.objects.filter(attempt__case=case).exists()
    return case


@pytest.fixture
def approved_adult(lead_user):
    return approve(prepare(opened_case(), lead_user=lead_user), by=lead_user)


# --- 1. a juvenile's CN without the JPO check or the Lead's decision ------------------------------


def test_1_a_date_of_birth_corrected_to_a_juveniles_after_approval(approved_adult, staff_user):
    case = approved_adult
    candidate = case.candidate
    people.candidate_update(
        candidate=candidate,
        actor=staff_user,
        version=candidate.version,
        date_of_birth=years_ago(16),
    )
    case.refresh_from_db()
    assert case.state == S.PREPARING  # the approval lapsed at once
    assert case_juvenile(case)  # and the juvenile safeguards now apply to the case
    data, team = delivered(case)
    with pytest.raises(ValidationError) as refused:
        delivery.attempt_record(case=case, data=data, team=team, actor=staff_user)
    assert failure_codes(refused.value) == ["P-APPROVE"]
    nothing_recorded(case)


# --- 2. eligibility held after the case opens; the determination in force ----------------------


def test_2_withdrawing_the_only_basis_stops_the_case(approved_adult, staff_user, lead_user):
    case = approved_adult
    basis = case.candidate.bases.get()
    identification.basis_withdraw(
        basis=basis, actor=staff_user, reason="Entered on the wrong person.", version=basis.version
    )
    case.refresh_from_db()
    assert case.state == S.PREPARING
    with pytest.raises(ValidationError) as refused:
        preparation.case_approve(case=case, version=case.version, actor=lead_user)
    assert "ID-DET" in failure_codes(refused.value)
    assert case.transitions.filter(to_state=S.READY).count() == 1  # only the first approval


def test_2_a_later_not_eligible_determination_stops_the_case(approved_adult, staff_user):
    case = approved_adult
    candidate = case.candidate
    candidate.bases.update(justification="")  # the evidence no longer holds...
    identification.determination_record(candidate=candidate, actor=staff_user)  # ...found so
    case.refresh_from_db()
    candidate.refresh_from_db()
    assert candidate.status == cm.Candidate.Status.NOT_ELIGIBLE
    assert case.state == S.PREPARING


def test_2_a_determination_dated_before_the_one_in_force_changes_nothing(staff_user):
    """18 since three weeks, an influencer (adults only, ID-2I): eligible today; a
    determination dated six weeks ago finds them not eligible (then a juvenile) and is kept,
    but the latest-dated one stays in force."""
    candidate = cm.Candidate.objects.create(
        first_name="Dana", last_name="Example", date_of_birth=years_ago(18, days=20)
    )
    BasisFactory(candidate=candidate, code=cm.IdentificationBasis.Code.INFLUENCER)
    identification.determination_record(candidate=candidate, actor=staff_user)
    candidate.refresh_from_db()
    assert candidate.status == cm.Candidate.Status.ELIGIBLE
    earlier = identification.determination_record(
        candidate=candidate,
        actor=staff_user,
        determined_on=timezone.localdate() - datetime.timedelta(days=40),
    )
    assert not earlier.eligible
    candidate.refresh_from_db()
    assert candidate.status == cm.Candidate.Status.ELIGIBLE  # the latest-dated one stands


# --- 3. juvenile safeguards do not stick to adults -------------------------------------------


def test_3_a_juvenile_determination_years_ago_does_not_bind_a_later_adult_case(lead_user):
    candidate = cm.Candidate.objects.create(
        first_name="Sam", last_name="Later", date_of_birth=years_ago(30)
    )
    identify(candidate, when=timezone.now() - datetime.timedelta(days=365 * 14))  # aged 16
    identify(candidate, when=days_ago(20))  # identified again, as the adult they are
    case = opened_case(candidate=candidate)
    assert not case_juvenile(case)
    prepare(case, lead_user=lead_user)  # no JPO check, decision or guardian is asked for
    preparation.case_approve(case=case, version=case.version, actor=lead_user)
    case.refresh_from_db()
    assert case.state == S.READY


# --- 4. gates check when, not only that ---------------------------------------------------------


def test_4_an_attempt_before_the_approval_is_refused(approved_adult, staff_user):
    case = approved_adult
    data, team = delivered(case, contact_at=case.approved_at - datetime.timedelta(hours=1))
    data["ecc_advised_at"] = data["contact_at"] - datetime.timedelta(minutes=10)
    with pytest.raises(ValidationError) as refused:
        delivery.attempt_record(case=case, data=data, team=team, actor=staff_user)
    assert "P-APPROVE" in failure_codes(refused.value)
    nothing_recorded(case)


def test_4_a_five_year_old_threat_assessment_does_not_pass_approval(lead_user):
    case = prepare(opened_case(opened=days_ago(10)), lead_user=lead_user)
    threat = case.threat_assessment
    with at(days_ago(9)):
        threat.completed_on = timezone.localdate() - datetime.timedelta(days=5 * 365)
        threat.save()
    with pytest.raises(ValidationError) as refused:
        preparation.case_approve(case=case, version=case.version, actor=lead_user)
    assert "P-THREAT" in failure_codes(refused.value)
    case.refresh_from_db()
    assert case.state == S.PREPARING


def test_4_ecc_advised_at_the_minute_of_contact_is_not_before_it(approved_adult, staff_user):
    case = approved_adult
    data, team = delivered(case)
    data["ecc_advised_at"] = data["contact_at"]
    with pytest.raises(ValidationError) as refused:
        delivery.attempt_record(
            case=case, data=data, team=team, actor=staff_user, letter_presented=True
        )
    assert failure_codes(refused.value) == ["C-ECC"]
    nothing_recorded(case)


# --- 5. one definition read everywhere ----------------------------------------------------


def test_5_the_dashboard_and_the_approval_agree(lead_user):
    """A case whose planned deliverer is not eligible: the old count called it waiting for
    approval ("any deliverer"); the one rule says it waits for P-TEAM, and so do all readers."""
    from deliveries.selectors import reports

    untrained = PersonnelFactory()
    case = prepare(opened_case(), lead_user=lead_user, deliverer=untrained)
    waiting = dm.CNCase.objects.filter(pk=case.pk)
    assert not waiting.filter(reports.awaiting_approval_q()).exists()
    assert waiting.filter(reports.waiting_for_q("P-TEAM")).exists()
    with pytest.raises(ValidationError) as refused:
        preparation.case_approve(case=case, version=case.version, actor=lead_user)
    assert "DLV-TRAIN" in failure_codes(refused.value)


# --- 6. the admin is not a back door (the ORM path the admin used) -------------------------


def test_6_deleting_a_ready_cases_threat_assessment_makes_it_lapse(approved_adult):
    case = approved_adult
    dm.ThreatAssessment.objects.get(case=case).delete()
    case.refresh_from_db()
    assert case.state == S.PREPARING


def test_6_a_self_confirmed_self_led_accompaniment_never_counts():
    from deliveries.policy.personnel import may_deliver

    officer = PersonnelFactory(is_vip_lead=False)
    TrainingAttendanceFactory(personnel=officer)
    confirmed(ManualAccompanimentFactory(personnel=officer, lead=officer))
    assert not may_deliver(officer, timezone.now())


# --- 7. smaller, each real -----------------------------------------------------------------------


def test_7_delivered_and_asked_to_leave_is_refused_not_trimmed(approved_adult, staff_user):
    case = approved_adult
    data, team = delivered(
        case, ended_how=dm.DeliveryAttempt.EndedHow.ASKED_TO_LEAVE, team_left_immediately=True
    )
    with pytest.raises(ValidationError) as refused:
        delivery.attempt_record(case=case, data=data, team=team, actor=staff_user)
    assert "C-CONSENT" in failure_codes(refused.value)
    nothing_recorded(case)


def test_7_an_attempt_by_a_team_other_than_the_approved_one(approved_adult, staff_user):
    case = approved_adult
    stranger = VipLeadPersonnelFactory()
    data, _team = delivered(case)
    team = [delivery.TeamEntry(Role.LEAD, stranger)]
    with pytest.raises(ValidationError) as refused:
        delivery.attempt_record(case=case, data=data, team=team, actor=staff_user)
    assert "P-TEAM" in failure_codes(refused.value)
    assert stranger.full_name in " ".join(refused.value.messages)
    nothing_recorded(case)


def test_7_social_services_delivered_with_no_one_from_them_present(approved_adult, staff_user):
    case = approved_adult
    data, _team = delivered(case)
    with pytest.raises(ValidationError) as refused:
        delivery.attempt_record(
            case=case, data=data, team=team_present(case), actor=staff_user, letter_presented=True
        )
    assert failure_codes(refused.value) == ["C-SOCIAL"]
    nothing_recorded(case)


def test_7_an_attempt_on_a_case_in_preparation_names_its_rule(lead_user, staff_user):
    case = prepare(opened_case(), lead_user=lead_user)
    data, team = delivered(case)
    with pytest.raises(ValidationError) as refused:
        delivery.attempt_record(case=case, data=data, team=team, actor=staff_user)
    assert refused.value.messages[0].startswith("Blocked by SOP 2-64-4 B.1 (P-APPROVE):")
    nothing_recorded(case)


def test_7_a_lead_records_a_field_rule_broken_as_an_exception(approved_adult, lead_user):
    case = approved_adult
    data, team = delivered(case, ecc_advised_at=None)
    attempt = delivery.attempt_record(
        case=case,
        data=data,
        team=team,
        actor=lead_user,
        letter_presented=True,
        exceptions={"C-ECC": "The radio was down; the ECC was told as soon as it came back."},
    )
    check = attempt.checks.get(rule_id="C-ECC")
    assert check.status == dm.AttemptCheck.Status.NOT_MET
    assert "radio was down" in check.note


def test_4_a_second_attempt_dated_before_the_send_back_is_refused(approved_adult, lead_user):
    from deliveries.models import AfterAction

    case = approved_adult
    data, team = delivered(
        case,
        outcome=dm.DeliveryAttempt.Outcome.NOT_LOCATED,
        message_delivered=False,
        social_services_delivered=None,
    )
    first = delivery.attempt_record(case=case, data=data, team=team_present(case), actor=lead_user)
    delivery.after_action_record(
        attempt=first,
        data={
            "ecc_outcome_advised_at": data["contact_at"] + datetime.timedelta(minutes=20),
            "ecc_outcome_advised_by": "Officer A",
            "cad_number": "26-0000777",
        },
        actor=lead_user,
    )
    delivery.after_action_confirm(
        attempt=first, decision=AfterAction.Decision.RETRY, actor=lead_user
    )
    case.refresh_from_db()
    assert case.state == S.READY
    earlier, team = delivered(case, contact_at=data["contact_at"] + datetime.timedelta(minutes=5))
    earlier["ecc_advised_at"] = earlier["contact_at"] - datetime.timedelta(minutes=2)
    with pytest.raises(ValidationError) as refused:
        delivery.attempt_record(
            case=case, data=earlier, team=team, actor=lead_user, letter_presented=True
        )
    assert failure_codes(refused.value) == ["A-RMS"]
    assert case.attempts.count() == 1
