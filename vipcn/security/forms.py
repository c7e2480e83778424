from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class RecoveryCodeForm(forms.Form):
    """One of the ten recovery codes, instead of an authenticator code."""

    token = forms.CharField(
        label=_("Recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )

    def clean_token(self):
        from vipcn.security.recovery import CODE_FORMAT, normalise

        code = normalise(self.cleaned_data["token"])
        if not CODE_FORMAT.match(code):
            raise forms.ValidationError(
                _("Enter one of your recovery codes: eight letters and digits.")
            )
        return code


class SealedRecordReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to open this sealed record?"),
        help_text=_("Name the court order, request or duty that requires it. This is logged."),
        min_length=10,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
