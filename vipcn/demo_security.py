"""Demo users for the security roles: an auditor and a records custodian, and one sealed
juvenile record for the custodian to open. Synthetic; idempotent."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from vipcn import roles
from vipcn.demo import DEMO_PASSWORD

SECURITY_DEMO_USERS = [
    ("auditor", "Avery", "Auditor", roles.AUDITOR),
    ("custodian", "Casey", "Custodian", roles.CUSTODIAN),
]


def seed(*, users, stdout):
    User = get_user_model()
    for username, first, last, role in SECURITY_DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    _sealed_record(stdout)


def _sealed_record(stdout):
    import datetime

    from django.utils import timezone

    from candidates.models import Candidate

    if Candidate.objects.filter(sealed=True, last_name="Sealedrecord").exists():
        return
    today = timezone.localdate()
    Candidate.objects.create(
        first_name="Jordan",
        last_name="Sealedrecord",
        date_of_birth=today.replace(year=today.year - 16) - datetime.timedelta(days=40),
        sex=Candidate.Sex.MALE,
        sealed=True,
        notes="Synthetic demo record, sealed by a (fictional) court order.",
    )
