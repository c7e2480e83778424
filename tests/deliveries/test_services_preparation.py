"""Preparation services: every move, the stale-form refusal, the approval lapse, and two
Leads approving at the same moment."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from candidates.models import Relationship
from deliveries.models import (
    CaseTransition,
    CNCase,
    GuardianContact,
    JuvenileDecision,
    LetterVersion,
    TeamAssignment,
    ThreatAssessment,
)
from deliveries.services import preparation as services
from tests import factories as f

pytestmark = pytest.mark.django_db
S = CNCase.State


def codes(exc):
    return [e.code for e in exc.value.error_list]


@pytest.fixture
def case(staff_user):
    candidate = f.EligibleCandidateFactory(preferred_language="es")
    return services.case_open(candidate=candidate, actor=staff_user)


class TestOpen:
    def test_opens_with_a_number_and_a_transition(self, staff_user):
        today = timezone.localdate()
        first = services.case_open(candidate=f.EligibleCandidateFactory(), actor=staff_user)
        second = services.case_open(candidate=f.EligibleCandidateFactory(), actor=staff_user)
        assert first.number == f"CN-{today.year}-00001"
        assert second.number == f"CN-{today.year}-00002"
        assert first.state == S.PREPARING and first.created_by == staff_user
        transition = first.transitions.get()
        assert (transition.from_state, transition.to_state) == ("", S.PREPARING)

    def test_refuses_a_candidate_not_eligible(self, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.case_open(candidate=f.CandidateFactory(), actor=staff_user)
        assert codes(exc) == ["ID-DET"]

    def test_the_refusal_names_id_det_and_nothing_is_saved(self, staff_user):
        """Issue 15, finding 7: refusing to open a case named no rule."""
        candidate = f.CandidateFactory()
        with pytest.raises(ValidationError) as exc:
            services.case_open(candidate=candidate, actor=staff_user)
        assert exc.value.messages[0].startswith("Blocked by SOP 2-64-4 A / 2-64-5 A (ID-DET):")
        assert not CNCase.objects.filter(candidate=candidate).exists()
        assert not CaseTransition.objects.filter(case__candidate=candidate).exists()

    def test_a_missing_date_of_birth_is_named_as_the_cause(self, staff_user):
        """Issue 15, finding 7: ID-DET said "meets no basis" when the real cause was a missing
        date of birth. Determined eligible, then the date of birth removed."""
        candidate = f.EligibleCandidateFactory()
        candidate.date_of_birth = None
        candidate.save()
        with pytest.raises(ValidationError) as exc:
            services.case_open(candidate=candidate, actor=staff_user)
        assert codes(exc) == ["ID-DET"]
        text = exc.value.messages[0]
        assert "(ID-DET)" in text and "date of birth is not recorded" in text
        assert "meets no identification basis" not in text
        assert not CNCase.objects.filter(candidate=candidate).exists()

    def test_one_open_case_per_candidate(self, case, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.case_open(candidate=case.candidate, actor=staff_user)
        assert codes(exc) == ["case_open"]

    def test_a_new_case_after_the_last_one_ended(self, case, staff_user):
        services.case_withdraw(case=case, version=case.version, reason="Moved", actor=staff_user)
        again = services.case_open(candidate=case.candidate, actor=staff_user)
        assert again.pk != case.pk


class TestChecks:
    def test_threat_assessment_recorded_with_actor(self, case, staff_user):
        item = services.threat_assessment_record(
            case=case,
            version=case.version,
            completed_by="Det. Ortiz",
            completed_on=timezone.localdate(),
            summary="Low risk",
            actor=staff_user,
        )
        assert item.created_by == staff_user
        assert case.version == 2  # the caller's instance is refreshed

    def test_an_assessment_dated_before_the_case_was_opened_is_refused(self, case, staff_user):
        """Issue 15, finding 4: only a check made for this case counts (preparation in time)."""
        version = case.version
        with pytest.raises(ValidationError) as exc:
            services.threat_assessment_record(
                case=case,
                version=case.version,
                completed_by="Det. Ortiz",
                completed_on=case.opened_on - datetime.timedelta(days=1),
                summary="Low risk",
                actor=staff_user,
            )
        assert codes(exc) == ["P-THREAT"]
        assert "before the case was opened" in exc.value.messages[0]
        assert not ThreatAssessment.objects.filter(case=case).exists()
        assert CNCase.objects.get(pk=case.pk).version == version

    def test_stale_version_is_refused_and_nothing_written(self, case, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.background_check_record(
                case=case,
                version=case.version - 1 if case.version > 1 else 99,
                completed_by="x",
                completed_on=timezone.localdate(),
                summary="y",
                actor=staff_user,
            )
        assert codes(exc) == ["stale"]
        assert not hasattr(CNCase.objects.get(pk=case.pk), "background_check_cache")
        assert not type(case).objects.filter(pk=case.pk, background_check__isnull=False).exists()

    def test_only_a_reader_of_sensitive_records_replaces_one(self, case, staff_user, lead_user):
        args = dict(completed_by="A", completed_on=timezone.localdate(), summary="S")
        services.threat_assessment_record(case=case, version=case.version, actor=staff_user, **args)
        with pytest.raises(ValidationError) as exc:
            services.threat_assessment_record(
                case=case, version=case.version, actor=staff_user, **args
            )
        assert codes(exc) == ["P-THREAT"]
        item = services.threat_assessment_record(
            case=case, version=case.version, actor=lead_user, **{**args, "summary": "New"}
        )
        assert item.summary == "New" and item.version == 2


class TestLetter:
    def test_draft_merges_the_template_safely(self, case, staff_user):
        template = f.LetterTemplateFactory(
            name="Carta",
            language="es",
            body="Estimado/a {{ candidate_name }}:\n{{ penalties }}\n{% now 'Y' %} {{ secret }}",
        )
        penalty = f.PenaltyFactory(description_es="Disparar contra una vivienda habitada.")
        letter = services.letter_draft(
            case=case,
            version=case.version,
            template=template,
            penalties=[penalty],
            actor=staff_user,
        )
        assert case.candidate.full_name in letter.body
        assert "Disparar contra una vivienda habitada." in letter.body
        assert penalty.statute in letter.body
        # Admin text is never run as a template: tags and unknown placeholders stay as written.
        assert "{% now 'Y' %}" in letter.body and "{{ secret }}" in letter.body
        assert letter.language == "es" and list(letter.penalties.all()) == [penalty]

    def test_each_edit_is_a_new_version(self, case, staff_user):
        template = f.LetterTemplateFactory()
        penalty = f.PenaltyFactory()
        # P-LETTER (issue 15, finding 7): every version names a penalty, and the drafter's text
        # keeps {{ penalties }}, where the chosen penalties are listed.
        one = services.letter_draft(
            case=case,
            version=case.version,
            template=template,
            penalties=[penalty],
            actor=staff_user,
        )
        two = services.letter_draft(
            case=case,
            version=case.version,
            template=template,
            penalties=[penalty],
            body="Edited text\n\n{{ penalties }}",
            actor=staff_user,
        )
        assert (one.number, two.number) == (1, 2)
        one.refresh_from_db()
        assert "Edited" not in one.body and two.body.startswith("Edited text\n\n")
        assert two.source == "Edited text\n\n{{ penalties }}"
        assert penalty.description_en in two.body  # the template's language

    def test_a_letter_with_no_penalty_is_refused_and_nothing_saved(self, case, staff_user):
        """P-LETTER (issue 15, finding 7): the template plus Save made "These are the laws and
        penalties that apply to you:" followed by nothing."""
        version = case.version
        with pytest.raises(ValidationError) as exc:
            services.letter_draft(
                case=case,
                version=case.version,
                template=f.LetterTemplateFactory(),
                penalties=[],
                actor=staff_user,
            )
        assert codes(exc) == ["P-LETTER"]
        assert "(P-LETTER)" in exc.value.messages[0] and "penalty" in exc.value.messages[0]
        assert not LetterVersion.objects.filter(case=case).exists()
        assert CNCase.objects.get(pk=case.pk).version == version

    def test_a_text_without_the_penalties_placeholder_is_refused(self, case, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.letter_draft(
                case=case,
                version=case.version,
                template=f.LetterTemplateFactory(),
                penalties=[f.PenaltyFactory()],
                body="Dear candidate, no penalties listed here.",
                actor=staff_user,
            )
        assert codes(exc) == ["P-LETTER"]
        assert "{{ penalties }}" in exc.value.messages[0]
        assert not LetterVersion.objects.filter(case=case).exists()

    def test_choosing_penalties_on_a_later_version_changes_its_text(self, case, staff_user):
        """P-LETTER (issue 15, finding 7): on later versions the ticked penalties were ignored
        while the text box was pre-filled with the earlier version's merged text."""
        template = f.LetterTemplateFactory()
        first = f.PenaltyFactory(description_en="Shooting at a dwelling.")
        second = f.PenaltyFactory(description_en="Unlawful carrying of a firearm.")
        one = services.letter_draft(
            case=case, version=case.version, template=template, penalties=[first], actor=staff_user
        )
        # The drafter starts from the earlier version's text (as the form pre-fills it).
        two = services.letter_draft(
            case=case,
            version=case.version,
            template=template,
            penalties=[second],
            body=one.source,
            actor=staff_user,
        )
        assert first.description_en in one.body
        assert second.description_en in two.body and second.statute in two.body
        assert first.description_en not in two.body and first.statute not in two.body
        assert list(two.penalties.all()) == [second]

    def test_only_the_lead_accepts_and_then_it_is_final(self, case, staff_user, lead_user):
        template = f.LetterTemplateFactory()
        letter = services.letter_draft(
            case=case,
            version=case.version,
            template=template,
            penalties=[f.PenaltyFactory()],
            actor=staff_user,
        )
        with pytest.raises(ValidationError) as exc:
            services.letter_accept(case=case, version=case.version, letter=letter, actor=staff_user)
        assert codes(exc) == ["P-LETTER"]
        services.letter_accept(case=case, version=case.version, letter=letter, actor=lead_user)
        letter.refresh_from_db()
        assert letter.accepted_by == lead_user
        with pytest.raises(ValidationError) as exc:
            services.letter_draft(
                case=case,
                version=case.version,
                template=template,
                penalties=[f.PenaltyFactory()],
                actor=lead_user,
            )
        assert codes(exc) == ["P-LETTER"]
        assert "final" in exc.value.messages[0]
        assert LetterVersion.objects.filter(case=case).count() == 1

    def test_only_the_latest_draft_can_be_accepted(self, case, staff_user, lead_user):
        template = f.LetterTemplateFactory()
        penalty = f.PenaltyFactory()
        old = services.letter_draft(
            case=case,
            version=case.version,
            template=template,
            penalties=[penalty],
            actor=staff_user,
        )
        services.letter_draft(
            case=case,
            version=case.version,
            template=template,
            penalties=[penalty],
            actor=staff_user,
        )
        with pytest.raises(ValidationError) as exc:
            services.letter_accept(case=case, version=case.version, letter=old, actor=lead_user)
        assert codes(exc) == ["P-LETTER"]

    def test_no_letter_is_the_leads_call_with_a_reason(self, case, staff_user, lead_user):
        with pytest.raises(ValidationError) as exc:
            services.no_letter_record(
                case=case, version=case.version, reason="Oral only", actor=staff_user
            )
        assert codes(exc) == ["P-LETTER"]
        with pytest.raises(ValidationError):
            services.no_letter_record(case=case, version=case.version, reason=" ", actor=lead_user)
        services.no_letter_record(
            case=case, version=case.version, reason="Oral only", actor=lead_user
        )
        assert case.no_letter_reason == "Oral only" and case.no_letter_by == lead_user


class TestTeam:
    def test_an_eligible_deliverer_joins(self, case, staff_user):
        person = f.eligible_deliverer()
        member = services.team_member_add(
            case=case, version=case.version, personnel=person, role="deliverer", actor=staff_user
        )
        assert member.created_by == staff_user

    def test_an_ineligible_deliverer_is_refused_with_the_dlv_rules(self, case, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.team_member_add(
                case=case,
                version=case.version,
                personnel=f.PersonnelFactory(),
                role="deliverer",
                actor=staff_user,
            )
        assert set(codes(exc)) == {"DLV-TRAIN", "DLV-ACCOMP"}
        assert not case.team.exists()

    def test_accompanying_needs_the_lead_first(self, case, staff_user):
        trainee = f.PersonnelFactory()
        with pytest.raises(ValidationError) as exc:
            services.team_member_add(
                case=case,
                version=case.version,
                personnel=trainee,
                role="accompanying",
                actor=staff_user,
            )
        assert codes(exc) == ["P-TEAM"]
        services.team_member_add(
            case=case,
            version=case.version,
            personnel=f.eligible_lead(),
            role="lead",
            actor=staff_user,
        )
        services.team_member_add(
            case=case,
            version=case.version,
            personnel=trainee,
            role="accompanying",
            actor=staff_user,
        )
        assert case.team.count() == 2

    def test_lead_role_only_for_a_recorded_lead(self, case, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.team_member_add(
                case=case,
                version=case.version,
                personnel=f.eligible_deliverer(),
                role="lead",
                actor=staff_user,
            )
        assert codes(exc) == ["P-TEAM"]

    def test_remove(self, case, staff_user):
        member = services.team_member_add(
            case=case,
            version=case.version,
            personnel=f.eligible_deliverer(),
            role="deliverer",
            actor=staff_user,
        )
        services.team_member_remove(
            case=case, version=case.version, member=member, actor=staff_user
        )
        assert not case.team.exists()


class TestJuvenile:
    @pytest.fixture
    def jcase(self, staff_user):
        # Eligible by a determination in force (ID-DET), not by a status typed in.
        return services.case_open(candidate=f.EligibleJuvenileFactory(), actor=staff_user)

    def test_jpo_steps_refused_for_an_adult(self, case, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.jpo_check_record(
                case=case,
                version=case.version,
                contacted_on=timezone.localdate(),
                jpo_contact="Desk",
                on_probation=False,
                actor=staff_user,
            )
        assert codes(exc) == ["J-JPO"]

    def test_jpo_on_probation_needs_the_officer(self, jcase, staff_user):
        with pytest.raises(ValidationError) as exc:
            services.jpo_check_record(
                case=jcase,
                version=jcase.version,
                contacted_on=timezone.localdate(),
                jpo_contact="Desk",
                on_probation=True,
                actor=staff_user,
            )
        assert codes(exc) == ["J-JPO"]

    def test_decision_is_the_leads_and_do_not_deliver_stops(self, jcase, staff_user, lead_user):
        services.jpo_check_record(
            case=jcase,
            version=jcase.version,
            contacted_on=timezone.localdate(),
            jpo_contact="Desk",
            on_probation=True,
            probation_officer="PO Diaz",
            actor=staff_user,
        )
        with pytest.raises(ValidationError) as exc:
            services.juvenile_decision_record(
                case=jcase,
                version=jcase.version,
                decision="deliver",
                services_status="Enrolled",
                actor=staff_user,
            )
        assert codes(exc) == ["J-DECIDE"]
        services.juvenile_decision_record(
            case=jcase,
            version=jcase.version,
            decision=JuvenileDecision.Decision.DO_NOT_DELIVER,
            services_status="Enrolled in the youth program.",
            # J-DECIDE (issue 15, finding 7): on probation, the decision rests on the probation
            # officer's relationship with the juvenile, so it is described.
            probation_relationship="PO has a strong relationship; a CN would interfere.",
            actor=lead_user,
        )
        assert jcase.state == S.STOPPED
        last = jcase.transitions.last()
        assert (last.to_state, last.actor) == (S.STOPPED, lead_user)
        assert "J-DECIDE" in last.note

    def test_decision_on_probation_needs_the_officers_relationship(self, jcase, lead_user):
        """J-DECIDE (issue 15, finding 7): a decision for a juvenile on probation was accepted
        with nothing on the probation officer's relationship with the juvenile."""
        services.jpo_check_record(
            case=jcase,
            version=jcase.version,
            contacted_on=timezone.localdate(),
            jpo_contact="Desk",
            on_probation=True,
            probation_officer="PO Diaz",
            actor=lead_user,
        )
        version = CNCase.objects.get(pk=jcase.pk).version
        with pytest.raises(ValidationError) as exc:
            services.juvenile_decision_record(
                case=jcase,
                version=jcase.version,
                decision=JuvenileDecision.Decision.DELIVER,
                services_status="Enrolled in the youth program.",
                probation_relationship="  ",
                actor=lead_user,
            )
        assert codes(exc) == ["J-DECIDE"]
        assert "probation officer's relationship" in exc.value.messages[0]
        assert not JuvenileDecision.objects.filter(case=jcase).exists()
        saved = CNCase.objects.get(pk=jcase.pk)
        assert saved.version == version and saved.state == S.PREPARING

    def test_decision_needs_the_jpo_contact(self, jcase, lead_user):
        with pytest.raises(ValidationError) as exc:
            services.juvenile_decision_record(
                case=jcase,
                version=jcase.version,
                decision="deliver",
                services_status="Enrolled",
                actor=lead_user,
            )
        assert codes(exc) == ["J-DECIDE"]

    def test_guardian_must_be_the_candidates_parent_or_guardian(self, jcase, staff_user):
        stranger = f.RelationshipFactory()
        associate = f.RelationshipFactory(
            candidate=jcase.candidate, kind=Relationship.Kind.ASSOCIATE
        )
        for person in (stranger, associate):
            with pytest.raises(ValidationError) as exc:
                services.planned_guardian_set(
                    case=jcase, version=jcase.version, guardian=person, actor=staff_user
                )
            assert codes(exc) == ["J-GUARDIAN"]
        mother = f.RelationshipFactory(candidate=jcase.candidate, kind=Relationship.Kind.PARENT)
        services.guardian_contact_record(
            case=jcase,
            version=jcase.version,
            guardian=mother,
            attempted_on=timezone.localdate(),
            method=GuardianContact.Method.PHONE,
            result=GuardianContact.Result.REACHED_WILL_ATTEND,
            actor=staff_user,
        )
        services.planned_guardian_set(
            case=jcase, version=jcase.version, guardian=mother, actor=staff_user
        )
        assert jcase.planned_guardian == mother

    def test_turning_18_keeps_the_safeguards_at_approval(self, staff_user, lead_user, monkeypatch):
        """Opened at 17; 18 by approval day: the J-* rules still block the approval."""
        today = timezone.localdate()
        # Identified 30 days ago, at 17; 18 two days ago.
        candidate = f.EligibleCandidateFactory(date_of_birth=f.years_ago(18, days=2))
        case = f.opened_case(candidate=candidate, opened=f.days_ago(5))
        assert case.opened_on == today - datetime.timedelta(days=5)
        # Every adult preparation step, none of the juvenile ones.
        monkeypatch.setattr(f, "_juvenile", lambda case: False)
        f.prepare(case, lead_user=lead_user)
        case.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            services.case_approve(case=case, version=case.version, actor=lead_user)
        assert {"J-JPO", "J-DECIDE", "J-GUARDIAN"} <= set(codes(exc))


class TestApprove:
    def test_lead_approves_a_prepared_case(self, lead_user):
        case = f.prepared_case(lead_user=lead_user, juvenile=True)
        services.case_approve(case=case, version=case.version, actor=lead_user)
        assert case.state == S.READY and case.approved_by == lead_user
        t = case.transitions.get()
        assert (t.from_state, t.to_state, t.actor) == (S.PREPARING, S.READY, lead_user)

    def test_staff_cannot_approve(self, lead_user, staff_user):
        case = f.prepared_case(lead_user=lead_user)
        with pytest.raises(ValidationError) as exc:
            services.case_approve(case=case, version=case.version, actor=staff_user)
        assert codes(exc) == ["P-APPROVE"]
        case.refresh_from_db()
        assert case.state == S.PREPARING

    def test_returns_every_failure(self, case, lead_user):
        with pytest.raises(ValidationError) as exc:
            services.case_approve(case=case, version=case.version, actor=lead_user)
        assert codes(exc) == ["P-THREAT", "P-BACKGROUND", "P-LETTER", "P-TEAM", "P-SOCIAL"]

    def test_rechecks_each_deliverer_on_the_day(self, lead_user):
        case = f.prepared_case(lead_user=lead_user)
        person = case.team.get().personnel
        person.is_active = False
        person.save()
        with pytest.raises(ValidationError) as exc:
            services.case_approve(case=case, version=case.version, actor=lead_user)
        # P-TEAM carries the member's own DLV-* refusal, with its rule ID as the code.
        assert codes(exc) == ["DLV-ACTIVE"]
        assert "DLV-ACTIVE" in exc.value.messages[0]
        assert person.full_name in exc.value.messages[0]
        case.refresh_from_db()
        assert case.state == S.PREPARING and case.approved_at is None

    def test_approving_twice_is_refused(self, lead_user):
        case = f.prepared_case(lead_user=lead_user)
        version = case.version
        services.case_approve(case=case, version=version, actor=lead_user)
        with pytest.raises(ValidationError) as exc:
            services.case_approve(case=case, version=version, actor=lead_user)
        assert codes(exc) == ["already_approved"]


class TestLapse:
    def test_a_team_change_after_approval_lapses_it(self, lead_user, staff_user):
        case = f.prepared_case(lead_user=lead_user)
        services.case_approve(case=case, version=case.version, actor=lead_user)
        services.team_member_add(
            case=case,
            version=case.version,
            personnel=f.eligible_deliverer(),
            role=TeamAssignment.Role.DELIVERER,
            actor=staff_user,
        )
        assert case.state == S.PREPARING and case.approved_at is None
        last = case.transitions.last()
        assert (last.from_state, last.to_state, last.actor) == (S.READY, S.PREPARING, staff_user)
        assert "Approval lapsed" in last.note and "team" in last.note
        assert services.lapse_note_for(case) == last

    def test_a_guardian_change_after_approval_lapses_it(self, lead_user, staff_user):
        case = f.prepared_case(lead_user=lead_user, juvenile=True)
        services.case_approve(case=case, version=case.version, actor=lead_user)
        father = f.RelationshipFactory(candidate=case.candidate, kind=Relationship.Kind.PARENT)
        services.planned_guardian_set(
            case=case, version=case.version, guardian=father, actor=staff_user
        )
        assert case.state == S.PREPARING
        assert "parent or guardian" in case.transitions.last().note

    def test_social_services_change_lapses_and_a_withdrawn_case_cannot_change(
        self, lead_user, staff_user
    ):
        case = f.prepared_case(lead_user=lead_user)
        services.case_approve(case=case, version=case.version, actor=lead_user)
        services.social_services_record(
            case=case,
            version=case.version,
            organization="Other Org",
            contact_person="Kim",
            actor=staff_user,
        )
        assert case.state == S.PREPARING
        services.case_withdraw(
            case=case, version=case.version, reason="Moved away", actor=staff_user
        )
        assert case.state == S.WITHDRAWN and case.end_reason == "Moved away"
        with pytest.raises(ValidationError) as exc:
            services.social_services_record(
                case=case,
                version=case.version,
                organization="X",
                contact_person="Y",
                actor=staff_user,
            )
        # Every refusal names its rule (issue 15, finding 7): a withdrawn case can no longer
        # be prepared for approval (P-APPROVE).
        assert codes(exc) == ["P-APPROVE"]
        assert "withdrawn" in exc.value.messages[0]
        case.social_services.refresh_from_db()
        assert case.social_services.organization == "Other Org"

    def test_withdraw_needs_a_reason(self, case, staff_user):
        with pytest.raises(ValidationError):
            services.case_withdraw(case=case, version=case.version, reason="", actor=staff_user)


@pytest.mark.django_db(transaction=True)
def test_two_leads_approving_at_the_same_moment(django_user_model):
    """Both read the same version; one wins, the other is told; one transition row."""
    from django.contrib.auth.models import Group

    from vipcn import roles

    leads = []
    for name in ("lead_a", "lead_b"):
        user = f.UserFactory(username=name)
        user.groups.add(Group.objects.get(name=roles.LEAD))
        leads.append(user)
    case = f.prepared_case(lead_user=leads[0])
    version = case.version
    barrier = threading.Barrier(2)
    results = {}

    def approve(user):
        try:
            barrier.wait(timeout=10)
            services.case_approve(case=CNCase.objects.get(pk=case.pk), version=version, actor=user)
            results[user.username] = "ok"
        except ValidationError as exc:
            results[user.username] = exc.messages[0]
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in leads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()).count("ok") == 1, results
    refused = next(v for v in results.values() if v != "ok")
    assert "already approved" in refused
    assert CaseTransition.objects.filter(case=case, to_state=S.READY).count() == 1
    case.refresh_from_db()
    assert case.state == S.READY


def test_only_the_lead_role_reads_sensitive_records(users_by_role):
    from vipcn import roles

    readers = {r for r, u in users_by_role.items() if services.may_read_sensitive(u)}
    # The administrator is a superuser in the personas; the role itself does not grant it.
    assert readers - {roles.ADMINISTRATOR} == {roles.LEAD}


def test_a_lead_designated_after_the_day_cannot_be_planned_as_lead(lead_user):
    """DLV-ACCOMP reading: the Lead's designation counts from its recorded date only."""
    import datetime

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from deliveries.models import TeamAssignment
    from deliveries.services import preparation as services
    from tests.factories import CaseFactory, eligible_lead

    case = CaseFactory()
    future_lead = eligible_lead()
    future_lead.lead_designated_on = timezone.localdate() + datetime.timedelta(days=30)
    future_lead.save()
    with pytest.raises(ValidationError) as exc:
        services.team_member_add(
            case=case,
            version=case.version,
            personnel=future_lead,
            role=TeamAssignment.Role.LEAD,
            actor=lead_user,
        )
    assert "P-TEAM" in " ".join(exc.value.messages)
    assert not case.team.exists()
