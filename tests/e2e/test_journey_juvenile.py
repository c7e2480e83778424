"""Journey 2: a juvenile, with the JPO check, the Lead's decision and a guardian present."""

import datetime

import pytest

from candidates import services as candidate_services
from candidates.models import Relationship
from deliveries.models import CNCase, DeliveryAttempt
from tests import factories as f
from tests.e2e.journeys import (
    after_action_and_confirm,
    case_form,
    check_page,
    choose,
    complete_checklist,
    field,
    fill_contact,
    lead_accepts_and_approves,
    open_case,
    submit,
    url,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_delivers_to_a_juvenile_with_the_guardian_present(
    open_as, live_server, staff_user, lead_user
):
    today = datetime.date.today()
    candidate = candidate_services.candidate_create(
        actor=staff_user,
        first_name="Jayden",
        last_name="Ruiz",
        date_of_birth=today.replace(year=today.year - 16),
    )
    shooting = f.ShootingFactory()
    candidate_services.basis_add(
        candidate=candidate, actor=staff_user, code="ID-1", shooting=shooting
    )
    candidate.refresh_from_db()
    candidate_services.determination_record(candidate=candidate, actor=staff_user)
    mother = f.RelationshipFactory(
        candidate=candidate, kind=Relationship.Kind.PARENT, name="Maria Ruiz"
    )
    f.LetterTemplateFactory()
    penalty = f.PenaltyFactory(statute="NMSA 30-7-2.1", description_en="Carrying a firearm")
    deliverer = f.eligible_deliverer(first_name="Alex", last_name="Baca")

    staff = open_as(staff_user)
    staff.goto(url(live_server, "candidates:detail", candidate.pk))
    check_page(staff, "candidate-juvenile")
    open_case(staff)
    case = CNCase.objects.get(candidate=candidate)
    complete_checklist(staff, deliverer=deliverer, penalty=penalty)
    jpo = case_form(staff, "jpo")
    field(jpo, "Date contacted").fill(today.isoformat())
    field(jpo, "JPO contact").fill("JPO intake, Officer Lane")
    jpo.get_by_label("No", exact=True).check()
    submit(staff, "Save", jpo)
    contact = case_form(staff, "guardian-contact")
    field(contact, "Parent or guardian").select_option(label=str(mother))
    field(contact, "Date").fill(today.isoformat())
    field(contact, "Method").select_option(label="Phone")
    field(contact, "Result").select_option(label="Reached; will be present")
    submit(staff, "Record the contact attempt", contact)
    planned = case_form(staff, "planned-guardian")
    if not planned.is_visible():
        staff.locator("#planned_guardian > summary").click()
    field(planned, "Parent or guardian planned to be present").select_option(label=str(mother))
    submit(staff, "Plan this person to be present", planned)
    check_page(staff, "case-juvenile", full_page=False)

    lead = open_as(lead_user)
    lead.goto(url(live_server, "cases:detail", case.pk))
    decision = case_form(lead, "decision")
    decision.get_by_label("Deliver the CN", exact=True).check()
    field(decision, "Status of services to the juvenile").fill("Enrolled with youth mentoring.")
    submit(lead, "Record the decision", decision)
    lead_accepts_and_approves(lead, live_server, case)

    staff.goto(url(live_server, "attempts:record", case.pk))
    check_page(staff, "attempt-form-juvenile")
    assert field(staff, "Parent or guardian present").input_value() == str(mother.pk)
    fill_contact(staff)
    choose(staff, "What happened", "Message delivered to the candidate")
    choose(staff, "The message (C-DELIVER)", "Yes")
    staff.get_by_label("The accepted letter was presented").check()
    choose(staff, "Social services on scene (C-SOCIAL)", "Yes")
    submit(staff, "Record the attempt")
    assert staff.get_by_text("Attempt 1 recorded").is_visible(), staff.locator(
        ".alert, .invalid-feedback"
    ).all_inner_texts()
    attempt = DeliveryAttempt.objects.get(case=case)
    after_action_and_confirm(
        staff, lead, live_server, attempt, decision="Close the case", cad="26-0200001"
    )

    case.refresh_from_db()
    attempt.refresh_from_db()
    assert case.state == CNCase.State.CLOSED
    assert case.jpo_check.jpo_contact == "JPO intake, Officer Lane"
    assert case.jpo_check.on_probation is False
    assert case.juvenile_decision.decision == "deliver"
    assert case.juvenile_decision.decided_by == lead_user
    assert case.guardian_contacts.get().guardian == mother
    assert case.planned_guardian == mother
    assert attempt.outcome == DeliveryAttempt.Outcome.DELIVERED
    assert attempt.guardian_present == mother
    assert attempt.after_action.confirmed_by == lead_user
