"""Steps shared by the browser journeys."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD


def current_code(device):
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def log_in(page, live_server, user, password=TEST_PASSWORD):
    """Log in through the real forms: password with the notice acknowledged, then the
    second factor (a confirmed authenticator is given to the user, as after enrolment)."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="e2e authenticator", defaults={"confirmed": True}
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("I understand that this system holds").check()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    code_box = page.get_by_label("Six-digit code from your authenticator app")
    code_box.fill(current_code(device))
    code_box.press("Enter")
    page.wait_for_load_state()
    return page
