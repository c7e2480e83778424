"""Session lock (CJIS AC-11): 30 minutes idle, 12 hours absolute, on the server; new key at
login; the old key dead after logout; a deactivated user loses access at once."""

import io
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login_as
from tests.factories import TEST_PASSWORD
from vipcn.models import AccessLogEntry
from vipcn.security.middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT

pytestmark = pytest.mark.django_db


def shift(client, key, seconds_ago):
    session = client.session
    session[key] = time.time() - seconds_ago
    session.save()


def test_it_ends_a_session_idle_for_thirty_minutes(client, staff_user):
    login_as(client, staff_user)
    assert client.get("/").status_code == 200
    shift(client, SESSION_LAST_SEEN, 29 * 60)
    assert client.get("/").status_code == 200
    shift(client, SESSION_LAST_SEEN, 31 * 60)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get("/").status_code == 302  # the session is gone, not just this request
    entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.SESSION_EXPIRED)
    assert entry.detail == "idle" and entry.user == staff_user


def test_activity_keeps_the_session_alive(client, staff_user):
    login_as(client, staff_user)
    shift(client, SESSION_LAST_SEEN, 20 * 60)
    assert client.get("/").status_code == 200
    assert time.time() - client.session[SESSION_LAST_SEEN] < 5


def test_it_ends_any_session_after_twelve_hours(client, staff_user):
    login_as(client, staff_user)
    client.get("/")
    shift(client, SESSION_LOGIN_AT, 12 * 3600 - 60)
    assert client.get("/").status_code == 200
    shift(client, SESSION_LOGIN_AT, 12 * 3600 + 1)
    response = client.get("/")
    assert response.status_code == 302
    assert AccessLogEntry.objects.filter(detail="absolute").exists()


def test_login_issues_a_new_session_key(client, staff_user):
    client.get(reverse("login"))
    session = client.session
    session["before-login"] = True
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    response = client.post(
        reverse("login"),
        {"username": staff_user.username, "password": TEST_PASSWORD, "acknowledge": "on"},
    )
    assert response.status_code == 302
    assert client.session.session_key != before
    assert not SessionStore().exists(before)
    assert SESSION_LOGIN_AT in client.session


def test_logout_kills_the_old_session_key(client, staff_user):
    login_as(client, staff_user)
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not SessionStore().exists(key)
    client.cookies["sessionid"] = key
    assert client.get("/").status_code == 302
    assert AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.LOGOUT, user=staff_user
    ).exists()


def test_a_deactivated_user_loses_access_on_the_next_request(client, staff_user):
    login_as(client, staff_user)
    assert client.get("/").status_code == 200
    staff_user.is_active = False
    staff_user.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_session_settings(settings):
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def _deactivate(how, user, admin_user):
    if how == "admin":
        from tests.vipcn.test_separation_of_duties import user_form

        form = user_form(user)
        del form["is_active"]
        admin = login_as(Client(), admin_user)
        response = admin.post(reverse("admin:auth_user_change", args=[user.pk]), form)
        assert response.status_code == 302, response.content[:2000]
    elif how == "command":
        get_user_model().objects.filter(pk=user.pk).update(
            last_login=timezone.now() - timedelta(days=400)
        )
        call_command("disable_inactive_accounts", stdout=io.StringIO())
    else:  # the shell
        user.refresh_from_db()
        user.is_active = False
        user.save()
    user.refresh_from_db()
    assert not user.is_active


@pytest.mark.parametrize("how", ["admin", "command", "shell"])
def test_deactivation_ends_every_session_of_the_user_at_once(
    client, staff_user, lead_user, admin_user, how
):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    login_as(client, staff_user)
    second = login_as(Client(), staff_user)  # the same user on another computer
    bystander = login_as(Client(), lead_user)
    keys = [client.session.session_key, second.session.session_key]
    assert client.get("/").status_code == 200
    _deactivate(how, staff_user, admin_user)
    for key in keys:
        assert not SessionStore().exists(key)
    # Reactivated within the idle window: the old cookies stay dead.
    staff_user.is_active = True
    staff_user.save()
    for old in (client, second):
        response = old.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert bystander.get(reverse("reports:dashboard")).status_code == 200
