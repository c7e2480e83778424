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
    _sealed_record(users["custodian"])


def _sealed_record(custodian):
    """A juvenile record sealed the way a custodian seals one (vipcn.security.custodian)."""
    import datetime

    from django.utils import timezone

    from candidates.models import Candidate
    from vipcn.security.custodian import record_seal

    if Candidate.objects.filter(sealed=True, last_name="Sealedrecord").exists():
        return
    today = timezone.localdate()
    candidate = Candidate.objects.create(
        first_name="Jordan",
        last_name="Sealedrecord",
        date_of_birth=today.replace(year=today.year - 16) - datetime.timedelta(days=40),
        sex=Candidate.Sex.MALE,
        notes="Synthetic demo record, sealed by a (fictional) court order.",
    )
    record_seal(
        actor=custodian,
        candidate_pk=candidate.pk,
        order_reference="D-202-JQ-2026-00001 (fictional)",
        order_date=today - datetime.timedelta(days=7),
        reason="Demo: sealing order of the children's court (fictional).",
    )
