"""The SOP compliance audit: a compliant delivery meets every applicable rule, and a delivery
that breaks one rule gets "not met" in that rule's column (and only there)."""

import datetime

import pytest
from django.utils import timezone

from deliveries import models as dm
from deliveries.selectors import compliance as audit
from deliveries.selectors.reports import default_period
from tests import factories as f

pytestmark = pytest.mark.django_db
OUTCOME = dm.DeliveryAttempt.Outcome


def cells_for(user, attempt):
    start, end = default_period()
    data = audit.compliance_audit(user, start, end)
    row = next(r for r in data["rows"] if r.attempt.pk == attempt.pk)
    return {rule: cell.status for rule, cell in row.cells.items()}


def not_met(user, attempt):
    return {rule for rule, status in cells_for(user, attempt).items() if status == audit.NOT_MET}


def test_a_compliant_adult_delivery_meets_every_applicable_rule(lead_user):
    attempt = f.report_compliant_attempt()
    cells = cells_for(lead_user, attempt)
    assert not_met(lead_user, attempt) == set()
    assert cells["J-GUARDIAN"] == cells["J-JPO"] == cells["C-LEAVE"] == audit.NA
    assert cells["P-THREAT"] == cells["A-RMS"] == cells["DLV-ACCOMP"] == audit.MET


def test_a_compliant_juvenile_delivery_meets_every_applicable_rule(lead_user):
    attempt = f.report_compliant_attempt(juvenile=True)
    cells = cells_for(lead_user, attempt)
    assert not_met(lead_user, attempt) == set()
    assert cells["J-GUARDIAN"] == cells["C-GUARD"] == cells["J-JPO"] == audit.MET


def _late(days=1):
    return timezone.localdate() + datetime.timedelta(days=days)


BREAKS = {
    "C-ECC": lambda a: dm.DeliveryAttempt.objects.filter(pk=a.pk).update(
        ecc_advised_at=a.contact_at + datetime.timedelta(minutes=5)
    ),
    "P-THREAT": lambda a: dm.ThreatAssessment.objects.filter(case=a.case).update(
        completed_on=_late()
    ),
    "P-BACKGROUND": lambda a: dm.BackgroundCheck.objects.filter(case=a.case).delete(),
    "P-LETTER": lambda a: dm.LetterVersion.objects.filter(case=a.case).update(
        accepted_at=None, accepted_by=None
    ),
    "P-SOCIAL": lambda a: dm.SocialServicesPlan.objects.filter(case=a.case).delete(),
    "P-APPROVE": lambda a: dm.CaseTransition.objects.filter(case=a.case).update(
        at=a.contact_at + datetime.timedelta(hours=1)
    ),
    "DLV-SWORN": lambda a: dm.Personnel.objects.filter(
        attempts_present__attempt=a, attempts_present__role="deliverer"
    ).update(is_sworn=False),
    "DLV-TRAIN": lambda a: dm.TrainingAttendance.objects.filter(
        personnel__attempts_present__attempt=a, personnel__attempts_present__role="deliverer"
    ).update(attended_on=_late()),
    "DLV-ACCOMP": lambda a: dm.ManualAccompaniment.objects.filter(
        personnel__attempts_present__attempt=a
    ).update(confirmed_at=None),
    "C-DELIVER": lambda a: dm.DeliveryAttempt.objects.filter(pk=a.pk).update(
        message_delivered=False
    ),
    "C-SOCIAL": lambda a: dm.DeliveryAttempt.objects.filter(pk=a.pk).update(
        social_services_delivered=False, social_services_reason=""
    ),
    "A-ECC": lambda a: dm.AfterAction.objects.filter(attempt=a).update(ecc_outcome_advised_at=None),
    "A-CAD": lambda a: dm.AfterAction.objects.filter(attempt=a).update(cad_number=None),
    "A-RMS": lambda a: dm.AfterAction.objects.filter(attempt=a).update(
        confirmed_at=None, confirmed_by=None
    ),
}


@pytest.mark.parametrize("rule_id", sorted(BREAKS))
def test_a_delivery_that_breaks_the_rule_is_not_met_in_its_column(rule_id, lead_user):
    attempt = f.report_compliant_attempt()
    BREAKS[rule_id](attempt)
    assert not_met(lead_user, attempt) == {rule_id}


def test_a_missing_after_action_fails_all_three_after_action_rules(lead_user):
    attempt = f.report_compliant_attempt()
    dm.AfterAction.objects.filter(attempt=attempt).delete()
    assert not_met(lead_user, attempt) == {"A-ECC", "A-CAD", "A-RMS"}


def test_no_deliverer_present_fails_the_deliverer_rules(lead_user):
    attempt = f.report_compliant_attempt()
    attempt.team.all().delete()
    assert not_met(lead_user, attempt) == {"DLV-SWORN", "DLV-TRAIN", "DLV-ACCOMP"}


@pytest.mark.parametrize(
    "rule_id,change",
    [
        ("J-JPO", lambda a: dm.JPOCheck.objects.filter(case=a.case).delete()),
        (
            "J-DECIDE",
            lambda a: dm.JuvenileDecision.objects.filter(case=a.case).update(decided_on=_late()),
        ),
    ],
)
def test_juvenile_preparation_rules(rule_id, change, lead_user):
    attempt = f.report_compliant_attempt(juvenile=True)
    change(attempt)
    assert not_met(lead_user, attempt) == {rule_id}


def test_a_juvenile_delivered_without_a_guardian_fails_j_guardian_and_c_guard(lead_user):
    attempt = f.report_compliant_attempt(juvenile=True)
    dm.DeliveryAttempt.objects.filter(pk=attempt.pk).update(guardian_present=None)
    assert not_met(lead_user, attempt) == {"J-GUARDIAN", "C-GUARD"}


