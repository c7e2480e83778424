"""Recovery codes: ten single-use codes per account (django-otp's static device), shown to the
user once when they are made, usable instead of an authenticator code. Making new ones
replaces all the old ones."""

import re

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "recovery codes"
CODE_FORMAT = re.compile(r"^[a-z2-7]{8}$")  # StaticToken.random_token(): 8 base32 characters


def normalise(code):
    """What the user typed, as stored: spaces and hyphens dropped, lower case."""
    return re.sub(r"[\s-]", "", code or "").lower()


def recovery_device(user, *, for_update=False):
    devices = StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    if for_update:
        devices = devices.select_for_update()
    return devices.first()


def codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def make_new_codes(user):
    """Replace every recovery code of ``user`` with ten new ones; returns them (shown once)."""
    with transaction.atomic():
        device = recovery_device(user, for_update=True)
        if device is None:
            device = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        StaticToken.objects.filter(device__user=user).delete()
        codes = set()
        while len(codes) < RECOVERY_CODE_COUNT:
            codes.add(StaticToken.random_token())
        codes = sorted(codes)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes
