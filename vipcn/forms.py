from django import forms
from django.contrib.auth import get_user_model
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

    def clean_username(self):
        # AuthenticationForm sets max_length after init, so no validator enforces it; an
        # over-long name would reach authentication and the lockout records. Refuse it with
        # the same words as a wrong password (nothing learned about accounts).
        username = self.cleaned_data.get("username") or ""
        limit = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length
        if len(username) > limit:
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )
        return username
