"""Dashboard selectors: figures against hand-counted fixtures, and a fixed number of queries."""

import datetime

import pytest
from django.utils import timezone

from deliveries import models as dm
from deliveries.policy.personnel import annotate_deliverer_states, may_deliver
from deliveries.selectors import reports as sel
from tests import factories as f
from vipcn.policy import as_of_day

pytestmark = pytest.mark.django_db
S = dm.CNCase.State
OUTCOME = dm.DeliveryAttempt.Outcome


def waiting_map(lead_user):
    return {row["case"].number: row["unmet"] for row in sel.waiting_cases(lead_user)}


class TestPipeline:
    def test_a_fully_prepared_adult_case_waits_only_for_approval(self, lead_user):
        case = f.report_prepared_case()
        assert waiting_map(lead_user)[case.number] == ["P-APPROVE"]

    def test_each_missing_record_is_named_by_its_rule(self, lead_user):
        case = f.opened_case()  # an eligible candidate (ID-DET holds), nothing prepared
        assert waiting_map(lead_user)[case.number] == [
            "P-THREAT",
            "P-BACKGROUND",
            "P-LETTER",
            "P-TEAM",
            "P-SOCIAL",
        ]

    def test_a_no_letter_reason_meets_the_letter_rule(self, lead_user):
        # The Lead's recorded decision: why, who and when (P-LETTER).
        case = f.opened_case(
            no_letter_reason="Candidate cannot read",
            no_letter_by=lead_user,
            no_letter_at=f.days_ago(2),
        )
        assert "P-LETTER" not in waiting_map(lead_user)[case.number]
        case.no_letter_reason = " "
        case.save()
        assert "P-LETTER" in waiting_map(lead_user)[case.number]

    def test_an_accompanying_officer_alone_is_not_a_team(self, lead_user):
        case = f.report_prepared_case()
        case.team.all().delete()
        f.ReportTeamFactory(case=case, role=dm.TeamAssignment.Role.ACCOMPANYING)
        assert waiting_map(lead_user)[case.number] == ["P-TEAM"]

    def test_juvenile_rules_apply_to_juveniles_only(self, lead_user):
        juvenile = f.CaseFactory(state=S.PREPARING, candidate=f.JuvenileCandidateFactory())
        adult = f.CaseFactory(state=S.PREPARING)
        got = waiting_map(lead_user)
        assert {"J-JPO", "J-DECIDE", "J-GUARDIAN"} <= set(got[juvenile.number])
        assert not {"J-JPO", "J-DECIDE", "J-GUARDIAN"} & set(got[adult.number])

    def test_a_juvenile_determination_keeps_the_safeguards_after_18(self, lead_user):
        # Identified 60 days ago, at 17 (J-AGE: the case's day of identification); 18 today.
        candidate = f.EligibleCandidateFactory(
            date_of_birth=f.years_ago(18, days=3), identified=f.days_ago(60)
        )
        case = f.report_prepared_case(candidate=candidate)
        # ``prepare`` recorded the juvenile safeguards too; without them the case waits for
        # each of them, not for the approval.
        assert waiting_map(lead_user)[case.number] == ["P-APPROVE"]
        dm.JPOCheck.objects.filter(case=case).delete()
        dm.JuvenileDecision.objects.filter(case=case).delete()
        dm.GuardianContact.objects.filter(case=case).delete()
        assert waiting_map(lead_user)[case.number] == ["J-JPO", "J-DECIDE", "J-GUARDIAN"]

    def test_after_approval_it_waits_for_the_delivery_then_the_after_action(self, lead_user):
        ready = f.ReadyCaseFactory()  # approved by the Lead (approval of facts)
        no_after_action = f.ReportAttemptFactory()
        no_cad = f.ReportAfterActionFactory(cad_number=None, confirmed_at=None, confirmed_by=None)
        complete = f.ReportAfterActionFactory(confirmed_at=None, confirmed_by=None)
        retried = f.ReportAttemptFactory()  # an earlier, confirmed attempt does not count
        f.ReportAfterActionFactory(attempt=retried)
        f.ReportAttemptFactory(case=retried.case, number=99)
        got = waiting_map(lead_user)
        assert got[ready.number] == ["C-DELIVER"]
        assert got[no_after_action.case.number] == ["A-ECC", "A-CAD", "A-RMS"]
        assert got[no_cad.attempt.case.number] == ["A-CAD", "A-RMS"]
        assert got[complete.attempt.case.number] == ["A-RMS"]
        assert got[retried.case.number] == ["A-ECC", "A-CAD", "A-RMS"]
        waiting = {r["rule_id"]: r["count"] for r in sel.pipeline(lead_user)["waiting"]}
        assert (waiting["C-DELIVER"], waiting["A-ECC"], waiting["A-CAD"], waiting["A-RMS"]) == (
            1,
            2,
            3,
            4,
        )

    def test_it_counts_open_cases_by_state_and_waiting_rules(self, lead_user):
        f.report_prepared_case()
        f.report_prepared_case()
        f.CaseFactory(state=S.PREPARING)
        f.ReadyCaseFactory()  # approved by the Lead (approval of facts)
        f.CaseFactory(state=S.CLOSED)
        data = sel.pipeline(lead_user)
        assert {r["state"]: r["count"] for r in data["states"]} == {
            S.PREPARING: 3,
            S.READY: 1,
            S.ATTEMPTED: 0,
        }
        waiting = {r["rule_id"]: r["count"] for r in data["waiting"]}
        assert waiting["P-APPROVE"] == 2
        assert waiting["P-THREAT"] == 1
        assert waiting["J-JPO"] == 0

    def test_sealed_candidates_are_not_counted(self, lead_user):
        f.CaseFactory(state=S.PREPARING, candidate=f.CandidateFactory(sealed=True))
        data = sel.pipeline(lead_user)
        assert sum(r["count"] for r in data["states"]) == 0


