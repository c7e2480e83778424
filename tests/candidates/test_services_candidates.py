import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates import services
from candidates.models import (
    Address,
    Alias,
    Candidate,
    GroupMembership,
    IdentificationBasis,
    Relationship,
    ShootingInvolvement,
)
from tests.factories import (
    AddressFactory,
    AliasFactory,
    BasisFactory,
    CandidateFactory,
    CaseFactory,
    GroupFactory,
    GroupMembershipFactory,
    GVISMeetingFactory,
    InvolvementFactory,
    JuvenileCandidateFactory,
    RelationshipFactory,
    ShootingFactory,
    years_ago,
)
from vipcn.policy import failure_codes

pytestmark = pytest.mark.django_db
Code = IdentificationBasis.Code
Source = IdentificationBasis.ReferralSource


def new_candidate(actor, **extra):
    data = {
        "first_name": "Maria",
        "middle_name": "",
        "last_name": "Núñez-O'Brien",
        "date_of_birth": years_ago(25),
        "sex": "F",
        "phone": "",
        "rms_id": "",
        "preferred_language": "es",
        "assigned_to": None,
        "notes": "",
    }
    data.update(extra)
    return services.candidate_create(actor=actor, **data)


class TestCandidateCreateAndUpdate:
    def test_it_records_the_actor_and_the_search_text_with_aliases(self, staff_user):
        candidate = new_candidate(staff_user, aliases=["La Flaca"])
        assert candidate.created_by == staff_user
        assert candidate.status == Candidate.Status.IDENTIFIED
        assert candidate.search_text == "maria nunez o brien la flaca"
        assert list(candidate.aliases.values_list("name", flat=True)) == ["La Flaca"]
        assert candidate.history.first().history_type == "+"
        # The actor is on the history even without a web request (demo loader, commands).
        assert candidate.history.first().history_user == staff_user
        assert candidate.aliases.get().history.first().history_user == staff_user

    def test_an_update_bumps_the_version_and_refreshes_the_search_text(self, staff_user):
        candidate = new_candidate(staff_user)
        updated = services.candidate_update(
            candidate=candidate, actor=staff_user, version=1, last_name="Garcia"
        )
        assert updated.version == 2
        assert updated.search_text == "maria garcia"

    def test_a_stale_version_is_refused_and_nothing_is_saved(self, staff_user):
        candidate = new_candidate(staff_user)
        services.candidate_update(candidate=candidate, actor=staff_user, version=1, phone="1")
        with pytest.raises(ValidationError) as exc:
            services.candidate_update(
                candidate=candidate, actor=staff_user, version=1, last_name="Other"
            )
        assert exc.value.error_list[0].code == "stale"
        candidate.refresh_from_db()
        assert candidate.last_name == "Núñez-O'Brien"

    def test_a_merged_record_cannot_be_changed(self, staff_user):
        source, target = CandidateFactory(), CandidateFactory()
        services.candidate_merge(source=source, target=target, actor=staff_user)
        with pytest.raises(ValidationError) as exc:
            services.candidate_update(candidate=source, actor=staff_user, version=None, phone="1")
        assert exc.value.error_list[0].code == "merged"


class TestAliasesAndAddresses:
    def test_alias_add_and_remove_keep_the_search_text(self, staff_user):
        candidate = new_candidate(staff_user)
        alias = services.alias_add(candidate=candidate, name="  Mari   G ", actor=staff_user)
        candidate.refresh_from_db()
        assert alias.name == "Mari G"
        assert candidate.search_text.endswith("mari g")
        with pytest.raises(ValidationError):
            services.alias_add(candidate=candidate, name="mari g", actor=staff_user)
        services.alias_remove(alias=alias, actor=staff_user)
        candidate.refresh_from_db()
        assert "mari g" not in candidate.search_text
        assert Alias.history.filter(history_type="-").count() == 1

    def test_only_one_address_is_the_delivery_address(self, staff_user):
        candidate = new_candidate(staff_user)
        fields = {"line2": "", "state": "NM", "postal_code": "", "notes": ""}
        first = services.address_add(
            candidate=candidate,
            actor=staff_user,
            line1="1 A St",
            city="Albuquerque",
            is_delivery_address=True,
            **fields,
        )
        second = services.address_add(
            candidate=candidate,
            actor=staff_user,
            line1="2 B St",
            city="Albuquerque",
            is_delivery_address=True,
            **fields,
        )
        first.refresh_from_db()
        assert not first.is_delivery_address and second.is_delivery_address
        services.address_update(
            address=first, actor=staff_user, version=first.version, is_delivery_address=True
        )
        second.refresh_from_db()
        assert not second.is_delivery_address
        services.address_remove(address=second, actor=staff_user)
        assert Address.objects.filter(candidate=candidate).count() == 1


