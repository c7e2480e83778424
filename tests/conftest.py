"""Named personas, one per role (healthchecks' alice/bob/charlie idea)."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory
from vipcn import roles


def login_as(client, user):
    """Log a test client in as ``user`` with every factor a real login would have.

    Use this (or the *_client fixtures), never ``client.force_login`` directly, so that
    tests keep passing when login requires more than a session (e.g. a second factor).
    """
    client.force_login(user)
    return client


def _user_with_role(username, role, **extra):
    user = UserFactory(username=username, **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def staff_user(db):
    return _user_with_role("sam_staff", roles.STAFF, first_name="Sam", last_name="Staff")


@pytest.fixture
def lead_user(db):
    return _user_with_role("lee_lead", roles.LEAD, first_name="Lee", last_name="Lead")


@pytest.fixture
def manager_user(db):
    return _user_with_role("morgan_pm", roles.MANAGER, first_name="Morgan", last_name="PM")


@pytest.fixture
def admin_user(db):
    return _user_with_role("ada_admin", roles.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def users_by_role(staff_user, lead_user, manager_user, admin_user):
    return {
        roles.STAFF: staff_user,
        roles.LEAD: lead_user,
        roles.MANAGER: manager_user,
        roles.ADMINISTRATOR: admin_user,
    }


@pytest.fixture
def staff_client(client, staff_user):
    return login_as(client, staff_user)


@pytest.fixture
def lead_client(client, lead_user):
    return login_as(client, lead_user)


@pytest.fixture
def manager_client(client, manager_user):
    return login_as(client, manager_user)


@pytest.fixture
def admin_client(client, admin_user):
    return login_as(client, admin_user)
