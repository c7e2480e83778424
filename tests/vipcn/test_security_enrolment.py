"""Second factor without a pre-enrolment window (issue 16, finding 3).

A new secret each time enrolment starts, bound to that session, valid ten minutes; nothing a
later enrolment confirms can have been read earlier; the enrolment is announced by email; a
password an administrator set is changed before enrolling; ten single-use recovery codes.
"""

import time
from base64 import b32encode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD
from tests.vipcn.test_security_mfa import code_for, enroll, password_login, start_enrolment
from vipcn import roles
from vipcn.models import AccessLogEntry, UserProfile

# Where the set-up page keeps this session's secret (vipcn.security.views.SESSION_ENROLMENT).
SESSION_ENROLMENT = "vipcn_mfa_enrolment"

pytestmark = pytest.mark.django_db
Action = AccessLogEntry.Action
NEW_PASSWORD = "a much longer passphrase of my own"  # noqa: S105


def static_tokens():
    # Imported here: on a tree without recovery codes the app is not installed.
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects


def b32(key_hex):
    return b32encode(bytes.fromhex(key_hex)).decode()


def test_each_session_gets_its_own_secret_and_no_other_session_reads_it(staff_user):
    user_a, copier = Client(), Client()
    password_login(user_a, staff_user)
    password_login(copier, staff_user)  # someone else who knows the first password
    copier_key = start_enrolment(copier)
    copier_qr = copier.get(reverse("mfa_qr")).content
    key = start_enrolment(user_a)
    # The copier saw a secret, but not the one the user is about to enrol.
    assert key != copier_key
    assert copier_qr != user_a.get(reverse("mfa_qr")).content
    user_a.post(reverse("mfa_setup"), {"token": code_for(key)})
    assert TOTPDevice.objects.get(user=staff_user, confirmed=True).key == key
    # The copier's own secret enrols nothing now: the account already has its authenticator.
    response = copier.post(reverse("mfa_setup"), {"token": code_for(copier_key)})
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_verify"))
    assert list(TOTPDevice.objects.filter(user=staff_user).values_list("key", flat=True)) == [key]
    # ...and with password plus a code from what they copied, they do not get in.
    copier.post(reverse("logout"))
    password_login(copier, staff_user)
    copier.post(reverse("mfa_verify"), {"token": code_for(copier_key)})
    assert copier.get("/").status_code == 302


def test_each_start_of_enrolment_makes_a_new_secret(client, staff_user):
    password_login(client, staff_user)
    first = start_enrolment(client)
    second = start_enrolment(client)
    assert first != second
    # A code from the first secret does not confirm the second enrolment.
    response = client.post(reverse("mfa_setup"), {"token": code_for(first)})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=staff_user, confirmed=True).exists()


def test_an_unconfirmed_device_from_an_earlier_start_is_never_the_one_confirmed(client, staff_user):
    # What an earlier start (or an attacker with the first password) may have left and read.
    stale = TOTPDevice.objects.create(user=staff_user, name="authenticator", confirmed=False)
    password_login(client, staff_user)
    page = client.get(reverse("mfa_setup")).content.decode()
    assert b32(stale.key) not in page
    # A code from the stale secret confirms nothing.
    client.post(reverse("mfa_setup"), {"token": current_code_of(stale)})
    assert not TOTPDevice.objects.filter(user=staff_user, confirmed=True).exists()
    device = enroll(client)
    assert device.key != stale.key
    assert not TOTPDevice.objects.filter(pk=stale.pk).exists()


def current_code_of(device):
    return code_for(device.key)


def test_the_secret_lasts_ten_minutes(client, staff_user, settings):
    assert getattr(settings, "MFA_ENROLMENT_SECONDS", None) == 600
    password_login(client, staff_user)
    key = start_enrolment(client)
    session = client.session
    session[SESSION_ENROLMENT] = {**session[SESSION_ENROLMENT], "started": time.time() - 601}
    session.save()
    assert client.get(reverse("mfa_qr")).status_code == 404
    response = client.post(reverse("mfa_setup"), {"token": code_for(key), "next": "/x"})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_setup") + "?next=/x"
    assert not TOTPDevice.objects.filter(user=staff_user).exists()


