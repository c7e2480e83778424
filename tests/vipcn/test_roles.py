import pytest
from django.contrib.auth.models import Group

from vipcn import roles


@pytest.mark.django_db
def test_the_four_role_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,has,lacks",
    [
        (
            roles.STAFF,
            ["candidates.add_candidate", "deliveries.view_cncase"],
            ["candidates.delete_candidate", "auth.change_user"],
        ),
        (
            roles.LEAD,
            ["candidates.change_candidate", "deliveries.change_cncase"],
            ["deliveries.delete_cncase", "auth.add_user"],
        ),
        (
            roles.MANAGER,
            ["candidates.view_candidate", "deliveries.view_deliveryattempt"],
            ["candidates.add_candidate", "deliveries.change_cncase"],
        ),
        (roles.ADMINISTRATOR, ["auth.change_user", "deliveries.change_penalty"], []),
    ],
)
def test_role_permissions(role, has, lacks):
    perms = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=role).permissions.select_related("content_type")
    }
    for perm in has:
        assert perm in perms, perm
    for perm in lacks:
        assert perm not in perms, perm
