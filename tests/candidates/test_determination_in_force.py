"""The determination in force (ID-DET) and the juvenile safeguards of a case (J-AGE), in time.

requirements.md, Reading on ID-DET: the latest-dated determination is the one in force; one
dated before it changes nothing current. The juvenile safeguards of a case follow the
determination that made that case eligible, not every determination ever made (issue 15,
findings 2 and 3). Each answer is checked in Python and in the rule's database form.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates import policy
from candidates import services as registry
from candidates.models import Candidate, EligibilityDetermination, IdentificationBasis
from deliveries.models import CNCase
from deliveries.policy.subjects import CaseSubject, case_juvenile, case_juvenile_q
from deliveries.services import preparation as cases
from tests.factories import (
    BasisFactory,
    CandidateFactory,
    EligibleCandidateFactory,
    days_ago,
    identify,
    opened_case,
    years_ago,
)
from vipcn.clock import at
from vipcn.policy import RULES, failure_codes

pytestmark = pytest.mark.django_db

Code = IdentificationBasis.Code
Status = Candidate.Status
ID_DET = policy.Determination()


def holds_in_database(candidate, as_of):
    return Candidate.objects.filter(ID_DET.holds_q(as_of), pk=candidate.pk).exists()


def case_holds_in_database(case, as_of):
    return CNCase.objects.filter(ID_DET.holds_q(as_of, path="candidate"), pk=case.pk).exists()


class TestTheLatestDatedDeterminationIsInForce:
    def test_a_determination_dated_before_the_one_in_force_changes_nothing(self, lead_user):
        today = timezone.localdate()
        candidate = CandidateFactory()
        # A referral of ten days ago: a determination dated before it finds no basis (ID-5).
        BasisFactory(
            candidate=candidate,
            code=Code.REFERRAL,
            shooting=None,
            referral_source=IdentificationBasis.ReferralSource.DEPARTMENT,
            referred_by="Sgt. Vega",
            referral_date=today - datetime.timedelta(days=10),
            recorded=days_ago(10),
        )
        in_force = registry.determination_record(
            candidate=candidate, actor=lead_user, determined_on=today - datetime.timedelta(days=5)
        )
        candidate.refresh_from_db()
        assert in_force.eligible and candidate.status == Status.ELIGIBLE

        earlier = registry.determination_record(
            candidate=candidate,
            actor=lead_user,
            determined_on=today - datetime.timedelta(days=20),
            version=candidate.version,
        )
        assert not earlier.eligible
        # Kept in the record (ID-DET: who and when), and changes nothing current: before
        # issue 15 the status followed the last one *recorded* and became "not eligible".
        assert EligibilityDetermination.objects.filter(candidate=candidate).count() == 2
        candidate.refresh_from_db()
        assert candidate.status == Status.ELIGIBLE
        now = timezone.now()
        assert policy.determination_in_force(candidate, now) == in_force
        ID_DET.validate(candidate, now)  # holds
        assert holds_in_database(candidate, now)

    def test_a_later_dated_determination_that_finds_no_basis_is_in_force(self, lead_user):
        candidate = EligibleCandidateFactory()  # eligible 30 days ago, on a driver basis
        basis = candidate.bases.get()
        # Withdrawn in error and the candidate determined again: not eligible, in force.
        registry.basis_withdraw(basis=basis, actor=lead_user, reason="Error", version=1)
        candidate.refresh_from_db()
        registry.determination_record(
            candidate=candidate, actor=lead_user, version=candidate.version
        )
        candidate.refresh_from_db()
        assert candidate.status == Status.NOT_ELIGIBLE
        now = timezone.now()
        with pytest.raises(ValidationError) as exc:
            ID_DET.validate(candidate, now)
        assert failure_codes(exc.value) == ["ID-DET"]
        assert "found the candidate not eligible" in exc.value.messages[0]
        assert not holds_in_database(candidate, now)


class TestWithdrawingTheOnlyBasis:
    def test_the_status_goes_back_and_id_det_no_longer_holds_for_their_case(self, staff_user):
        case = opened_case()  # identified 30 days ago on one basis, opened 10 days ago
        candidate = case.candidate
        basis = candidate.bases.get()
        before = timezone.now()
        ID_DET.validate(case, before)
        assert case_holds_in_database(case, before)

        registry.basis_withdraw(
            basis=basis, actor=staff_user, reason="Wrong person", version=basis.version
        )
        candidate.refresh_from_db()
        assert candidate.status == Status.IDENTIFIED
        now = timezone.now()
        with pytest.raises(ValidationError) as exc:
            ID_DET.validate(case, now)
        assert failure_codes(exc.value) == ["ID-DET"]
        assert "no longer holds" in exc.value.messages[0]
        assert not case_holds_in_database(case, now)
        # Judged as of a moment before the withdrawal, it held then (facts in time).
        ID_DET.validate(case, before)
        assert case_holds_in_database(case, before)

    def test_no_case_can_be_opened_on_it_and_nothing_is_saved(self, staff_user):
        candidate = EligibleCandidateFactory()
        basis = candidate.bases.get()
        registry.basis_withdraw(basis=basis, actor=staff_user, reason="Wrong person", version=1)
        candidate.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            cases.case_open(candidate=candidate, actor=staff_user)
        assert failure_codes(exc.value) == ["ID-DET"]
        assert "Blocked by SOP 2-64-4 A / 2-64-5 A (ID-DET)" in exc.value.messages[0]
        assert not CNCase.objects.filter(candidate=candidate).exists()


class TestJuvenileSafeguardsFollowTheCasesOwnDetermination:
    def test_a_juvenile_determination_years_ago_gives_no_safeguards_to_a_later_adult_case(
        self, staff_user
    ):
        # Issue 15 finding 3: any eligible juvenile determination ever made turned on J-JPO,
        # J-DECIDE and J-GUARDIAN for every later case of the same person.
        person = CandidateFactory(date_of_birth=years_ago(20))
        then = days_ago(4 * 365)
        identify(person, when=then)  # 16 then: a juvenile determination
        with at(then + datetime.timedelta(days=1)):
            old = cases.case_open(candidate=person, actor=staff_user)
        old.state = CNCase.State.CLOSED
        old.save()
        identify(person, when=days_ago(30))  # an adult now
        with at(days_ago(10)):
            new = cases.case_open(candidate=person, actor=staff_user)

        assert old.determination.juvenile and not new.determination.juvenile
        assert case_juvenile(old) and not case_juvenile(new)
        mine = CNCase.objects.filter(pk__in=[old.pk, new.pk])
        assert set(mine.filter(case_juvenile_q()).values_list("pk", flat=True)) == {old.pk}
        now = timezone.now()
        for rule_id in ("J-JPO", "J-DECIDE", "J-GUARDIAN"):
            juvenile_rule = RULES[rule_id]
            assert juvenile_rule.applies(CaseSubject(old), now), rule_id
            assert not juvenile_rule.applies(CaseSubject(new), now), rule_id
            applying = mine.filter(juvenile_rule.applies_q(now))
            assert set(applying.values_list("pk", flat=True)) == {old.pk}, rule_id

    def test_a_case_opened_while_juvenile_keeps_its_safeguards_after_the_18th_birthday(
        self, staff_user
    ):
        # The stricter reading of J-AGE: turning 18 mid-preparation never removes them.
        person = CandidateFactory(date_of_birth=years_ago(18, days=5))  # 18 five days ago
        identify(person, when=days_ago(20))  # 17 then
        with at(days_ago(15)):
            case = cases.case_open(candidate=person, actor=staff_user)
        assert not person.is_juvenile_on(timezone.localdate())
        assert case_juvenile(case)
        assert CNCase.objects.filter(case_juvenile_q(), pk=case.pk).exists()
        assert RULES["J-JPO"].applies(CaseSubject(case), timezone.now())
