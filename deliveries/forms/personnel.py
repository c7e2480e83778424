"""Input shape for the personnel pages (2-64-6). Rules live in the policy and services."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliveries.models import ManualAccompaniment, Personnel, Training, TrainingAttendance
from vipcn.concurrency import require_version


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _helper(submit_label, method="post"):
    helper = FormHelper()
    helper.form_method = method
    helper.add_input(Submit("submit", submit_label))
    return helper


class PersonnelForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Personnel
        fields = [
            "first_name",
            "last_name",
            "badge_number",
            "rank",
            "unit",
            "is_sworn",
            "is_active",
            "is_vip_lead",
            "lead_designated_on",
            "user",
        ]
        widgets = {"lead_designated_on": DateInput()}
        help_texts = {
            "is_sworn": _("Only sworn personnel may deliver a CN (DLV-SWORN)."),
            "is_active": _("Personnel no longer active cannot be assigned to a CN."),
            "is_vip_lead": _(
                "The Deputy Chief of the Investigative Bureau or a recorded designee. The "
                "designation meets DLV-ACCOMP from its date on."
            ),
            "user": _("Only for personnel who log in to this application."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            require_version(self.fields["version"], self.instance)
        taken = Personnel.objects.exclude(pk=self.instance.pk).filter(user__isnull=False)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .exclude(pk__in=taken.values("user"))
            .order_by("username")
        )
        self.helper = _helper(_("Save"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_vip_lead") and not cleaned.get("lead_designated_on"):
            self.add_error(
                "lead_designated_on",
                _("Enter the date the person was designated VIP Law Enforcement Lead."),
            )
        return cleaned

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class TrainingAttendanceForm(forms.ModelForm):
    class Meta:
        model = TrainingAttendance
        fields = ["training", "attended_on", "evidence"]
        widgets = {"attended_on": DateInput()}
        help_texts = {
            "evidence": _("E.g. the sign-in sheet or certificate, and where it is kept."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Past attendance of a training no longer offered still counts; offered ones first.
        self.fields["training"].queryset = Training.objects.order_by("-is_active", "name")
        self.helper = _helper(_("Record training"))


class ManualAccompanimentForm(forms.ModelForm):
    class Meta:
        model = ManualAccompaniment
        fields = ["accompanied_on", "lead", "evidence"]
        widgets = {"accompanied_on": DateInput()}
        help_texts = {
            "evidence": _(
                "E.g. the CAD report number of that delivery, or the Lead's memo. A Lead "
                "must confirm the entry before it counts."
            ),
        }

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = (
            Personnel.objects.filter(is_vip_lead=True).exclude(pk=person.pk).select_related("rank")
        )
        self.helper = _helper(_("Enter accompaniment"))


class OnDateForm(forms.Form):
    """The date eligibility is evaluated on (GET)."""

    on = forms.DateField(label=_("Eligible on"), required=False, widget=DateInput())

    def on_date(self):
        if self.is_valid() and self.cleaned_data.get("on"):
            return self.cleaned_data["on"]
        return timezone.localdate()


class RosterFilterForm(OnDateForm):
    SHOW_CHOICES = [
        ("all", _("Everyone")),
        ("eligible", _("May deliver")),
        ("missing_training", _("Missing training (DLV-TRAIN)")),
        ("missing_accompaniment", _("Missing accompaniment (DLV-ACCOMP)")),
        ("command_level", _("Command level")),
        ("inactive", _("Inactive")),
        ("awaiting_confirmation", _("Accompaniment awaiting confirmation")),
    ]

    show = forms.ChoiceField(label=_("Show"), choices=SHOW_CHOICES, required=False)
    q = forms.CharField(label=_("Name, badge or unit"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-lg-auto g-2 align-items-end mb-3"
        self.helper.add_input(Submit("", _("Filter"), css_class="btn-secondary"))

    def show_value(self):
        if self.is_valid() and self.cleaned_data.get("show"):
            return self.cleaned_data["show"]
        return "all"

    def search(self):
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-lg-auto g-2 align-items-end mb-3"
        self.helper.add_input(Submit("", _("Show"), css_class="btn-secondary"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return cleaned

    def period(self):
        """(start, end): by default the twelve months up to today (or up to the end given)."""
        year = datetime.timedelta(days=365)
        end = timezone.localdate()
        if not self.is_valid():
            return end - year, end
        start = self.cleaned_data.get("date_from")
        end = self.cleaned_data.get("date_to") or max(end, start or end)
        return start or end - year, end
