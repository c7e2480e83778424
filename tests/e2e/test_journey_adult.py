"""Journey 1: an adult from registration to a closed case, through the real pages."""

import datetime

import pytest

from candidates import services as candidate_services
from candidates.models import Candidate
from deliveries.models import CNCase, DeliveryAttempt
from tests import factories as f
from tests.e2e.journeys import (
    add_basis,
    after_action_and_confirm,
    check_page,
    choose,
    complete_checklist,
    fill_contact,
    lead_accepts_and_approves,
    open_case,
    record_determination,
    register_candidate,
    submit,
    url,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_takes_an_adult_from_registration_to_a_closed_case(
    open_as, live_server, staff_user, lead_user
):
    today = datetime.date.today()
    dob = today.replace(year=today.year - 24)
    # Someone with the same name is already on file: the duplicate check must show.
    candidate_services.candidate_create(
        actor=staff_user, first_name="Darnell", last_name="Price", date_of_birth=dob
    )
    shooting = f.ShootingFactory(case_number="26-0004711")
    f.LetterTemplateFactory()
    penalty = f.PenaltyFactory(statute="NMSA 30-3-8", description_en="Shooting at a dwelling")
    deliverer = f.eligible_deliverer(first_name="Alex", last_name="Baca")

    staff = open_as(staff_user)
    register_candidate(
        staff, live_server, first="Darnell", last="Price", dob=dob, confirm_different=True
    )
    candidate = Candidate.objects.latest("pk")
    add_basis(staff, code="ID-1", evidence_label="Shooting", evidence=str(shooting))
    assert staff.get_by_text("26-0004711").first.is_visible()
    record_determination(staff)
    open_case(staff)
    case = CNCase.objects.get(candidate=candidate)
    complete_checklist(staff, deliverer=deliverer, penalty=penalty)

    lead = open_as(lead_user)
    lead_accepts_and_approves(lead, live_server, case)

    staff.goto(url(live_server, "attempts:record", case.pk))
    check_page(staff, "attempt-form")
    fill_contact(staff)
    choose(staff, "What happened", "Message delivered to the candidate")
    choose(staff, "The message (C-DELIVER)", "Yes")
    staff.get_by_label("The accepted letter was presented").check()
    choose(staff, "Social services on scene (C-SOCIAL)", "Yes")
    submit(staff, "Record the attempt")
    assert staff.get_by_text("Attempt 1 recorded").is_visible()
    attempt = DeliveryAttempt.objects.get(case=case)
    after_action_and_confirm(
        staff, lead, live_server, attempt, decision="Close the case", cad="26-0102030"
    )
    check_page(lead, "attempt-confirmed")

    # What the database holds.
    candidate.refresh_from_db()
    case.refresh_from_db()
    attempt.refresh_from_db()
    assert Candidate.objects.filter(first_name="Darnell", last_name="Price").count() == 2
    assert candidate.status == Candidate.Status.ELIGIBLE
    assert candidate.created_by == staff_user
    basis = candidate.bases.get()
    assert (basis.code, basis.shooting) == ("ID-1", shooting)
    assert candidate.determinations.get().eligible is True
    assert case.state == CNCase.State.CLOSED
    assert case.approved_by == lead_user
    assert case.threat_assessment.completed_by == "Det. Ortiz"
    assert case.background_check.completed_by == "Analyst Kim"
    letter = case.letter_versions.get()
    assert letter.accepted_by == lead_user
    # P-LETTER: the accepted letter names the penalty ticked, in plain words.
    assert list(letter.penalties.all()) == [penalty]
    assert "Shooting at a dwelling" in letter.body
    assert attempt.letter_presented == letter
    assert list(case.team.values_list("personnel", flat=True)) == [deliverer.pk]
    assert case.social_services.organization == "Violence Intervention Partners"
    assert attempt.outcome == DeliveryAttempt.Outcome.DELIVERED
    assert attempt.message_delivered and attempt.ecc_told_identity
    assert attempt.ecc_advised_at < attempt.contact_at
    assert attempt.created_by == staff_user
    assert attempt.after_action.cad_number == "26-0102030"
    assert attempt.after_action.confirmed_by == lead_user
