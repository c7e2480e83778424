"""Demo users, one per role. Synthetic only; the run command prints their credentials."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from vipcn import roles

DEMO_PASSWORD = "vipcn-demo-password"  # noqa: S105 - demo mode only, printed on purpose.

DEMO_USERS = [
    # username, first, last, role
    ("staff", "Sam", "Staffer", roles.STAFF),
    ("lead", "Lee", "Leader", roles.LEAD),
    ("manager", "Morgan", "Manager", roles.MANAGER),
    ("admin", "Alex", "Admin", roles.ADMINISTRATOR),
]


def seed_users():
    """Create the demo users if missing; return {username: user}."""
    User = get_user_model()
    users = {}
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role == roles.ADMINISTRATOR
            user.is_superuser = role == roles.ADMINISTRATOR
            user.save()
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users