class TestQueues:
    def test_it_fills_each_queue(self, lead_user):
        now = timezone.now()
        approval = f.report_prepared_case()
        ready = f.ReadyCaseFactory(approved_at=now - datetime.timedelta(days=3))
        juvenile = f.CaseFactory(state=S.PREPARING, candidate=f.JuvenileCandidateFactory())
        fresh = f.ReportAttemptFactory(contact_at=now - datetime.timedelta(hours=2))
        late = f.ReportAttemptFactory(contact_at=now - datetime.timedelta(hours=30))
        f.ReportAfterActionFactory(attempt=late, confirmed_at=None, confirmed_by=None)
        done = f.ReportAttemptFactory(contact_at=now - datetime.timedelta(hours=40))
        f.ReportAfterActionFactory(attempt=done)

        data = sel.queues(lead_user, now=now)
        assert data["counts"] == {
            "approval": 1,
            "ready": 1,
            "juvenile": 1,
            "after_action": 2,
            "overdue": 1,
        }
        assert data["approval"] == [approval]
        assert data["ready"] == [ready] and data["ready"][0].age_days == 3
        assert [row["case"] for row in data["juvenile"]] == [juvenile]
        assert data["juvenile"][0]["unmet"] == ["J-JPO", "J-GUARDIAN"]
        assert [(a, a.overdue) for a in data["after_action"]] == [(late, True), (fresh, False)]

    def test_the_overdue_threshold_comes_from_settings(self, lead_user, settings):
        now = timezone.now()
        f.ReportAttemptFactory(contact_at=now - datetime.timedelta(hours=5))
        settings.VIPCN = {**settings.VIPCN, "AFTER_ACTION_OVERDUE_HOURS": 4}
        assert sel.queues(lead_user, now=now)["counts"]["overdue"] == 1
        settings.VIPCN = {**settings.VIPCN, "AFTER_ACTION_OVERDUE_HOURS": 6}
        assert sel.queues(lead_user, now=now)["counts"]["overdue"] == 0


