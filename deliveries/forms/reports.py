"""Filter forms of the report pages: shape and clean the query string, nothing else."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from candidates.models import Candidate, IdentificationBasis
from deliveries.models import CNCase, DeliveryAttempt
from deliveries.selectors.reports import WAITING_RULE_IDS, default_period

BLANK = [("", "—")]
YES_NO = BLANK + [("yes", _("Yes")), ("no", _("No"))]


class PeriodForm(forms.Form):
    """A period [start, end]; defaults to the last twelve months. Never more than ten years."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))

    def clean(self):
        data = super().clean()
        default_start, default_end = default_period()
        start = data.get("start") or default_start
        end = data.get("end") or default_end
        if start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        if (end - start).days > 3660:
            raise forms.ValidationError(_("Choose a period of ten years or less."))
        data["start"], data["end"] = start, end
        return data

    def period(self):
        """(start, end) from valid input, else the default period."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return default_period()


class CaseFilterForm(forms.Form):
    """The filters behind every figure on the dashboard (reports:cases?...)."""

    QUEUES = BLANK + [
        ("approval", _("Awaiting approval")),
        ("ready", _("Approved, not yet attempted")),
        ("after_action", _("Awaiting after-action or confirmation")),
        ("overdue", _("After-action overdue")),
        ("juvenile", _("Juvenile waiting on JPO or guardian")),
    ]

    number = forms.CharField(label=_("Case number"), required=False, max_length=20)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=BLANK + CNCase.State.choices
    )
    queue = forms.ChoiceField(label=_("Queue"), required=False, choices=QUEUES)
    waiting = forms.ChoiceField(
        label=_("Waiting for"),
        required=False,
        choices=BLANK + [(r, r) for r in WAITING_RULE_IDS],
    )
    start = forms.DateField(
        label=_("Attempt from"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(
        label=_("Attempt to"), required=False, widget=forms.DateInput({"type": "date"})
    )
    month = forms.RegexField(
        label=_("Attempt month (YYYY-MM)"), required=False, regex=r"^\d{4}-(0[1-9]|1[0-2])$"
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=BLANK + DeliveryAttempt.Outcome.choices
    )
    delivered = forms.ChoiceField(label=_("CN delivered"), required=False, choices=YES_NO)
    age = forms.ChoiceField(
        label=_("Age group at the attempt"),
        required=False,
        choices=BLANK + [("adult", _("Adult")), ("juvenile", _("Juvenile"))],
    )
    basis = forms.ChoiceField(
        label=_("Identification basis"),
        required=False,
        choices=BLANK + IdentificationBasis.Code.choices,
    )
    referral = forms.ChoiceField(
        label=_("Referral source"),
        required=False,
        choices=BLANK + IdentificationBasis.ReferralSource.choices,
    )
    social = forms.ChoiceField(
        label=_("Social services on scene"),
        required=False,
        choices=BLANK + [("yes", _("Yes")), ("no", _("No")), ("unrecorded", _("Not recorded"))],
    )
    followup = forms.ChoiceField(
        label=_("Follow-up services"),
        required=False,
        choices=BLANK + [("accepted", _("Accepted"))],
    )

    ATTEMPT_FIELDS = ("outcome", "delivered", "age", "social", "followup", "month")

    def clean_month(self):
        value = self.cleaned_data.get("month")
        if not value:
            return None
        year, month = (int(p) for p in value.split("-"))
        return datetime.date(year, month, 1)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return data

    def active_filters(self):
        """The filters in use, as strings (for the export record and the page heading)."""
        if not self.is_valid():
            return {}
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}


class CandidateFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=BLANK + Candidate.Status.choices
    )
    basis = forms.ChoiceField(
        label=_("Identification basis"),
        required=False,
        choices=BLANK + IdentificationBasis.Code.choices,
    )
    juvenile = forms.ChoiceField(label=_("Juvenile"), required=False, choices=YES_NO)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def active_filters(self):
        if not self.is_valid():
            return {}
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "", False)}
