"""Steps shared by the browser journeys."""

from tests.factories import TEST_PASSWORD


def log_in(page, live_server, user, password=TEST_PASSWORD):
    """Log in through the real login form (system-use notice acknowledged)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("I understand that this system holds").check()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page
