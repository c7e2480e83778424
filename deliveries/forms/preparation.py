"""Forms for preparing a CN case: input shape and cleaning only (rules are in the policy).

Every form carries the case's ``version`` (hidden) so a stale save is refused by the service.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliveries.letters import ordered_languages
from deliveries.models import (
    GuardianContact,
    JuvenileDecision,
    LetterTemplate,
    Penalty,
    Personnel,
    TeamAssignment,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseForm(forms.Form):
    """Base: a hidden version, and a crispy helper posting to the step's own URL."""

    submit_label = _("Save")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, case, action="", **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        # Several of these forms share the case page: ids unique per form, so each label
        # names its own field (field names, and so the posted data, are unchanged).
        kwargs.setdefault("auto_id", f"id_{type(self).__name__.lower()}_%s")
        super().__init__(*args, **kwargs)
        self.case = case
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("submit", self.submit_label))


class _NotInFuture:
    def _not_future(self, name):
        value = self.cleaned_data.get(name)
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class CompletedCheckForm(_NotInFuture, CaseForm):
    """Threat assessment (P-THREAT) or background check (P-BACKGROUND)."""

    completed_by = forms.CharField(label=_("Completed by"), max_length=200)
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE_WIDGET)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))

    def clean_completed_on(self):
        return self._not_future("completed_on")


class LetterDraftForm(CaseForm):
    submit_label = _("Save as a new version")
    template = forms.ModelChoiceField(label=_("Template"), queryset=LetterTemplate.objects.none())
    penalties = forms.ModelMultipleChoiceField(
        label=_("Penalties that apply to the candidate"),
        queryset=Penalty.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    body = forms.CharField(
        label=_("Letter text (optional)"),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        help_text=_(
            "The text with its placeholders: {{ penalties }} is where the penalties chosen "
            "above are listed, each with its plain-language description, when the version is "
            "saved. Leave empty to start from the template."
        ),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        order = ordered_languages(case.candidate.preferred_language)
        templates = list(LetterTemplate.objects.filter(is_active=True))
        templates.sort(key=lambda t: (order.index(t.language), t.name))
        field = self.fields["template"]
        field.queryset = LetterTemplate.objects.filter(is_active=True)
        field.choices = [("", "---------")] + [(t.pk, str(t)) for t in templates]
        if templates and "template" not in self.initial:
            self.initial["template"] = templates[0].pk
        language = case.candidate.preferred_language
        # Each penalty as the letter will say it: the statute and its plain-language words.
        self.fields["penalties"].label_from_instance = lambda p: (
            "%s: %s"
            % (
                p.statute,
                p.description_in(language),
            )
        )


class LetterAcceptForm(CaseForm):
    submit_label = _("Accept this version (final)")
    letter = forms.IntegerField(widget=forms.HiddenInput)


class NoLetterForm(CaseForm):
    submit_label = _("Record that no letter is warranted")
    reason = forms.CharField(
        label=_("Why no letter is warranted"), widget=forms.Textarea(attrs={"rows": 3})
    )


class TeamMemberForm(CaseForm):
    submit_label = _("Add to the team")
    personnel = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Personnel.objects.filter(is_active=True).select_related("rank"),
    )
    role = forms.ChoiceField(label=_("Role"), choices=TeamAssignment.Role.choices)


class TeamRemoveForm(CaseForm):
    submit_label = _("Remove")
    member = forms.IntegerField(widget=forms.HiddenInput)


class SocialServicesForm(CaseForm):
    organization = forms.CharField(label=_("Provider organisation"), max_length=200)
    contact_person = forms.CharField(label=_("Contact person"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class JPOCheckForm(_NotInFuture, CaseForm):
    contacted_on = forms.DateField(label=_("Date contacted"), widget=DATE_WIDGET)
    jpo_contact = forms.CharField(label=_("JPO contact"), max_length=200)
    on_probation = forms.TypedChoiceField(
        label=_("On probation"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    probation_officer = forms.CharField(
        label=_("Probation officer"), max_length=200, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_contacted_on(self):
        return self._not_future("contacted_on")


class JuvenileDecisionForm(CaseForm):
    submit_label = _("Record the decision")
    decision = forms.ChoiceField(
        label=_("Decision"), choices=JuvenileDecision.Decision.choices, widget=forms.RadioSelect
    )
    services_status = forms.CharField(
        label=_("Status of services to the juvenile"), widget=forms.Textarea(attrs={"rows": 3})
    )
    probation_relationship = forms.CharField(
        label=_("Status of the probation officer's relationship with the juvenile"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class _GuardianChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class GuardianContactForm(_NotInFuture, CaseForm):
    submit_label = _("Record the contact attempt")
    guardian = _GuardianChoice(label=_("Parent or guardian"), queryset=None)
    attempted_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    method = forms.ChoiceField(label=_("Method"), choices=GuardianContact.Method.choices)
    result = forms.ChoiceField(label=_("Result"), choices=GuardianContact.Result.choices)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args, case, guardians, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["guardian"].queryset = guardians

    def clean_attempted_on(self):
        return self._not_future("attempted_on")


class PlannedGuardianForm(CaseForm):
    submit_label = _("Plan this person to be present")
    guardian = _GuardianChoice(label=_("Parent or guardian planned to be present"), queryset=None)

    def __init__(self, *args, case, guardians, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["guardian"].queryset = guardians
        if case.planned_guardian_id:
            self.initial.setdefault("guardian", case.planned_guardian_id)


class ApproveForm(CaseForm):
    submit_label = _("Approve for delivery")


class WithdrawForm(CaseForm):
    submit_label = _("Withdraw the case")
    reason = forms.CharField(
        label=_("Why the case is withdrawn"), widget=forms.Textarea(attrs={"rows": 3})
    )


class OpenCaseForm(forms.Form):
    """Opening a case: who on the VIP staff works it."""

    assigned_to = forms.ModelChoiceField(
        label=_("Assigned VIP staff member"), queryset=None, required=False
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = users
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Open the CN case")))
