"""Lockout (CJIS AC-7): 5 consecutive failures for a username within 15 minutes lock it
until an administrator releases it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD
from vipcn.models import AccessLogEntry
from vipcn.security.lockout import release

pytestmark = pytest.mark.django_db


def attempt(client, username, password, **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password, "acknowledge": "on"},
        **extra,
    )


def fail(client, username, times, **extra):
    return [attempt(client, username, "wrong password!", **extra) for _ in range(times)]


def test_it_locks_a_username_after_five_failures_and_keeps_it_locked(client, staff_user):
    responses = fail(client, staff_user.username, 4)
    assert all(r.status_code == 200 for r in responses)
    locked = fail(client, staff_user.username, 1)[0]
    assert locked.status_code == 403
    assert b"This account is locked" in locked.content
    assert b"administrator" in locked.content
    # The right password does not help, from any address, even hours later.
    response = attempt(client, staff_user.username, TEST_PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 403
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(days=2))
    assert attempt(client, staff_user.username, TEST_PASSWORD).status_code == 403
    assert "_auth_user_id" not in client.session
    assert AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.LOCKOUT, username=staff_user.username
    ).exists()


def test_an_administrator_releases_the_lock(client, staff_user):
    fail(client, staff_user.username, 5)
    assert release(staff_user.username) >= 1
    assert attempt(client, staff_user.username, TEST_PASSWORD).status_code == 302


def test_the_lock_is_per_username_not_per_address(client, staff_user, lead_user):
    for n in range(5):
        attempt(client, staff_user.username, "nope nope nope", REMOTE_ADDR=f"10.0.0.{n + 1}")
    assert attempt(client, staff_user.username, TEST_PASSWORD).status_code == 403
    assert attempt(client, lead_user.username, TEST_PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client, staff_user):
    fail(client, staff_user.username, 4)
    assert attempt(client, staff_user.username, TEST_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    fail(client, staff_user.username, 4)
    assert attempt(client, staff_user.username, TEST_PASSWORD).status_code == 302


def test_failures_more_than_fifteen_minutes_old_are_forgotten(client, staff_user):
    fail(client, staff_user.username, 4)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    fail(client, staff_user.username, 1)
    assert attempt(client, staff_user.username, TEST_PASSWORD).status_code == 302


def test_failures_within_fifteen_minutes_count(client, staff_user):
    fail(client, staff_user.username, 4)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    fail(client, staff_user.username, 1)
    assert attempt(client, staff_user.username, TEST_PASSWORD).status_code == 403


def test_failed_logins_are_logged_without_the_password(client, staff_user):
    fail(client, staff_user.username, 2, REMOTE_ADDR="192.0.2.7")
    entries = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.LOGIN_FAILED)
    assert entries.count() == 2
    entry = entries.first()
    assert entry.username == staff_user.username
    assert entry.ip_address == "192.0.2.7"
    assert entry.outcome == AccessLogEntry.Outcome.FAILURE
    for row in AccessLogEntry.objects.values():
        assert "wrong password" not in str(row)
    for row in AccessAttempt.objects.values():
        assert "wrong password" not in str(row)


def test_the_client_ip_comes_from_the_trusted_proxy_only(rf, settings):
    from vipcn.security.client_ip import client_ip

    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the left entry; the proxy appended the real address on the right.
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert client_ip(request) == "198.51.100.4"
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(request) == "10.0.0.1"


def test_lockout_settings_are_the_cjis_ones(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.AXES_COOLOFF_TIME is None
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AXES_FAILURE_WINDOW_SECONDS == 15 * 60


def test_an_administrator_releases_it_in_the_admin_and_that_is_logged(
    client, staff_user, admin_user
):
    from tests.conftest import login_as

    fail(client, staff_user.username, 5)
    attempt_row = AccessAttempt.objects.get(username=staff_user.username)
    login_as(client, admin_user)
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt_row.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.LOCKOUT_RELEASED)
    assert entry.user == admin_user and entry.object_id == staff_user.username
    client.post(reverse("logout"))
    assert attempt(client, staff_user.username, TEST_PASSWORD).status_code == 302


def test_an_overlong_username_is_refused_like_a_wrong_password(client):
    # Found by the Hypothesis test: it used to reach the lockout table and fail with a 500.
    response = attempt(client, "9" * 400, "whatever")
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content
    assert not AccessAttempt.objects.exists()