def test_wrong_codes_at_enrolment_are_logged_and_end_the_secret(client, staff_user):
    password_login(client, staff_user)
    key = start_enrolment(client)
    wrong = f"{(int(code_for(key)) + 500_000) % 1_000_000:06d}"
    for _attempt in range(4):
        response = client.post(reverse("mfa_setup"), {"token": wrong})
        assert response.status_code == 200
    response = client.post(reverse("mfa_setup"), {"token": wrong})
    assert response.status_code == 302  # the fifth: a new secret must be scanned
    assert SESSION_ENROLMENT not in client.session
    failures = AccessLogEntry.objects.filter(action=Action.MFA_FAILED, user=staff_user)
    assert failures.count() == 5
    assert all(wrong not in str(row) for row in failures.values())


def test_the_enrolment_is_announced_by_email_without_a_secret(
    client, staff_user, django_capture_on_commit_callbacks
):
    password_login(client, staff_user)
    key = start_enrolment(client)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("mfa_setup"), {"token": code_for(key)})
    assert response.status_code == 200
    assert callbacks, "the email waits for the commit"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [staff_user.email]
    assert "authenticator" in message.subject
    text = message.subject + message.body
    assert key not in text and b32(key) not in text
    for code in response.context["codes"]:
        assert code not in text


def test_no_email_when_the_enrolment_is_rolled_back(client, staff_user, monkeypatch):
    from vipcn.security import recovery

    def broken(user):
        raise RuntimeError("database went away")

    monkeypatch.setattr(recovery, "make_new_codes", broken)
    password_login(client, staff_user)
    key = start_enrolment(client)
    client.raise_request_exception = False
    response = client.post(reverse("mfa_setup"), {"token": code_for(key)})
    assert response.status_code == 500
    assert mail.outbox == []
    assert not TOTPDevice.objects.filter(user=staff_user).exists()


# --- a password an administrator set ---------------------------------------------------------


def _admin_creates(admin_client, username):
    response = admin_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": username,
            "usable_password": "true",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    return get_user_model().objects.get(username=username)


def test_a_new_account_changes_its_password_before_enrolling(admin_client, admin_user):
    newcomer = _admin_creates(admin_client, "nora_new")
    newcomer.groups.add(Group.objects.get(name=roles.STAFF))  # at the shell: not under test
    assert UserProfile.objects.get(user=newcomer).password_set_by_admin
    entry = AccessLogEntry.objects.get(action=Action.PASSWORD_SET_BY_ADMIN)
    assert entry.user == admin_user
    assert entry.object_type == "user" and entry.object_id == str(newcomer.pk)
    assert "nora_new" in entry.detail

    client = Client()
    password_login(client, newcomer)
    for path in ("/", reverse("mfa_setup"), reverse("mfa_verify"), "/admin/"):
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0] == reverse("password_change"), path
        assert response.status_code == 200
    assert SESSION_ENROLMENT not in client.session
    assert client.get(reverse("mfa_qr")).status_code == 404
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("mfa_setup")
    assert not UserProfile.objects.get(user=newcomer).password_set_by_admin
    enroll(client)
    assert client.get("/").status_code == 200


