"""Identification rules (SOP 2-64-4 A, 2-64-5 A): one class per rule ID, no HTTP, no database.

Subjects are unsaved model instances: the policy reads only what is on them.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from candidates import policy
from candidates.models import Candidate, GVISMeeting, IdentificationBasis, Shooting
from vipcn.policy import check, failure_codes

Code = IdentificationBasis.Code
Source = IdentificationBasis.ReferralSource
TODAY = datetime.date(2026, 6, 15)
SHOOTING = Shooting(occurred_on=datetime.date(2026, 5, 1), case_number="26-0000001")


def person(age=None, *, dob=None, on=TODAY):
    if dob is None and age is not None:
        dob = on.replace(year=on.year - age) - datetime.timedelta(days=30)
    return Candidate(first_name="Test", last_name="Person", date_of_birth=dob)


def basis(code, **evidence):
    defaults = {
        Code.VICTIM: {"shooting": SHOOTING},
        Code.ASSOCIATE: {"shooting": SHOOTING},
        Code.INFLUENCER: {"shooting": SHOOTING},
        Code.DRIVER: {"justification": "Supplies firearms to the group."},
        Code.GVIS: {"link_analysis": "Linked to three shootings by the crime center."},
        Code.REFERRAL: {
            "referral_source": Source.DEPARTMENT,
            "referred_by": "Det. Example",
            "referral_date": TODAY - datetime.timedelta(days=3),
        },
    }[code]
    return IdentificationBasis(code=code, **{**defaults, **evidence})


def subject(candidate, *bases, on=TODAY, determined_by="lead"):
    return policy.Identification(
        candidate=candidate, on_date=on, bases=list(bases), determined_by=determined_by
    )


def codes_of(rule, subj):
    try:
        rule.validate(subj)
    except ValidationError as exc:
        return failure_codes(exc), " ".join(exc.messages)
    return [], ""


class TestJAge:
    rule = policy.AgeKnown()

    def test_a_candidate_without_a_date_of_birth_fails(self):
        codes, text = codes_of(self.rule, subject(person(dob=None), basis(Code.VICTIM)))
        assert codes == ["J-AGE"]
        assert "J-AGE" in text and "SOP 2-64-5 A" in text

    def test_a_candidate_without_a_date_of_birth_is_not_eligible(self):
        assert not policy.is_eligible(subject(person(dob=None), basis(Code.VICTIM)))

    def test_a_date_of_birth_after_the_identification_date_fails(self):
        codes, _ = codes_of(self.rule, subject(person(dob=TODAY + datetime.timedelta(days=1))))
        assert codes == ["J-AGE"]

    def test_a_known_age_passes(self):
        assert codes_of(self.rule, subject(person(30))) == ([], "")

    def test_the_day_before_the_18th_birthday_is_juvenile(self):
        dob = datetime.date(2008, 6, 16)
        assert subject(person(dob=dob), on=datetime.date(2026, 6, 15)).juvenile

    def test_the_18th_birthday_is_adult(self):
        dob = datetime.date(2008, 6, 15)
        assert not subject(person(dob=dob), on=datetime.date(2026, 6, 15)).juvenile

    def test_a_29_february_birthday_turns_18_on_1_march_of_a_common_year(self):
        dob = datetime.date(2008, 2, 29)
        assert subject(person(dob=dob), on=datetime.date(2026, 2, 28)).juvenile
        assert not subject(person(dob=dob), on=datetime.date(2026, 3, 1)).juvenile

    def test_a_29_february_birthday_is_17_on_28_february_of_the_18th_year(self):
        # 18 years after a leap year is never a leap year: the birthday is 1 March.
        leap = datetime.date(2012, 2, 29)
        assert Candidate(date_of_birth=leap).age_on(datetime.date(2030, 2, 28)) == 17
        assert Candidate(date_of_birth=leap).age_on(datetime.date(2030, 3, 1)) == 18

    def test_age_edges_decide_which_bases_count(self):
        """An ID-2I-only candidate: not eligible the day before 18, eligible on the birthday."""
        dob = datetime.date(2008, 6, 15)
        influencer = basis(Code.INFLUENCER)
        day_before = subject(person(dob=dob), influencer, on=datetime.date(2026, 6, 14))
        birthday = subject(person(dob=dob), influencer, on=datetime.date(2026, 6, 15))
        assert not policy.is_eligible(day_before)
        assert policy.is_eligible(birthday)

    def test_age_edges_decide_which_referral_sources_count(self):
        dob = datetime.date(2008, 2, 29)
        referral = basis(Code.REFERRAL, referral_source=Source.COMMUNITY)
        referral.referral_date = datetime.date(2026, 2, 1)
        assert policy.is_eligible(subject(person(dob=dob), referral, on=datetime.date(2026, 2, 28)))
        assert not policy.is_eligible(
            subject(person(dob=dob), referral, on=datetime.date(2026, 3, 1))
        )


# The matrix of SOP 2-64-4 A (adults) and 2-64-5 A (juveniles).
BASIS_MATRIX = [
    (Code.VICTIM, True, True),
    (Code.ASSOCIATE, True, True),
    (Code.INFLUENCER, True, False),
    (Code.DRIVER, True, True),
    (Code.GVIS, True, True),
    (Code.REFERRAL, True, True),
]
SOURCE_MATRIX = [
    (Source.DEPARTMENT, True, True),
    (Source.OUTSIDE_AGENCY, False, True),
    (Source.DISTRICT_ATTORNEY, True, True),
    (Source.COMMUNITY, False, True),
]


class TestBasisMatrix:
    @pytest.mark.parametrize("code,adult_ok,juvenile_ok", BASIS_MATRIX)
    @pytest.mark.parametrize("juvenile", [False, True])
    def test_each_basis_counts_only_for_the_age_groups_the_sop_names(
        self, code, adult_ok, juvenile_ok, juvenile
    ):
        subj = subject(person(16 if juvenile else 30), basis(code))
        expected = juvenile_ok if juvenile else adult_ok
        assert policy.is_eligible(subj) is expected
        assert (code in policy.allowed_bases(juvenile)) is expected
        rule = policy.RULE_FOR_CODE[code]
        codes, _ = codes_of(rule, subj)
        assert codes == ([] if expected else [code])


class TestID1:
    rule = policy.Victim()

    def test_a_victim_basis_with_its_shooting_passes(self):
        assert codes_of(self.rule, subject(person(30), basis(Code.VICTIM))) == ([], "")

    def test_a_victim_basis_without_the_shooting_fails(self):
        codes, text = codes_of(self.rule, subject(person(30), basis(Code.VICTIM, shooting=None)))
        assert codes == ["ID-1"]
        assert "ID-1" in text and "shooting" in text

    def test_it_does_not_apply_without_a_victim_basis(self):
        assert not self.rule.applies(subject(person(30), basis(Code.DRIVER)))

    def test_a_withdrawn_basis_does_not_count(self):
        withdrawn = basis(Code.VICTIM, withdrawn=True)
        assert not self.rule.applies(subject(person(30), withdrawn))
        assert not policy.is_eligible(subject(person(30), withdrawn))


class TestID2:
    rule = policy.Associate()

    def test_an_associate_basis_without_the_shooting_fails(self):
        codes, text = codes_of(self.rule, subject(person(16), basis(Code.ASSOCIATE, shooting=None)))
        assert codes == ["ID-2"]
        assert "ID-2" in text

    def test_a_juvenile_associate_with_the_shooting_passes(self):
        assert codes_of(self.rule, subject(person(16), basis(Code.ASSOCIATE))) == ([], "")


class TestID2I:
    rule = policy.Influencer()

    def test_an_adult_influencer_passes(self):
        assert codes_of(self.rule, subject(person(40), basis(Code.INFLUENCER))) == ([], "")

    def test_a_juvenile_influencer_is_refused_naming_id_2i(self):
        codes, text = codes_of(self.rule, subject(person(17), basis(Code.INFLUENCER)))
        assert codes == ["ID-2I"]
        assert "(ID-2I)" in text and "juvenile" in text

    def test_an_adult_influencer_needs_the_shooting(self):
        codes, _ = codes_of(self.rule, subject(person(40), basis(Code.INFLUENCER, shooting=None)))
        assert codes == ["ID-2I"]


class TestID3:
    rule = policy.Driver()

    def test_a_driver_needs_a_written_justification(self):
        codes, text = codes_of(
            self.rule, subject(person(30), basis(Code.DRIVER, justification=" "))
        )
        assert codes == ["ID-3"]
        assert "justification" in text

    def test_a_driver_with_a_justification_passes(self):
        assert codes_of(self.rule, subject(person(15), basis(Code.DRIVER))) == ([], "")


class TestID4:
    rule = policy.GVISIdentified()

    def test_it_needs_the_meeting_or_the_link_analysis(self):
        codes, _ = codes_of(self.rule, subject(person(30), basis(Code.GVIS, link_analysis="")))
        assert codes == ["ID-4"]

    def test_a_gvis_meeting_is_evidence(self):
        with_meeting = basis(Code.GVIS, link_analysis="")
        with_meeting.gvis_meeting_id = 1
        with_meeting.gvis_meeting = GVISMeeting(pk=1, held_on=TODAY)
        assert codes_of(self.rule, subject(person(30), with_meeting)) == ([], "")

    def test_a_link_analysis_is_evidence(self):
        assert codes_of(self.rule, subject(person(30), basis(Code.GVIS))) == ([], "")


class TestID5:
    rule = policy.Referral()

    @pytest.mark.parametrize("source,adult_ok,juvenile_ok", SOURCE_MATRIX)
    @pytest.mark.parametrize("juvenile", [False, True])
    def test_the_referral_source_matrix(self, source, adult_ok, juvenile_ok, juvenile):
        subj = subject(person(16 if juvenile else 30), basis(Code.REFERRAL, referral_source=source))
        expected = juvenile_ok if juvenile else adult_ok
        codes, text = codes_of(self.rule, subj)
        assert codes == ([] if expected else ["ID-5"])
        assert (source in policy.allowed_referral_sources(juvenile)) is expected
        assert policy.is_eligible(subj) is expected
        if not expected:
            assert "(ID-5)" in text and "not an allowed source" in text

    @pytest.mark.parametrize(
        "missing,field",
        [
            ({"referral_source": ""}, "referral_source"),
            ({"referred_by": ""}, "referred_by"),
            ({"referral_date": None}, "referral_date"),
            ({"referral_date": TODAY + datetime.timedelta(days=1)}, "referral_date"),
        ],
    )
    def test_a_referral_needs_its_evidence(self, missing, field):
        try:
            self.rule.validate(subject(person(30), basis(Code.REFERRAL, **missing)))
        except ValidationError as exc:
            assert failure_codes(exc) == ["ID-5"]
            assert exc.error_list[0].field == field
        else:
            pytest.fail("the referral without its evidence passed")


class TestIDDet:
    rule = policy.Determination()

    def test_a_recorded_determination_with_a_valid_basis_passes(self):
        assert codes_of(self.rule, subject(person(30), basis(Code.VICTIM))) == ([], "")

    def test_who_made_the_determination_must_be_recorded(self):
        codes, text = codes_of(
            self.rule, subject(person(30), basis(Code.VICTIM), determined_by=None)
        )
        assert codes == ["ID-DET"]
        assert "who made it" in text

    def test_a_candidate_without_any_basis_fails(self):
        codes, _ = codes_of(self.rule, subject(person(30)))
        assert codes == ["ID-DET"]

    def test_a_juvenile_with_only_an_influencer_basis_fails(self):
        codes, _ = codes_of(self.rule, subject(person(16), basis(Code.INFLUENCER)))
        assert codes == ["ID-DET"]

    def test_one_valid_basis_is_enough_even_beside_an_invalid_one(self):
        subj = subject(person(16), basis(Code.INFLUENCER), basis(Code.DRIVER))
        assert codes_of(self.rule, subj) == ([], "")
        assert policy.is_eligible(subj)

    def test_check_lists_every_failure_at_once(self):
        subj = subject(person(dob=None), basis(Code.VICTIM, shooting=None), determined_by=None)
        with pytest.raises(ValidationError) as exc:
            check(policy.IDENTIFICATION_RULES, subj)
        assert failure_codes(exc.value) == ["J-AGE", "ID-1", "ID-DET", "ID-DET"]


def test_the_checklist_has_every_rule_with_its_sop_section():
    states = policy.checklist(subject(person(16), basis(Code.VICTIM)))
    assert [s.id for s in states] == [
        "J-AGE", "ID-1", "ID-2", "ID-2I", "ID-3", "ID-4", "ID-5", "ID-DET",
    ]  # fmt: skip
    # The citation each rule shows is its "cites" (requirements.md, "Citations").
    assert all(s.cites.startswith("2-64-") for s in states)
    by_id = {s.id: s for s in states}
    assert by_id["ID-1"].applies and by_id["ID-1"].ok
    assert not by_id["ID-2I"].applies
    assert by_id["ID-DET"].ok
