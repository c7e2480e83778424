"""Journeys 3 and 4: an encounter the candidate ends, then an influencer; and blocked steps,
each showing the SOP rule ID and its sentence with nothing saved."""

import datetime
import re

import pytest

from candidates.models import Relationship
from deliveries.models import CNCase, DeliveryAttempt
from tests import factories as f
from tests.e2e.journeys import (
    after_action_and_confirm,
    check_page,
    choose,
    field,
    fill_contact,
    ready_case,
    submit,
    url,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def record_attempt_page(page, live_server, case):
    page.goto(url(live_server, "attempts:record", case.pk))
    page.wait_for_load_state()


def test_it_sends_an_ended_encounter_back_and_delivers_to_an_influencer(
    open_as, live_server, staff_user, lead_user
):
    case = ready_case(lead_user=lead_user, deliverer=f.eligible_deliverer())
    staff, lead = open_as(staff_user), open_as(lead_user)

    record_attempt_page(staff, live_server, case)
    # Approved just now: the first contact is after it (P-APPROVE), the second after the first.
    first_contact = fill_contact(staff)
    choose(staff, "What happened", "Ended by the candidate (refused or asked us to leave)")
    choose(staff, "The message (C-DELIVER)", "No")
    choose(staff, "Ended by the candidate (C-LEAVE, C-CONSENT)", "Asked the team to leave")
    staff.get_by_label("The team left at once").check()
    choose(staff, "Social services on scene (C-SOCIAL)", "No")
    field(staff, "If not, why not").fill("The candidate asked everyone to leave.")
    submit(staff, "Record the attempt")
    first = DeliveryAttempt.objects.get(case=case)
    # The form starts from the approved team, which is the team at the door (P-TEAM).
    present = first.team.filter(personnel__isnull=False).values_list("personnel", "role")
    assert sorted(present) == sorted(case.team.values_list("personnel", "role"))
    after_action_and_confirm(
        staff, lead, live_server, first, decision="Send back for another attempt", cad="26-0000031"
    )
    case.refresh_from_db()
    # Sent back on an approval that still holds (nothing it approved changed): ready again.
    assert case.state == CNCase.State.READY
    assert case.approved_by == lead_user

    record_attempt_page(staff, live_server, case)
    check_page(staff, "attempt-form-second")
    fill_contact(staff, contact=first_contact + datetime.timedelta(minutes=3))
    choose(staff, "What happened", "Delivered to an alternate recipient")
    choose(staff, "The message (C-DELIVER)", "Yes")
    staff.get_by_label("The accepted letter was presented").check()
    field(staff, "…or add a person: name").fill("Pastor Dominguez")
    staff.get_by_role("group", name="Alternate recipient (C-ALT)").get_by_label(
        "Their relationship to the candidate"
    ).select_option(label="Other influencer")
    field(staff, "Why delivering to them was warranted").fill("The candidate was not home.")
    choose(staff, "Social services on scene (C-SOCIAL)", "Yes")
    submit(staff, "Record the attempt")
    assert staff.get_by_text("Attempt 2 recorded").is_visible()
    second = DeliveryAttempt.objects.get(case=case, number=2)
    after_action_and_confirm(
        staff, lead, live_server, second, decision="Close the case", cad="26-0000032"
    )

    case.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert case.state == CNCase.State.CLOSED
    assert first.outcome == DeliveryAttempt.Outcome.ENDED_BY_CANDIDATE
    assert first.ended_how == "asked_to_leave" and first.team_left_immediately
    assert first.after_action.decision == "retry"
    assert second.outcome == DeliveryAttempt.Outcome.ALTERNATE
    assert second.alternate_recipient.name == "Pastor Dominguez"
    assert second.alternate_recipient.kind == Relationship.Kind.OTHER_INFLUENCER
    assert second.alternate_recipient.candidate == case.candidate
    assert second.after_action.decision == "close"


REFUSAL = re.compile(r"Blocked by (?:SOP [^(]+|VIP program rule) \(([A-Z]+-[A-Z0-9]+)\)")


def assert_blocked(page, rule_id, sentence, *, also=()):
    """The page refuses with ``rule_id``, its citation (an SOP section or "VIP program rule")
    and its sentence, and with no rule but those named: acted out in time, the journey meets
    every other rule (P-APPROVE, C-ECC...)."""
    text = page.locator("main").inner_text()
    refused = set(REFUSAL.findall(text))
    assert refused == {rule_id, *also}, text[:2000]
    assert sentence in text, text[:2000]


def test_it_refuses_approval_without_the_threat_assessment(open_as, live_server, lead_user):
    case = f.prepared_case(lead_user=lead_user)
    case.threat_assessment.delete()
    lead = open_as(lead_user)
    lead.goto(url(live_server, "cases:detail", case.pk))
    submit(lead, "Approve for delivery")
    # The checklist also shows P-APPROVE not met: the approval waits for every other item.
    assert_blocked(lead, "P-THREAT", "threat assessment", also=["P-APPROVE"])
    check_page(lead, "blocked-approval", full_page=False)
    case.refresh_from_db()
    assert case.state == CNCase.State.PREPARING and case.approved_by is None


def test_it_refuses_contact_before_the_ecc_is_advised(open_as, live_server, staff_user, lead_user):
    case = ready_case(lead_user=lead_user)
    staff = open_as(staff_user)
    record_attempt_page(staff, live_server, case)
    fill_contact(staff, ecc=False)
    choose(staff, "What happened", "Message delivered to the candidate")
    choose(staff, "The message (C-DELIVER)", "Yes")
    staff.get_by_label("The accepted letter was presented").check()
    choose(staff, "Social services on scene (C-SOCIAL)", "Yes")
    submit(staff, "Record the attempt")
    assert_blocked(staff, "C-ECC", "the ECC must be advised before contact")
    check_page(staff, "blocked-ecc")
    assert not DeliveryAttempt.objects.exists()
    case.refresh_from_db()
    assert case.state == CNCase.State.READY


def test_it_refuses_a_juvenile_delivery_without_a_guardian(
    open_as, live_server, staff_user, lead_user
):
    case = ready_case(lead_user=lead_user, juvenile=True)
    staff = open_as(staff_user)
    record_attempt_page(staff, live_server, case)
    fill_contact(staff)
    choose(staff, "What happened", "Message delivered to the candidate")
    choose(staff, "The message (C-DELIVER)", "Yes")
    staff.get_by_label("The accepted letter was presented").check()
    field(staff, "Parent or guardian present").select_option("")
    choose(staff, "Social services on scene (C-SOCIAL)", "Yes")
    submit(staff, "Record the attempt")
    assert_blocked(
        staff, "J-GUARDIAN", "a juvenile's CN is never delivered without a parent or guardian"
    )
    check_page(staff, "blocked-guardian")
    assert not DeliveryAttempt.objects.exists()


def test_it_refuses_an_uncertified_deliverer(open_as, live_server, staff_user, lead_user):
    approved = f.eligible_deliverer(first_name="Alex", last_name="Baca")
    case = ready_case(lead_user=lead_user, deliverer=approved)
    untrained = f.PersonnelFactory(first_name="Casey", last_name="New")
    staff, lead = open_as(staff_user), open_as(lead_user)

    # At the door: an officer with no CN training goes in place of the approved deliverer.
    # The team present must be the approved team (P-TEAM at the door, issue 15): the attempt
    # is refused naming who differs, and nothing is saved.
    record_attempt_page(staff, live_server, case)
    fill_contact(staff)
    field(staff, "Deliverers present").select_option(label=str(untrained))
    choose(staff, "What happened", "Message delivered to the candidate")
    choose(staff, "The message (C-DELIVER)", "Yes")
    staff.get_by_label("The accepted letter was presented").check()
    choose(staff, "Social services on scene (C-SOCIAL)", "Yes")
    submit(staff, "Record the attempt")
    assert_blocked(staff, "P-TEAM", "the team at the door must be the approved team")
    for difference in (
        "Casey New is recorded present but is not on the approved team",
        "Alex Baca was approved as Deliverer but is not recorded present",
    ):
        assert_blocked(staff, "P-TEAM", difference)
    check_page(staff, "blocked-team-at-door")
    assert not DeliveryAttempt.objects.exists()

    # The team is changed on the case page, where each deliverer is judged (DLV-*): the
    # uncertified officer is refused, nothing is added, and the approval stands.
    lead.goto(url(live_server, "cases:detail", case.pk))
    team = lead.locator("#team")
    if not team.get_by_label("Person").is_visible():
        team.locator("summary").click()
    team.get_by_label("Person").select_option(label=str(untrained))
    team.get_by_label("Role").select_option(label="Deliverer")
    submit(lead, "Add to the team", team)
    assert_blocked(
        lead,
        "DLV-TRAIN",
        "Casey New has no Department-recognized CN training",
        also=["DLV-ACCOMP"],
    )
    lead.get_by_text("(DLV-TRAIN)").first.scroll_into_view_if_needed()
    check_page(lead, "blocked-deliverer")
    case.refresh_from_db()
    assert list(case.team.values_list("personnel", flat=True)) == [approved.pk]
    assert case.state == CNCase.State.READY and case.approved_by == lead_user
    assert not DeliveryAttempt.objects.exists()
