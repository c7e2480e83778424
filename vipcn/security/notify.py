"""Tell an account holder, by email, of a change to how their account signs in.

Sent after the change commits (no message for a step that was rolled back), in the holder's
language, plain: what happened, when, from which address, and whom to call. Never a secret,
code or link that signs in.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from vipcn.security.client_ip import client_ip

ENROLLED = "enrolled"
RECOVERY_CODE_USED = "recovery_code_used"


def _language(user):
    profile = getattr(user, "profile", None)  # a missing profile reads as None
    return (profile.language if profile else "") or settings.LANGUAGE_CODE


def _message(event, *, username, when, address, left):
    subject = {
        ENROLLED: _("VIP CN: a new authenticator app was set up for your account"),
        RECOVERY_CODE_USED: _("VIP CN: a recovery code was used to sign in to your account"),
    }[event]
    what = {
        ENROLLED: _(
            "A new authenticator app was set up for your VIP CN account %(username)s on "
            "%(when)s, from the address %(address)s. Any earlier authenticator app of this "
            "account no longer works, and new recovery codes replaced the old ones."
        ),
        RECOVERY_CODE_USED: _(
            "Someone signed in to your VIP CN account %(username)s with a recovery code "
            "instead of an authenticator code on %(when)s, from the address %(address)s. "
            "Recovery codes left: %(left)d."
        ),
    }[event] % {"username": username, "when": when, "address": address, "left": left}
    warning = _(
        "If this was you, there is nothing more to do. If it was not, call a VIP CN "
        "administrator at once: someone knows your password."
    )
    return subject, f"{what}\n\n{warning}\n"


def tell_account_holder(event, *, user, request, left=0):
    """Email ``user`` about ``event`` once the current transaction commits."""
    if not user.email:
        return
    address = client_ip(request) or "-"
    at = timezone.localtime()
    language = _language(user)

    def send():
        with translation.override(language):
            subject, body = _message(
                event,
                username=user.get_username(),
                when=formats.date_format(at, "DATETIME_FORMAT"),
                address=address,
                left=left,
            )
        EmailMessage(subject=subject, body=body, to=[user.email]).send()

    transaction.on_commit(send, robust=True)
