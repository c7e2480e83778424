"""Second factor (CJIS IA-2(1)): enrolled at first login, asked after the password on every
protected URL (admin and admindocs included), codes not replayable."""

import re
import time
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import login_as
from tests.factories import TEST_PASSWORD
from vipcn.models import AccessLogEntry

pytestmark = pytest.mark.django_db
Action = AccessLogEntry.Action


def password_login(client, user):
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": TEST_PASSWORD, "acknowledge": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    return response


def current_code(device):
    return (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )


def start_enrolment(client):
    """Open the set-up page and read the secret it shows (as a person would type it), as hex."""
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200, page
    shown = re.search(r'<code class="user-select-all">([A-Z2-7=]+)</code>', page.content.decode())
    return b32decode(shown.group(1)).hex()


def code_for(key_hex, offset=0):
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = time.time() + offset * 30
    return f"{totp.token():06d}"


def enroll(client):
    key = start_enrolment(client)
    response = client.post(reverse("mfa_setup"), {"token": code_for(key), "next": "/"})
    assert response.status_code == 200, response.content[:500]
    assert len(response.context["codes"]) == 10
    return TOTPDevice.objects.get(confirmed=True, key=key)


def test_mfa_is_required_by_default(settings):
    from vipcn import settings as project_settings

    assert project_settings.MFA_REQUIRED is True
    assert settings.MFA_REQUIRED is True


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/doc/", "/audit/", "/no/such/admin/x"])
def test_it_sends_a_password_only_session_to_enrollment(client, admin_user, path):
    password_login(client, admin_user)
    response = client.get(path)
    if path == "/no/such/admin/x":
        # Unknown URLs answer 404 without naming anything; no protected content is served.
        assert response.status_code == 404
        return
    assert response.status_code == 302, path
    assert response["Location"].startswith(reverse("mfa_setup") + "?next="), path


def test_it_sends_an_enrolled_user_to_the_code_page(client, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    password_login(client, admin_user)
    for path in ("/", "/admin/", "/admin/doc/", "/admin/auth/user/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_verify") + "?next="), path


def test_it_enrolls_with_a_qr_code_served_by_the_app(client, staff_user):
    password_login(client, staff_user)
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'src="{reverse("mfa_qr")}"' in html
    qr = client.get(reverse("mfa_qr"))
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    # No device exists before the user confirms a code: nothing for another session to read.
    assert not TOTPDevice.objects.filter(user=staff_user).exists()
    key = start_enrolment(client)
    response = client.post(reverse("mfa_setup"), {"token": code_for(key), "next": "/"})
    assert response.status_code == 200 and response.context["next"] == "/"
    device = TOTPDevice.objects.get(user=staff_user)
    assert device.confirmed and device.key == key
    assert client.get("/").status_code == 200
    # Once confirmed, the QR code is gone: the secret cannot be fetched again.
    assert client.get(reverse("mfa_qr")).status_code == 404
    assert AccessLogEntry.objects.filter(action=Action.MFA_ENROLLED, user=staff_user).exists()


def test_it_refuses_a_wrong_code_and_logs_it(client, staff_user):
    password_login(client, staff_user)
    device = enroll(client)
    client.post(reverse("logout"))
    password_login(client, staff_user)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("mfa_verify"), {"token": wrong, "next": "/"})
    assert response.status_code == 200
    assert b"not valid" in response.content
    assert client.get("/").status_code == 302
    entry = AccessLogEntry.objects.filter(action=Action.MFA_FAILED).get()
    assert entry.outcome == AccessLogEntry.Outcome.FAILURE
    assert wrong not in str(entry.__dict__)


def test_a_code_cannot_be_replayed(client, staff_user):
    password_login(client, staff_user)
    device = enroll(client)
    used = current_code(device)  # the code just used to enroll (same 30-second step)
    client.post(reverse("logout"))
    password_login(client, staff_user)
    response = client.post(reverse("mfa_verify"), {"token": used, "next": "/"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_it_verifies_a_fresh_code_and_issues_a_new_session_key(client, staff_user):
    password_login(client, staff_user)
    device = enroll(client)
    device.last_t -= 1  # as if the enrolment code was from the previous step
    device.save()
    client.post(reverse("logout"))
    password_login(client, staff_user)
    before = client.session.session_key
    response = client.post(reverse("mfa_verify"), {"token": current_code(device), "next": "/x"})
    assert response.status_code == 302 and response["Location"] == "/x"
    assert client.session.session_key != before
    assert client.get("/").status_code == 200
    assert AccessLogEntry.objects.filter(action=Action.MFA_VERIFIED, user=staff_user).exists()


def test_it_refuses_an_offsite_next_after_the_code(client, staff_user):
    password_login(client, staff_user)
    response = client.post(
        reverse("mfa_setup"),
        {"token": code_for(start_enrolment(client)), "next": "https://evil.example/"},
    )
    assert response.status_code == 200
    assert response.context["next"] == "/"
    assert b"evil.example" not in response.content


def test_the_test_helper_logs_in_with_both_factors(client, staff_user):
    login_as(client, staff_user)
    assert client.get("/").status_code == 200


def test_logout_is_possible_before_the_second_factor(client, staff_user):
    password_login(client, staff_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_demo_mode_may_turn_mfa_off(client, staff_user, settings):
    settings.MFA_REQUIRED = False
    settings.DEMO_MODE = True
    password_login(client, staff_user)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Demo mode" in response.content
