"""Separation of duties (issue 16, finding 5): no one changes their own roles; the Auditor and
Records Custodian roles need a second administrator (or the server's command line); password
resets and authenticator removals are logged as their own actions, naming the account."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import _user_with_role, login_as
from vipcn import roles
from vipcn.models import AccessLogEntry

pytestmark = pytest.mark.django_db
Action = AccessLogEntry.Action


def group(name):
    return Group.objects.get(name=name)


def user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    if user.is_staff:
        data["is_staff"] = "on"
    if user.is_superuser:
        data["is_superuser"] = "on"
    data.update(changes)
    return data


@pytest.fixture
def second_admin(db):
    return _user_with_role("bea_admin", roles.ADMINISTRATOR, is_staff=True)


def test_an_administrator_cannot_give_themselves_a_role(admin_client, admin_user):
    before = set(admin_user.groups.values_list("name", flat=True))
    permission = Permission.objects.get(codename="view_accesslogentry")
    response = admin_client.post(
        reverse("admin:auth_user_change", args=[admin_user.pk]),
        user_form(
            admin_user,
            groups=[
                group(roles.ADMINISTRATOR).pk,
                group(roles.AUDITOR).pk,
                group(roles.CUSTODIAN).pk,
            ],
            user_permissions=[permission.pk],
        ),
    )
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert set(admin_user.groups.values_list("name", flat=True)) == before
    assert not admin_user.user_permissions.exists()
    # The form shows them read-only on one's own account.
    page = admin_client.get(reverse("admin:auth_user_change", args=[admin_user.pk]))
    assert 'name="groups"' not in page.content.decode()
    assert 'name="is_superuser"' not in page.content.decode()
    from vipcn.models import RoleGrant

    assert not RoleGrant.objects.exists()  # not even a request for oneself


def test_an_administrator_cannot_change_their_own_flags(client):
    admin = _user_with_role("ed_admin", roles.ADMINISTRATOR, is_staff=True, is_superuser=False)
    login_as(client, admin)
    response = client.post(
        reverse("admin:auth_user_change", args=[admin.pk]),
        user_form(admin, is_superuser="on"),
    )
    assert response.status_code in (302, 403)
    admin.refresh_from_db()
    assert not admin.is_superuser


def test_every_web_path_refuses_a_change_to_ones_own_roles(rf, admin_user):
    """The backstop under the admin form: any request that touches its own user's roles."""
    from simple_history.models import HistoricalRecords

    request = rf.post("/anything/")
    request.user = admin_user
    HistoricalRecords.context.request = request
    auditor, custodian = group(roles.AUDITOR), group(roles.CUSTODIAN)
    try:
        with pytest.raises(PermissionDenied), transaction.atomic():
            admin_user.groups.add(auditor)
        with pytest.raises(PermissionDenied), transaction.atomic():
            custodian.user_set.add(admin_user)
        with pytest.raises(PermissionDenied), transaction.atomic():
            admin_user.groups.clear()
        admin_user.is_superuser = False
        with pytest.raises(PermissionDenied), transaction.atomic():
            admin_user.save()
    finally:
        del HistoricalRecords.context.request
    admin_user.refresh_from_db()
    assert admin_user.is_superuser
    assert not admin_user.groups.filter(name__in=roles.SECOND_ADMINISTRATOR_ROLES).exists()


def test_every_web_path_refuses_a_protected_role_without_a_confirmed_grant(
    rf, admin_user, staff_user
):
    from simple_history.models import HistoricalRecords

    request = rf.post("/anything/")
    request.user = admin_user
    HistoricalRecords.context.request = request
    try:
        with pytest.raises(PermissionDenied), transaction.atomic():
            staff_user.groups.add(group(roles.AUDITOR))
        with pytest.raises(PermissionDenied), transaction.atomic():
            group(roles.CUSTODIAN).user_set.add(staff_user)
        staff_user.groups.add(group(roles.LEAD))  # a role one administrator may give
    finally:
        del HistoricalRecords.context.request
    assert set(staff_user.groups.values_list("name", flat=True)) == {roles.STAFF, roles.LEAD}


