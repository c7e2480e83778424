"""Journeys 5 and 6: the Lead follows a dashboard figure; the Program Manager exports the
public report; an administrator reads a case's history in the Django admin. And the delivery
form completed with the keyboard alone on a phone-sized screen."""

import csv
import io

import pytest

from deliveries.models import CNCase, DeliveryAttempt
from tests import factories as f
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.journeys import check_page, minutes_from_now, ready_case, tab_to, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_follows_a_dashboard_figure_to_its_cases(open_as, live_server, lead_user):
    waiting = f.prepared_case(lead_user=lead_user)  # all met but the Lead's approval
    other = f.CaseFactory(number="CN-1999-09999", state=CNCase.State.CLOSED)
    lead = open_as(lead_user)
    lead.goto(url(live_server, "reports:dashboard"))
    check_page(lead, "dashboard", full_page=False)
    with lead.expect_navigation():
        lead.get_by_role("link", name="awaiting approval").click()
    check_page(lead, "dashboard-figure-cases")
    text = lead.locator("main").inner_text()
    assert waiting.number in text
    assert other.number not in text


def test_the_program_manager_exports_the_public_report(open_as, live_server, manager_user):
    case = f.prepared_case(lead_user=manager_user)
    manager = open_as(manager_user)
    manager.goto(url(live_server, "reports:transparency"))
    check_page(manager, "transparency")
    with manager.expect_download() as info:
        manager.get_by_role("link", name="Download as CSV").click()
    download = info.value
    with open(download.path(), encoding="utf-8-sig") as handle:
        content = handle.read()
    rows = list(csv.reader(io.StringIO(content)))
    assert len(rows) > 1
    assert download.suggested_filename.endswith(".csv")
    # Public: counts only, never a name or a case number from the database.
    assert case.candidate.last_name not in content
    assert case.number not in content


def test_an_administrator_reads_a_case_history_in_the_admin(
    open_as, live_server, admin_user, lead_user
):
    case = ready_case(lead_user=lead_user)
    admin = open_as(admin_user)
    admin.goto(f"{live_server.url}/admin/deliveries/cncase/{case.pk}/history/")
    check_page(admin, "admin-case-history")
    body = admin.locator("body").inner_text()
    assert case.number in body
    assert case.history.count() >= 2
    assert admin.get_by_role("table").count() >= 1


def test_the_delivery_form_works_with_the_keyboard_alone_on_a_phone(
    open_as, live_server, staff_user, lead_user
):
    case = ready_case(lead_user=lead_user)
    phone = open_as(
        staff_user, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone.goto(url(live_server, "attempts:record", case.pk))
    check_page(phone, "attempt-form-phone")
    assert_no_horizontal_scroll(phone)
    kb = phone.keyboard
    import datetime

    # The case was approved just now: the contact comes after it (P-APPROVE), a minute or two
    # ahead, and the ECC strictly before the contact (C-ECC).
    contact = minutes_from_now(2)
    advised = contact - datetime.timedelta(minutes=1)

    def type_datetime(value):
        kb.type(value.strftime("%m%d%Y"))
        kb.press("ArrowRight")
        kb.type(value.strftime("%I%M%p"))

    tab_to(phone, "[name=contact_at]")
    type_datetime(contact)
    tab_to(phone, "[name=address]")
    kb.type("100 Main St SW")
    tab_to(phone, "[name=ecc_advised_at]")
    type_datetime(advised)
    tab_to(phone, "[name=ecc_advised_by]")
    kb.type("Ofc. Baca")
    for name in ("ecc_told_location", "ecc_told_team", "ecc_told_identity"):
        tab_to(phone, f"[name={name}]")
        kb.press("Space")
    tab_to(phone, "[name=outcome]")
    kb.press("Space")  # the first choice: message delivered to the candidate
    tab_to(phone, "[name=message_delivered]")
    kb.press("Space")  # Yes
    tab_to(phone, "[name=letter_presented]")
    kb.press("Space")
    tab_to(phone, "[name=social_services_delivered]")
    kb.press("Space")  # Yes
    assert_no_horizontal_scroll(phone)
    tab_to(phone, "[type=submit][name=save]")
    with phone.expect_navigation():
        kb.press("Enter")
    assert phone.get_by_text("Attempt 1 recorded").is_visible(), phone.locator(
        ".alert, .invalid-feedback"
    ).all_inner_texts()
    attempt = DeliveryAttempt.objects.get(case=case)
    assert attempt.outcome == DeliveryAttempt.Outcome.DELIVERED
    assert attempt.ecc_advised_by == "Ofc. Baca" and attempt.ecc_told_identity
    assert attempt.ecc_advised_at < attempt.contact_at
    assert_no_horizontal_scroll(phone)
