"""The approval is of facts: a change to any fact it approved, by any path, makes it lapse at
once, with a note naming what changed (issue 15, "approval bound to what was approved").

Each change below is written straight through the ORM, as the admin, a management command or a
shell would write it (the services' own paths are tested with them); the case must be back in
preparation in the same transaction, the transition saying what changed.
"""

import datetime

import pytest
from django.utils import timezone

from candidates import models as cm
from deliveries import models as dm
from deliveries.approval import COMPONENTS
from tests.factories import (
    BasisFactory,
    GuardianContactFactory,
    PersonnelFactory,
    TeamAssignmentFactory,
    TrainingAttendanceFactory,
    VipLeadPersonnelFactory,
    approve,
    eligible_deliverer,
    opened_case,
    prepare,
)

pytestmark = pytest.mark.django_db
S = dm.CNCase.State


def _candidate(case):
    return case.candidate


def change_date_of_birth(case):
    candidate = _candidate(case)
    candidate.date_of_birth -= datetime.timedelta(days=400)
    candidate.save()


def change_name(case):
    candidate = _candidate(case)
    candidate.last_name += "-Corrected"
    candidate.save()


def add_basis(case):
    BasisFactory(candidate=case.candidate)


def withdraw_basis(case):
    basis = case.candidate.bases.first()
    basis.withdrawn = True
    basis.withdrawn_at = timezone.now()
    basis.save()


def new_determination(case):
    cm.EligibilityDetermination.objects.create(
        candidate=case.candidate,
        determined_by=case.approved_by,
        determined_on=timezone.localdate(),
        eligible=False,
    )


def edit_threat_assessment(case):
    threat = case.threat_assessment
    threat.summary = "Corrected: a dog and a firearm reported at the address."
    threat.save()


def delete_background_check(case):
    case.background_check.delete()


def edit_penalty_description(case):
    penalty = case.letter_versions.get().penalties.first()
    penalty.description_en = "Corrected description"
    penalty.save()


def remove_penalty_from_letter(case):
    letter = case.letter_versions.get()
    letter.penalties.clear()


def add_team_member(case):
    TeamAssignmentFactory(case=case, personnel=eligible_deliverer())


def remove_team_member(case):
    case.team.first().delete()


def correct_member_training(case):
    attendance = case.team.first().personnel.trainings_attended.first()
    attendance.attended_on -= datetime.timedelta(days=1)
    attendance.save()


def member_gets_training(case):
    """An earlier training entered today (a correction of the record)."""
    TrainingAttendanceFactory(personnel=case.team.first().personnel, recorded=timezone.now())


def change_member_rank(case):
    rank = case.team.first().personnel.rank
    rank.is_command_level = not rank.is_command_level
    rank.save()


def deactivate_member(case):
    person = case.team.first().personnel
    person.is_active = False
    person.save()


def correct_lead_designation(case):
    lead = case.team.get(role=dm.TeamAssignment.Role.LEAD).personnel
    lead.lead_designated_on = timezone.localdate() - datetime.timedelta(days=3)
    lead.save()


def correct_member_accompaniment(case):
    accompaniment = (
        case.team.filter(role="deliverer").first().personnel.manual_accompaniments.first()
    )
    accompaniment.accompanied_on -= datetime.timedelta(days=2)
    accompaniment.save()


def edit_social_plan(case):
    plan = case.social_services
    plan.contact_person = "Someone else"
    plan.save()


def decide_no_letter(case):
    case.refresh_from_db()
    case.no_letter_reason = "Changed mind"
    case.save()


def edit_jpo(case):
    jpo = case.jpo_check
    jpo.on_probation = True
    jpo.probation_officer = "PO Smith"
    jpo.save()


def edit_decision(case):
    decision = case.juvenile_decision
    decision.services_status = "No longer enrolled."
    decision.save()


def new_guardian_contact(case):
    GuardianContactFactory(
        case=case,
        guardian=case.planned_guardian,
        result=dm.GuardianContact.Result.REACHED_WILL_NOT_ATTEND,
    )


def edit_planned_guardian_relationship(case):
    guardian = case.planned_guardian
    guardian.kind = cm.Relationship.Kind.ASSOCIATE
    guardian.save()


# (change, the component its note names, juvenile case?)
CHANGES = [
    (change_date_of_birth, "identity", False),
    (change_name, "identity", False),
    (add_basis, "eligibility", False),
    (withdraw_basis, "eligibility", False),
    (new_determination, "eligibility", False),
    (edit_threat_assessment, "threat", False),
    (delete_background_check, "background", False),
    (edit_penalty_description, "letter", False),
    (remove_penalty_from_letter, "letter", False),
    (decide_no_letter, "letter", False),
    (add_team_member, "team", False),
    (remove_team_member, "team", False),
    (correct_member_training, "deliverers", False),
    (member_gets_training, "deliverers", False),
    (change_member_rank, "deliverers", False),
    (deactivate_member, "deliverers", False),
    (correct_lead_designation, "deliverers", False),
    (correct_member_accompaniment, "deliverers", False),
    (edit_social_plan, "social", False),
    (edit_jpo, "jpo", True),
    (edit_decision, "decision", True),
    (new_guardian_contact, "guardian", True),
    (edit_planned_guardian_relationship, "guardian", True),
]


@pytest.fixture
def approved(lead_user):
    """A case prepared in order (the Lead and a deliverer on the team) and approved."""

    def make(juvenile):
        case = prepare(
            opened_case(juvenile=juvenile), lead_user=lead_user, lead=VipLeadPersonnelFactory()
        )
        return approve(case, by=lead_user)

    return make


@pytest.mark.parametrize(
    ("change", "component", "juvenile"), CHANGES, ids=[c[0].__name__ for c in CHANGES]
)
def test_a_change_to_an_approved_fact_makes_the_approval_lapse(
    approved, change, component, juvenile
):
    case = approved(juvenile)
    assert case.state == S.READY
    change(dm.CNCase.objects.get(pk=case.pk))
    case.refresh_from_db()
    assert case.state == S.PREPARING
    assert case.approved_at is None and case.approved_facts == {}
    lapse = case.transitions.order_by("at", "pk").last()
    assert (lapse.from_state, lapse.to_state) == (S.READY, S.PREPARING)
    assert str(COMPONENTS[component]) in lapse.note, lapse.note
    assert "P-APPROVE" in lapse.note


def test_what_the_approval_did_not_read_changes_nothing(approved):
    case = approved(False)
    candidate = case.candidate
    candidate.notes = "Prefers to be contacted in the morning."
    candidate.phone = "505-555-0199"
    candidate.save()
    PersonnelFactory()  # someone else joins the roster
    case.refresh_from_db()
    assert case.state == S.READY


def test_the_attempt_gate_catches_a_change_no_signal_announced(approved, lead_user):
    """A bulk UPDATE sends no signal: the attempt gate compares the facts again."""
    from django.core.exceptions import ValidationError

    from deliveries.services import delivery

    case = approved(False)
    dm.ThreatAssessment.objects.filter(case=case).update(summary="Changed behind the signals.")
    with pytest.raises(ValidationError) as refused:
        delivery.attempt_record(case=case, data={}, team=[], actor=lead_user)
    assert "P-APPROVE" in refused.value.messages[0]
    assert not dm.DeliveryAttempt.objects.filter(case=case).exists()