@pytest.mark.parametrize("role", [roles.AUDITOR, roles.CUSTODIAN])
def test_the_role_needs_a_second_administrator(
    admin_client, admin_user, second_admin, staff_user, role
):
    response = admin_client.post(
        reverse("admin:auth_user_change", args=[staff_user.pk]),
        user_form(staff_user, groups=[group(roles.STAFF).pk, group(role).pk]),
    )
    assert response.status_code == 302, response.content[:2000]
    assert not staff_user.groups.filter(name=role).exists()  # not yet
    from vipcn.models import RoleGrant

    grant = RoleGrant.objects.get(user=staff_user, role=role)
    assert grant.status == RoleGrant.Status.PENDING and grant.requested_by == admin_user
    requested = AccessLogEntry.objects.get(action=Action.ROLE_GRANT_REQUESTED)
    assert requested.user == admin_user and requested.object_id == str(staff_user.pk)

    # The one who asked cannot confirm.
    changelist = reverse("admin:vipcn_rolegrant_changelist")
    admin_client.post(changelist, {"action": "confirm_grants", "_selected_action": [grant.pk]})
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.PENDING
    assert not staff_user.groups.filter(name=role).exists()

    # A second administrator does.
    other = login_as(Client(), second_admin)
    response = other.post(changelist, {"action": "confirm_grants", "_selected_action": [grant.pk]})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.CONFIRMED and grant.decided_by == second_admin
    assert staff_user.groups.filter(name=role).exists()
    confirmed = AccessLogEntry.objects.get(action=Action.ROLE_GRANT_CONFIRMED)
    assert confirmed.user == second_admin and confirmed.object_id == str(staff_user.pk)
    assert admin_user.username in confirmed.detail and second_admin.username in confirmed.detail


def test_the_user_themselves_cannot_confirm(admin_user, second_admin):
    from vipcn.security import duties

    grant = duties.role_grant_request(user=second_admin, role=roles.AUDITOR, actor=admin_user)
    with pytest.raises(ValidationError):
        duties.role_grant_confirm(grant=grant, actor=second_admin)
    assert not second_admin.groups.filter(name=roles.AUDITOR).exists()
    with pytest.raises(ValidationError):
        duties.role_grant_request(user=admin_user, role=roles.AUDITOR, actor=admin_user)


def test_a_refused_request_gives_nothing(admin_user, second_admin, staff_user):
    from vipcn.security import duties

    grant = duties.role_grant_request(user=staff_user, role=roles.CUSTODIAN, actor=admin_user)
    duties.role_grant_refuse(grant=grant, actor=second_admin)
    with pytest.raises(ValidationError):
        duties.role_grant_confirm(grant=grant, actor=second_admin)
    assert not staff_user.groups.filter(name=roles.CUSTODIAN).exists()
    assert AccessLogEntry.objects.filter(action=Action.ROLE_GRANT_REFUSED).count() == 1


def test_other_roles_need_one_administrator(admin_client, staff_user):
    from vipcn.models import RoleGrant

    response = admin_client.post(
        reverse("admin:auth_user_change", args=[staff_user.pk]),
        user_form(staff_user, groups=[group(roles.STAFF).pk, group(roles.LEAD).pk]),
    )
    assert response.status_code == 302
    assert staff_user.groups.filter(name=roles.LEAD).exists()
    assert not RoleGrant.objects.exists()


def test_roles_cannot_be_renamed_or_repermissioned_in_the_admin(admin_client):
    auditor = group(roles.AUDITOR)
    response = admin_client.post(
        reverse("admin:auth_group_change", args=[group(roles.ADMINISTRATOR).pk]),
        {"name": roles.AUDITOR, "permissions": []},
    )
    assert response.status_code == 403
    assert Group.objects.get(pk=auditor.pk).name == roles.AUDITOR
    assert group(roles.ADMINISTRATOR).permissions.exists()
    assert admin_client.get(reverse("admin:auth_group_add")).status_code == 403


def test_the_server_command_line_grants_and_logs(staff_user):
    call_command("grant_role", staff_user.username, roles.AUDITOR)
    assert staff_user.groups.filter(name=roles.AUDITOR).exists()
    entry = AccessLogEntry.objects.get(action=Action.ROLE_GRANT_CONFIRMED)
    assert entry.object_id == str(staff_user.pk)
    assert "command line" in entry.detail


# --- password resets and authenticator removals ------------------------------------------------


def test_removing_an_authenticator_is_logged_naming_the_account(
    admin_client, admin_user, staff_user
):
    device = TOTPDevice.objects.create(user=staff_user, name="phone", confirmed=True)
    response = admin_client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    entry = AccessLogEntry.objects.get(action=Action.MFA_REMOVED)
    assert entry.user == admin_user
    assert entry.object_type == "user" and entry.object_id == str(staff_user.pk)
    assert staff_user.username in entry.detail


def test_removing_recovery_codes_is_logged_too(admin_client, staff_user):
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=staff_user, name="recovery codes", confirmed=True)
    admin_client.post(
        reverse("admin:otp_static_staticdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    entry = AccessLogEntry.objects.get(action=Action.MFA_REMOVED)
    assert entry.object_id == str(staff_user.pk) and "recovery codes" in entry.detail


def test_no_one_plants_an_authenticator_in_the_admin(admin_client, staff_user):
    assert admin_client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:otp_totp_totpdevice_add"),
        {"user": staff_user.pk, "name": "planted", "confirmed": "on", "key": "00" * 20},
    )
    assert response.status_code == 403
    assert not TOTPDevice.objects.filter(user=staff_user).exists()
    from django_otp.plugins.otp_static.models import StaticDevice

    assert admin_client.get(reverse("admin:otp_static_staticdevice_add")).status_code == 403
    assert not StaticDevice.objects.filter(user=staff_user).exists()