def test_a_juvenile_who_ended_it_after_the_message_without_a_guardian_fails_j_guardian(
    lead_user,
):
    # The same reading as the policy: the message reached a juvenile, so J-GUARDIAN applies.
    attempt = f.report_compliant_attempt(juvenile=True)
    dm.DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        outcome=OUTCOME.ENDED_BY_CANDIDATE,
        message_delivered=True,
        ended_how="refused",
        team_left_immediately=True,
        guardian_present=None,
    )
    cells = cells_for(lead_user, attempt)
    assert cells["J-GUARDIAN"] == audit.NOT_MET
    dm.DeliveryAttempt.objects.filter(pk=attempt.pk).update(message_delivered=False)
    assert cells_for(lead_user, attempt)["J-GUARDIAN"] == audit.NA


def test_a_guardian_present_who_is_not_a_parent_fails_c_guard(lead_user):
    attempt = f.report_compliant_attempt(juvenile=True)
    dm.DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        guardian_present=f.RelationshipFactory(candidate=attempt.case.candidate, kind="associate")
    )
    assert not_met(lead_user, attempt) == {"C-GUARD"}


def test_ended_by_the_candidate_requires_leaving_at_once(lead_user):
    attempt = f.report_compliant_attempt(outcome=OUTCOME.ENDED_BY_CANDIDATE)
    cells = cells_for(lead_user, attempt)
    assert cells["C-LEAVE"] == audit.NOT_MET
    assert cells["C-DELIVER"] == audit.NA
    # C-SOCIAL applies to every encounter with the person, as in deliveries.policy.delivery.
    assert cells["C-SOCIAL"] == audit.MET
    dm.DeliveryAttempt.objects.filter(pk=attempt.pk).update(team_left_immediately=True)
    assert cells_for(lead_user, attempt)["C-LEAVE"] == audit.MET


def test_an_alternate_recipient_needs_who_and_why(lead_user):
    attempt = f.report_compliant_attempt(outcome=OUTCOME.ALTERNATE)
    assert not_met(lead_user, attempt) == {"C-ALT"}
    dm.DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        alternate_recipient=f.RelationshipFactory(candidate=attempt.case.candidate),
        alternate_reason="Candidate out of state",
    )
    assert not_met(lead_user, attempt) == set()


def test_totals_and_exceptions(lead_user):
    good = f.report_compliant_attempt()
    bad = f.report_compliant_attempt()
    BREAKS["A-CAD"](bad)
    start, end = default_period()
    data = audit.compliance_audit(lead_user, start, end)
    totals = {t["rule"].id: t for t in data["totals"]}
    assert (totals["A-CAD"]["met"], totals["A-CAD"]["not_met"]) == (1, 1)
    assert totals["J-JPO"]["na"] == 2
    assert [(e["attempt"].pk, e["rule"].id) for e in data["exceptions"]] == [(bad.pk, "A-CAD")]
    assert good.pk in {r.attempt.pk for r in data["rows"]}


@pytest.mark.parametrize("size", [1, 6])
def test_the_audit_runs_a_fixed_number_of_queries(size, lead_user, django_assert_num_queries):
    for _ in range(size):
        f.report_compliant_attempt()
        f.report_compliant_attempt(juvenile=True)
    start, end = default_period()
    lead_user.has_perm("candidates.view_juvenile_records")
    with django_assert_num_queries(3):
        audit.compliance_audit(lead_user, start, end)


def test_an_undated_lead_designation_is_read_as_the_policy_reads_it(lead_user):
    # deliveries.policy.personnel: the designation meets DLV-ACCOMP only from its recorded
    # date; the audit (and the "eligible now" counts) must not treat a missing date as met.
    from django.core.exceptions import ValidationError

    from deliveries.policy.personnel import check_deliverer
    from deliveries.selectors.common import eligible_now_q, personnel_with_eligibility_dates

    attempt = f.report_compliant_attempt()
    lead = attempt.team.get(role=dm.AttemptTeamMember.Role.LEAD).personnel
    dm.Personnel.objects.filter(pk=lead.pk).update(lead_designated_on=None)
    lead.refresh_from_db()
    day = timezone.localdate(attempt.contact_at)
    with pytest.raises(ValidationError) as exc:
        check_deliverer(lead, day)
    assert "DLV-ACCOMP" in [e.code for e in exc.value.error_list]
    assert cells_for(lead_user, attempt)["DLV-ACCOMP"] == audit.NOT_MET
    eligible = personnel_with_eligibility_dates().filter(eligible_now_q(timezone.localdate()))
    assert not eligible.filter(pk=lead.pk).exists()


def test_social_services_on_an_ended_encounter_is_audited_as_the_policy_requires(lead_user):
    attempt = f.report_compliant_attempt(outcome=OUTCOME.ENDED_BY_CANDIDATE)
    dm.DeliveryAttempt.objects.filter(pk=attempt.pk).update(social_services_delivered=None)
    assert cells_for(lead_user, attempt)["C-SOCIAL"] == audit.NOT_MET


def test_an_alternate_delivery_without_the_message_fails_c_deliver(lead_user):
    # deliveries.policy.delivery.Delivered applies to both delivered outcomes.
    attempt = f.report_compliant_attempt(outcome=OUTCOME.ALTERNATE)
    dm.DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        alternate_recipient=f.RelationshipFactory(candidate=attempt.case.candidate),
        alternate_reason="Candidate out of state",
        message_delivered=False,
    )
    assert cells_for(lead_user, attempt)["C-DELIVER"] == audit.NOT_MET