def test_an_admin_reset_is_logged_for_the_account_and_must_be_changed(admin_client, staff_user):
    TOTPDevice.objects.create(user=staff_user, name="phone", confirmed=True)
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[staff_user.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content[:2000]
    entry = AccessLogEntry.objects.get(action=Action.PASSWORD_SET_BY_ADMIN)
    assert entry.object_id == str(staff_user.pk) and staff_user.username in entry.detail
    assert NEW_PASSWORD not in str(AccessLogEntry.objects.values())
    assert UserProfile.objects.get(user=staff_user).password_set_by_admin
    # Enrolled already: the code first, then the password before anything else.
    from tests.conftest import login_as

    staff_user.refresh_from_db()
    client = login_as(Client(), staff_user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("password_change")


def test_the_users_own_change_is_not_marked(client, staff_user):
    from tests.conftest import login_as

    login_as(client, staff_user)
    client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert not UserProfile.objects.filter(user=staff_user, password_set_by_admin=True).exists()
    assert not AccessLogEntry.objects.filter(action=Action.PASSWORD_SET_BY_ADMIN).exists()
    assert client.get("/").status_code == 200


# --- recovery codes --------------------------------------------------------------------------


def _enrolled_with_codes(client, user):
    password_login(client, user)
    response = client.post(reverse("mfa_setup"), {"token": code_for(start_enrolment(client))})
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    client.post(reverse("logout"))
    return codes


def test_a_recovery_code_signs_in_once_and_its_use_is_logged(
    client, staff_user, django_capture_on_commit_callbacks
):
    codes = _enrolled_with_codes(client, staff_user)
    password_login(client, staff_user)
    assert client.get(reverse("mfa_verify")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_recovery"), {"token": codes[0].upper(), "next": "/"})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_manage")
    assert client.get("/").status_code == 200
    entry = AccessLogEntry.objects.get(action=Action.RECOVERY_CODE_USED)
    assert entry.user == staff_user and "9 left" in entry.detail
    for row in AccessLogEntry.objects.values():
        assert codes[0] not in str(row)
    assert [m.to for m in mail.outbox] == [[staff_user.email]]  # told, without the code
    assert codes[0] not in mail.outbox[0].body
    # Used once: the same code does not sign in again.
    client.post(reverse("logout"))
    password_login(client, staff_user)
    response = client.post(reverse("mfa_recovery"), {"token": codes[0], "next": "/"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302
    assert static_tokens().filter(device__user=staff_user).count() == 9


def test_the_user_sees_how_many_are_left_and_makes_new_ones(client, staff_user):
    codes = _enrolled_with_codes(client, staff_user)
    password_login(client, staff_user)
    client.post(reverse("mfa_recovery"), {"token": codes[1]})
    page = client.get(reverse("mfa_manage"))
    assert page.status_code == 200 and page.context["left"] == 9
    assert b"9 recovery codes left" in page.content
    response = client.post(reverse("mfa_manage"))
    new_codes = response.context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    stored = set(static_tokens().filter(device__user=staff_user).values_list("token", flat=True))
    assert stored == set(new_codes)  # all the old ones replaced
    assert AccessLogEntry.objects.filter(action=Action.RECOVERY_CODES_MADE).count() == 2
    client.post(reverse("logout"))
    password_login(client, staff_user)
    client.post(reverse("mfa_recovery"), {"token": codes[2]})
    assert client.get("/").status_code == 302


def test_recovery_codes_do_not_replace_enrolment(client, staff_user):
    password_login(client, staff_user)
    response = client.get(reverse("mfa_recovery"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_setup"))


def test_a_user_signed_in_with_a_recovery_code_sets_up_a_new_phone(client, staff_user):
    codes = _enrolled_with_codes(client, staff_user)
    old_key = TOTPDevice.objects.get(user=staff_user).key
    password_login(client, staff_user)
    client.post(reverse("mfa_recovery"), {"token": codes[0]})
    new_key = start_enrolment(client)
    response = client.post(reverse("mfa_setup"), {"token": code_for(new_key)})
    assert response.status_code == 200
    assert list(TOTPDevice.objects.filter(user=staff_user).values_list("key", flat=True)) == [
        new_key
    ]
    assert new_key != old_key
    removed = AccessLogEntry.objects.get(action=Action.MFA_REMOVED)
    assert removed.object_id == str(staff_user.pk)


def test_replacing_needs_a_verified_session(client, staff_user):
    _enrolled_with_codes(client, staff_user)
    password_login(client, staff_user)
    response = client.get(reverse("mfa_setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_verify"))
    assert SESSION_ENROLMENT not in client.session


def test_the_recovery_form_refuses_garbage_plainly(client, staff_user):
    user = staff_user
    codes = _enrolled_with_codes(client, user)
    password_login(client, user)
    response = client.post(reverse("mfa_recovery"), {"token": "not a code!"})
    assert response.status_code == 200
    assert b"eight letters and digits" in response.content
    assert client.get("/").status_code == 302
    assert static_tokens().filter(device__user=user, token=codes[0]).exists()
