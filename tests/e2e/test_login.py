import pytest

from tests.e2e.conftest import (
    assert_accessible,
    assert_no_horizontal_scroll,
    screenshot,
)
from tests.e2e.journeys import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_login_page_shows_the_notice_and_is_accessible(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("heading", name="System-use notice").is_visible()
    assert_accessible(page)
    screenshot(page, "login")


def test_login_is_refused_without_acknowledging_the_notice(page, live_server, staff_user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(staff_user.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_text("acknowledge the system-use notice").first.is_visible()
    assert "/accounts/login/" in page.url


def test_staff_logs_in_and_sees_the_base_layout(page, live_server, staff_user):
    log_in(page, live_server, staff_user)
    assert page.get_by_role("navigation", name="Main navigation").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    assert_accessible(page)
    screenshot(page, "home-staff")


def test_the_home_page_fits_a_phone(phone_page, live_server, staff_user):
    log_in(phone_page, live_server, staff_user)
    assert_no_horizontal_scroll(phone_page)