class TestBases:
    def test_a_victim_basis_is_saved_and_puts_the_candidate_on_the_shooting(self, staff_user):
        candidate, shooting = CandidateFactory(), ShootingFactory()
        basis = services.basis_add(
            candidate=candidate, actor=staff_user, code=Code.VICTIM, shooting=shooting
        )
        assert basis.created_by == staff_user
        assert ShootingInvolvement.objects.filter(
            shooting=shooting, candidate=candidate, role="victim"
        ).exists()

    def test_an_influencer_basis_for_a_juvenile_is_refused_naming_id_2i(self, staff_user):
        juvenile = JuvenileCandidateFactory()
        with pytest.raises(ValidationError) as exc:
            services.basis_add(
                candidate=juvenile,
                actor=staff_user,
                code=Code.INFLUENCER,
                shooting=ShootingFactory(),
            )
        assert failure_codes(exc.value) == ["ID-2I"]
        assert "ID-2I" in exc.value.messages[0]
        assert not IdentificationBasis.objects.exists()

    def test_an_outside_agency_referral_for_an_adult_is_refused_naming_id_5(self, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.basis_add(
                candidate=CandidateFactory(),
                actor=staff_user,
                code=Code.REFERRAL,
                referral_source=Source.OUTSIDE_AGENCY,
                referred_by="State Police",
                referral_date=timezone.localdate(),
            )
        assert failure_codes(exc.value) == ["ID-5"]
        assert "ID-5" in exc.value.messages[0]
        assert not IdentificationBasis.objects.exists()

    def test_the_same_referral_is_accepted_for_a_juvenile(self, staff_user):
        basis = services.basis_add(
            candidate=JuvenileCandidateFactory(),
            actor=staff_user,
            code=Code.REFERRAL,
            referral_source=Source.OUTSIDE_AGENCY,
            referred_by="State Police",
            referral_date=timezone.localdate(),
        )
        assert basis.pk

    def test_a_basis_without_its_evidence_is_refused(self, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.basis_add(candidate=CandidateFactory(), actor=staff_user, code=Code.DRIVER)
        assert failure_codes(exc.value) == ["ID-3"]

    def test_withdraw_keeps_the_basis_marked_with_the_reason(self, staff_user):
        basis = BasisFactory()
        services.basis_withdraw(basis=basis, actor=staff_user, reason="Wrong shooting", version=1)
        basis.refresh_from_db()
        assert basis.withdrawn and basis.withdrawn_reason == "Wrong shooting"
        with pytest.raises(ValidationError):
            services.basis_withdraw(basis=basis, actor=staff_user, reason="again", version=2)

    def test_withdrawing_the_only_basis_needs_a_new_determination(self, staff_user, lead_user):
        basis = BasisFactory()
        candidate = basis.candidate
        second = BasisFactory(candidate=candidate)
        services.determination_record(candidate=candidate, actor=lead_user)
        services.basis_withdraw(basis=basis, actor=staff_user, reason="error", version=1)
        candidate.refresh_from_db()
        assert candidate.status == Candidate.Status.ELIGIBLE  # the second basis still counts
        services.basis_withdraw(basis=second, actor=staff_user, reason="error", version=1)
        candidate.refresh_from_db()
        assert candidate.status == Candidate.Status.IDENTIFIED

    def test_removing_the_date_of_birth_needs_a_new_determination(self, staff_user, lead_user):
        candidate = BasisFactory().candidate
        services.determination_record(candidate=candidate, actor=lead_user)
        candidate.refresh_from_db()
        services.candidate_update(
            candidate=candidate, actor=staff_user, version=candidate.version, date_of_birth=None
        )
        candidate.refresh_from_db()
        assert candidate.status == Candidate.Status.IDENTIFIED

    def test_withdraw_needs_a_reason(self, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.basis_withdraw(basis=BasisFactory(), actor=staff_user, reason=" ", version=1)
        assert "reason" in exc.value.error_dict


class TestDetermination:
    def test_an_eligible_determination_records_who_and_when_and_sets_the_status(self, lead_user):
        candidate = BasisFactory().candidate
        determination = services.determination_record(candidate=candidate, actor=lead_user)
        candidate.refresh_from_db()
        assert determination.eligible
        assert determination.determined_by == lead_user
        assert determination.determined_on == timezone.localdate()
        assert not determination.juvenile
        assert candidate.status == Candidate.Status.ELIGIBLE

    def test_no_basis_means_not_eligible_with_the_rules_listed(self, lead_user):
        candidate = CandidateFactory()
        determination = services.determination_record(candidate=candidate, actor=lead_user)
        candidate.refresh_from_db()
        assert not determination.eligible
        assert candidate.status == Candidate.Status.NOT_ELIGIBLE
        assert [f["rule"] for f in determination.failures] == ["ID-DET"]

    def test_no_date_of_birth_means_not_eligible(self, lead_user):
        candidate = BasisFactory(candidate=CandidateFactory(date_of_birth=None)).candidate
        determination = services.determination_record(candidate=candidate, actor=lead_user)
        assert not determination.eligible
        assert "J-AGE" in [f["rule"] for f in determination.failures]

    def test_a_juvenile_determination_is_marked_juvenile(self, lead_user):
        candidate = BasisFactory(candidate=JuvenileCandidateFactory()).candidate
        determination = services.determination_record(candidate=candidate, actor=lead_user)
        assert determination.eligible and determination.juvenile

    def test_the_age_on_the_determination_date_decides(self, lead_user):
        today = timezone.localdate()
        dob = years_ago(18, days=-3)  # turns 18 in three days: juvenile today
        candidate = BasisFactory(
            candidate=CandidateFactory(date_of_birth=dob), code=Code.INFLUENCER
        ).candidate
        assert candidate.is_juvenile_on(today)
        determination = services.determination_record(candidate=candidate, actor=lead_user)
        assert not determination.eligible
        assert "ID-2I" in [f["rule"] for f in determination.failures]

    def test_a_future_date_is_refused(self, lead_user):
        with pytest.raises(ValidationError):
            services.determination_record(
                candidate=BasisFactory().candidate,
                actor=lead_user,
                determined_on=timezone.localdate() + datetime.timedelta(days=1),
            )

    def test_a_stale_version_is_refused(self, lead_user):
        candidate = BasisFactory().candidate
        with pytest.raises(ValidationError):
            services.determination_record(candidate=candidate, actor=lead_user, version=99)
        assert not candidate.determinations.exists()


class TestRelationships:
    def test_add_and_update(self, staff_user):
        candidate = JuvenileCandidateFactory()
        relationship = services.relationship_add(
            candidate=candidate, actor=staff_user, kind="guardian", name="Ana Ruiz"
        )
        assert relationship.is_parent_or_guardian
        updated = services.relationship_update(
            relationship=relationship, actor=staff_user, version=1, phone="505-555-0100"
        )
        assert updated.version == 2 and updated.phone == "505-555-0100"
        with pytest.raises(ValidationError):
            services.relationship_update(
                relationship=relationship, actor=staff_user, version=1, phone="x"
            )

    def test_a_candidate_cannot_be_related_to_themselves(self, staff_user):
        candidate = CandidateFactory()
        with pytest.raises(ValidationError) as exc:
            services.relationship_add(
                candidate=candidate,
                actor=staff_user,
                kind="associate",
                name="Self",
                related_candidate=candidate,
            )
        assert "related_candidate" in exc.value.error_dict


class TestMerge:
    def test_a_merge_keeps_everything_of_both_records(self, staff_user, lead_user):
        source = CandidateFactory(first_name="Jon", last_name="Smith", phone="505-1", notes="n")
        target = CandidateFactory(first_name="John", last_name="Smith", phone="")
        services.candidate_update(candidate=source, actor=staff_user, version=1, notes="edited")
        source.refresh_from_db()
        source_history = source.history.count()
        shared_group = GroupFactory()
        GroupMembershipFactory(group=shared_group, candidate=target)
        objects = {
            "basis": BasisFactory(candidate=source),
            "target_basis": BasisFactory(candidate=target),
            "relationship": RelationshipFactory(candidate=source),
            "pointing": RelationshipFactory(related_candidate=source),
            "alias": AliasFactory(candidate=source, name="Johnny"),
            "address": AddressFactory(candidate=source, is_delivery_address=True),
            "target_address": AddressFactory(candidate=target, is_delivery_address=True),
            "involvement": InvolvementFactory(candidate=source),
            "membership": GroupMembershipFactory(candidate=source),
            "shared": GroupMembershipFactory(group=shared_group, candidate=source),
            "case": CaseFactory(candidate=source),
        }
        meeting = GVISMeetingFactory()
        meeting.candidates.add(source)
        services.determination_record(candidate=source, actor=lead_user)

        kept = services.candidate_merge(source=source, target=target, actor=staff_user)

        source.refresh_from_db()
        assert kept == target
        assert source.status == Candidate.Status.MERGED and source.merged_into == target
        assert Candidate.objects.filter(pk=source.pk).exists()  # never deleted
        assert source.history.count() == source_history + 2  # determination + merge
        for name in ("basis", "target_basis", "relationship", "alias", "address",
                     "involvement", "membership", "case"):  # fmt: skip
            obj = objects[name]
            obj.refresh_from_db()
            assert obj.candidate_id == target.pk, name
        objects["pointing"].refresh_from_db()
        assert objects["pointing"].related_candidate_id == target.pk
        # The same group on both: the target's membership stands, the source's row is kept.
        assert GroupMembership.objects.filter(pk=objects["shared"].pk).exists()
        assert target.determinations.count() == 1
        assert meeting.candidates.filter(pk=target.pk).exists()
        target.refresh_from_db()
        assert set(target.aliases.values_list("name", flat=True)) == {"Johnny", "Jon Smith"}
        assert "jon smith" in target.search_text
        assert target.phone == "505-1"
        assert "edited" in target.notes
        assert target.addresses.filter(is_delivery_address=True).count() == 1
        assert target.bases.count() == 2
        # Every moved row has a history entry for the move.
        basis_history = IdentificationBasis.history.filter(id=objects["basis"].pk)
        assert {h.candidate_id for h in basis_history} == {source.pk, target.pk}
        assert Relationship.history.filter(id=objects["relationship"].pk).count() == 2

    def test_two_open_cases_block_the_merge(self, staff_user):
        source, target = CandidateFactory(), CandidateFactory()
        CaseFactory(candidate=source)
        CaseFactory(candidate=target)
        with pytest.raises(ValidationError) as exc:
            services.candidate_merge(source=source, target=target, actor=staff_user)
        assert exc.value.error_list[0].code == "open_cases"
        source.refresh_from_db()
        assert source.status != Candidate.Status.MERGED

    def test_a_record_cannot_be_merged_into_itself_or_twice(self, staff_user):
        source, target = CandidateFactory(), CandidateFactory()
        with pytest.raises(ValidationError):
            services.candidate_merge(source=source, target=source, actor=staff_user)
        services.candidate_merge(source=source, target=target, actor=staff_user)
        with pytest.raises(ValidationError):
            services.candidate_merge(source=source, target=target, actor=staff_user)

    def test_a_stale_version_blocks_the_merge(self, staff_user):
        source, target = CandidateFactory(), CandidateFactory()
        with pytest.raises(ValidationError):
            services.candidate_merge(
                source=source, target=target, actor=staff_user, source_version=5
            )


class TestRecords:
    def test_group_members_are_unique(self, staff_user):
        group, candidate = GroupFactory(), CandidateFactory()
        services.group_member_add(group=group, candidate=candidate, actor=staff_user)
        with pytest.raises(ValidationError):
            services.group_member_add(group=group, candidate=candidate, actor=staff_user)

    def test_an_involvement_needs_a_candidate_or_a_name(self, staff_user):
        shooting = ShootingFactory()
        with pytest.raises(ValidationError):
            services.involvement_add(shooting=shooting, actor=staff_user, role="suspect")
        involvement = services.involvement_add(
            shooting=shooting, actor=staff_user, role="suspect", person_name="Unknown male"
        )
        assert involvement.person_name == "Unknown male"

    def test_a_gvis_meeting_keeps_its_links_and_refuses_stale_edits(self, staff_user):
        from candidates.models import GVISMeeting

        shooting, group, candidate = ShootingFactory(), GroupFactory(), CandidateFactory()
        meeting = services.gvis_meeting_save(
            meeting=GVISMeeting(),
            actor=staff_user,
            held_on=timezone.localdate(),
            attendees="VIP",
            notes="",
            shootings=[shooting],
            groups=[group],
            candidates=[candidate],
        )
        assert list(meeting.candidates.all()) == [candidate]
        assert meeting.created_by == staff_user
        with pytest.raises(ValidationError):
            services.gvis_meeting_save(meeting=meeting, actor=staff_user, version=7, attendees="x")
