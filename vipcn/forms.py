from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class NoticeAuthenticationForm(AuthenticationForm):
    """Login form that requires the user to acknowledge the system-use notice (CJIS AC-8)."""

    acknowledge = forms.BooleanField(
        label=_(
            "I understand that this system holds criminal-justice information, that my use "
            "is monitored and recorded, and that unauthorized use is prohibited."
        ),
        required=True,
        error_messages={
            "required": _("You must acknowledge the system-use notice before logging in.")
        },
    )