def build_outcome_fixture():
    """Hand-counted: 3 cases delivered (1 juvenile), 1 ended, 1 not located then delivered."""
    now = timezone.now()
    a1 = f.ReportAttemptFactory(outcome=OUTCOME.DELIVERED)
    a2 = f.ReportAttemptFactory(outcome=OUTCOME.ALTERNATE, social_services_delivered=False)
    juvenile_case = f.CaseFactory(state=S.ATTEMPTED, candidate=f.JuvenileCandidateFactory())
    f.ReportAttemptFactory(
        case=juvenile_case, outcome=OUTCOME.DELIVERED, social_services_delivered=None
    )
    f.ReportAttemptFactory(outcome=OUTCOME.ENDED_BY_CANDIDATE, team_left_immediately=True)
    twice = f.CaseFactory(state=S.ATTEMPTED)
    f.ReportAttemptFactory(
        case=twice, outcome=OUTCOME.NOT_LOCATED, contact_at=now - datetime.timedelta(days=9)
    )
    f.ReportAttemptFactory(case=twice, outcome=OUTCOME.DELIVERED)
    f.ReportFollowUpFactory(case=a1.case)
    f.ReportFollowUpFactory(case=a2.case, response=dm.FollowUp.Response.DECLINED)
    # Bases: a1 victim + referral (DA); a2 referral (community), a withdrawn GVIS basis. Each
    # candidate the factories identify (a1, a2, the ended one) also has a driver basis (ID-3).
    f.BasisFactory(candidate=a1.case.candidate)
    f.BasisFactory(
        candidate=a1.case.candidate, code="ID-5", shooting=None, referral_source="district_attorney"
    )
    f.BasisFactory(
        candidate=a2.case.candidate, code="ID-5", shooting=None, referral_source="community"
    )
    f.BasisFactory(candidate=a2.case.candidate, code="ID-4", shooting=None, withdrawn=True)
    # Outside the period and a sealed record: never counted.
    f.ReportAttemptFactory(contact_at=now - datetime.timedelta(days=400))
    sealed = f.CaseFactory(state=S.ATTEMPTED, candidate=f.CandidateFactory(sealed=True))
    f.ReportAttemptFactory(case=sealed)


class TestOutcomes:
    def test_it_counts_cases_by_outcome_age_basis_and_referral(self, lead_user):
        build_outcome_fixture()
        start, end = sel.default_period()
        data = sel.outcomes(lead_user, start, end)
        assert {r["key"]: r["count"] for r in data["by_outcome"]} == {
            OUTCOME.DELIVERED: 3,
            OUTCOME.ALTERNATE: 1,
            OUTCOME.ENDED_BY_CANDIDATE: 1,
            OUTCOME.NOT_LOCATED: 1,
            OUTCOME.ABORTED: 0,
        }
        assert {r["key"]: r["count"] for r in data["by_age"]} == {"adult": 4, "juvenile": 1}
        basis = {r["key"]: r["count"] for r in data["by_basis"]}
        assert basis["ID-1"] == 1 and basis["ID-5"] == 2 and basis["ID-4"] == 0
        assert basis["ID-3"] == 3
        referral = {r["key"]: r["count"] for r in data["by_referral"]}
        assert referral["district_attorney"] == 1 and referral["community"] == 1
        assert data["summary"] == {
            "total": 5,
            "delivered": 4,
            "social_yes": 2,
            "social_no": 1,
            "social_unrecorded": 1,
            "followup_accepted": 1,
        }

    def test_the_trend_has_every_month_of_the_period(self, lead_user):
        build_outcome_fixture()
        start, end = sel.default_period()
        months = sel.monthly_trend(lead_user, start, end)
        assert len(months) == 12
        assert sum(m["delivered"] for m in months) == 4
        assert sum(m["not_delivered"] for m in months) >= 2


