"""The access matrix covers every page; anonymous users reach nothing but the login page,
static files and the health check; each role reaches exactly what the matrix opens."""

import pytest

from tests.conftest import login_as
from tests.vipcn.urlwalk import named_patterns, sample_path
from vipcn import access, roles

PUBLIC = {"login", "healthz"}


def app_patterns():
    return [
        (name, route, cb) for name, route, cb in named_patterns() if not access.is_delegated(name)
    ]


def test_every_named_page_has_a_rule_or_is_public():
    missing = [
        name
        for name, _route, callback in app_patterns()
        if access.roles_for(name) is None and getattr(callback, "login_required", True)
    ]
    assert missing == [], f"add these URL names to vipcn/access.py MATRIX: {missing}"


def test_only_the_expected_pages_are_public():
    public = {
        name
        for name, _route, callback in named_patterns()
        if not getattr(callback, "login_required", True)
    }
    assert public == PUBLIC


def test_the_matrix_names_no_page_that_does_not_exist():
    names = {name for name, _r, _c in named_patterns()}
    assert set(access.MATRIX) - names == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,route",
    [(n, r) for n, r, cb in named_patterns() if getattr(cb, "login_required", True)],
)
def test_it_sends_anonymous_users_to_login(client, name, route):
    path = sample_path(route)
    if path is None:
        pytest.skip("regex route")
    response = client.get(path)
    assert response.status_code == 302, name
    # Admin pages send to the admin login, which itself passes through the notice (below).
    logins = (
        ("/accounts/login/", "/admin/login/")
        if access.is_delegated(name)
        else ("/accounts/login/",)
    )
    assert response["Location"].startswith(logins), name


@pytest.mark.django_db
def test_the_admin_login_passes_through_the_system_use_notice(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_it_applies_the_matrix_to_every_role(client, users_by_role):
    checked = 0
    for name, route, callback in app_patterns():
        if not getattr(callback, "login_required", True):
            continue  # public pages (login, health check)
        path = sample_path(route)
        allowed = access.roles_for(name) or frozenset()
        for role, user in users_by_role.items():
            login_as(client, user)
            status = client.get(path).status_code
            if role in allowed:
                assert status != 403, f"{role} should open {name}"
            else:
                assert status == 403, f"{role} must not open {name} (got {status})"
            checked += 1
    assert checked >= len(roles.ALL_ROLES)


@pytest.mark.django_db
def test_a_user_without_a_role_opens_nothing(client):
    from tests.factories import UserFactory

    login_as(client, UserFactory())
    assert client.get("/").status_code == 403


@pytest.mark.django_db
def test_admin_is_closed_to_non_administrators(client, staff_user, admin_user):
    login_as(client, staff_user)
    assert client.get("/admin/").status_code == 302
    login_as(client, admin_user)
    assert client.get("/admin/").status_code == 200
