"""Forms of the Records Custodian's sealing procedure (vipcn.security.custodian)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vipcn.security.custodian import MIN_REASON_LENGTH

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FindRecordForm(forms.Form):
    """A court order names the person: find the record by number, or last name and birth."""

    record_number = forms.IntegerField(label=_("record number"), required=False, min_value=1)
    last_name = forms.CharField(label=_("last name"), required=False, max_length=100)
    date_of_birth = forms.DateField(label=_("date of birth"), required=False, widget=DATE)

    def clean(self):
        cleaned = super().clean()
        by_name = cleaned.get("last_name") and cleaned.get("date_of_birth")
        if not cleaned.get("record_number") and not by_name and not self.errors:
            raise forms.ValidationError(
                _("Give the record number, or the last name and the date of birth together.")
            )
        return cleaned


class SealForm(forms.Form):
    order_reference = forms.CharField(
        label=_("court order reference"),
        max_length=100,
        help_text=_("The court's docket number for the sealing order."),
    )
    order_date = forms.DateField(label=_("date of the court order"), widget=DATE)
    reason = forms.CharField(
        label=_("reason"),
        min_length=MIN_REASON_LENGTH,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the order requires, in your words. Logged with your name."),
    )


class UnsealForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        min_length=MIN_REASON_LENGTH,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the record is unsealed (a court order, or a sealing made in error)."),
    )
    order_reference = forms.CharField(
        label=_("court order reference"), max_length=100, required=False
    )
    order_date = forms.DateField(label=_("date of the court order"), required=False, widget=DATE)