class TestDeliverers:
    def test_the_database_reading_agrees_with_the_policy(self, lead_user):
        today = timezone.localdate()
        trained = f.PersonnelFactory()
        f.TrainingAttendanceFactory(personnel=trained)
        lead = f.PersonnelFactory(is_vip_lead=True, lead_designated_on=today)
        f.TrainingAttendanceFactory(personnel=lead)
        accompanied = f.ReportAttemptMemberFactory(
            role=dm.AttemptTeamMember.Role.ACCOMPANYING
        ).personnel
        f.ReportAttemptMemberFactory(
            attempt=accompanied.attempts_present.get().attempt,
            personnel=lead,
            role=dm.AttemptTeamMember.Role.LEAD,
        )
        f.ReportAfterActionFactory(attempt=accompanied.attempts_present.first().attempt)
        f.TrainingAttendanceFactory(personnel=accompanied)
        f.PersonnelFactory(is_sworn=False)

        def agree(as_of):
            people = list(annotate_deliverer_states(dm.Personnel.objects.all(), as_of))
            assert len(people) > 5
            for person in people:
                assert person.dlv_eligible == may_deliver(person, as_of), (person, as_of)

        for as_of in (
            as_of_day(today - datetime.timedelta(days=200)),
            as_of_day(today - datetime.timedelta(days=1)),
            timezone.now(),
        ):
            agree(as_of)
        # The Lead on that attempt (five days ago) was designated only today: an accompaniment
        # before the Lead's designation does not count (issue 15, DLV-ACCOMP).
        assert not may_deliver(accompanied, timezone.now())
        dm.Personnel.objects.filter(pk=lead.pk).update(
            lead_designated_on=today - datetime.timedelta(days=30)
        )
        agree(timezone.now())
        assert may_deliver(accompanied, timezone.now())

    def test_it_reports_the_command_level_share(self, lead_user):
        def case():
            # A case without a planned team: the three officers below are the whole roster
            # (a ReadyCaseFactory case would plan and train officers of its own).
            return f.CaseFactory(state=S.ATTEMPTED)

        chief = f.PersonnelFactory(rank=f.RankFactory(name="Commander", is_command_level=True))
        f.ReportAttemptMemberFactory(
            personnel=chief, role=dm.AttemptTeamMember.Role.LEAD, attempt__case=case()
        )
        f.ReportAttemptMemberFactory(attempt__case=case())
        f.ReportAttemptMemberFactory(attempt__outcome=OUTCOME.NOT_LOCATED, attempt__case=case())
        f.PersonnelFactory(is_active=False)
        start, end = sel.default_period()
        data = sel.deliverer_summary(lead_user, start, end)
        assert data["command_share"] == {"with_command": 1, "delivered": 2, "percent": 50}
        assert data["command_level"] == 1
        assert data["active"] == 3


def build_volume(n):
    for _ in range(n):
        f.report_prepared_case()
        f.CaseFactory(state=S.PREPARING, candidate=f.JuvenileCandidateFactory())
        f.ReadyCaseFactory()
        f.ReportAfterActionFactory(confirmed_at=None, confirmed_by=None)
        f.ReportAttemptMemberFactory()


@pytest.mark.parametrize("size", [1, 8])
def test_it_runs_a_fixed_number_of_queries(size, lead_user, django_assert_num_queries):
    build_volume(size)
    start, end = sel.default_period()
    lead_user.has_perm("candidates.view_juvenile_records")  # warm the permission cache
    with django_assert_num_queries(1):
        sel.pipeline(lead_user)
    with django_assert_num_queries(1):
        sel.waiting_cases(lead_user)
    with django_assert_num_queries(6):
        alone = sel.queues(lead_user)
    counts = sel.pipeline(lead_user)["queue_counts"]
    with django_assert_num_queries(5):
        shared = sel.queues(lead_user, open_counts=counts)
    assert {k: shared["counts"][k] for k in counts} == {k: alone["counts"][k] for k in counts}
    with django_assert_num_queries(5):
        sel.outcomes(lead_user, start, end)
    with django_assert_num_queries(1):
        sel.monthly_trend(lead_user, start, end)
    with django_assert_num_queries(2):
        sel.deliverer_summary(lead_user, start, end)


def test_juvenile_records_are_not_counted_for_a_user_without_the_permission(lead_user):
    f.CaseFactory(state=S.PREPARING, candidate=f.JuvenileCandidateFactory())
    f.CaseFactory(state=S.PREPARING)
    no_permission = f.ReportUserFactory()
    assert sum(r["count"] for r in sel.pipeline(lead_user)["states"]) == 2
    assert sum(r["count"] for r in sel.pipeline(no_permission)["states"]) == 1
    assert sel.queues(no_permission)["counts"]["juvenile"] == 0
