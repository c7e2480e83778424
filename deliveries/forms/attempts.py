"""Forms of the delivery step: shape and clean only; the SOP rules live in the policy.

The attempt form groups fields by outcome in fieldsets marked ``data-outcomes``;
static/deliveries/js/attempt_form.js shows only the ones that apply. Nothing posted is dropped:
a record that contradicts itself (a delivery the person ended, a recipient on an attempt that
met no one) is refused by the rules, which say what to correct (C-CONSENT, C-LEAVE, C-ALT...).
"""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Relationship
from deliveries.models import AfterAction, AttemptTeamMember, DeliveryAttempt, FollowUp, Personnel
from deliveries.policy.delivery import ALTERNATE_KINDS, FIELD_RULES, TeamEntry
from deliveries.services.delivery import ATTEMPT_FIELDS

Outcome = DeliveryAttempt.Outcome
Role = AttemptTeamMember.Role

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# Clocks of phones and servers differ a little; more than this in the future is a typo.
CLOCK_SLACK = datetime.timedelta(minutes=10)

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _datetime_field(label, required=True):
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def _yes_no(label, required=False):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
    )


def _names(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class _FieldsetsForm(forms.Form):
    # 0: nothing saved yet when the form was loaded (a new attempt or after-action).
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": _("The form is incomplete; reload the page and try again.")},
    )

    def not_in_future(self, name):
        value = self.cleaned_data.get(name)
        if value and value > timezone.now() + CLOCK_SLACK:
            self.add_error(name, _("This time is in the future; check the date and time."))


class AttemptForm(_FieldsetsForm):
    contact_at = _datetime_field(_("Time of contact (or of the attempt)"))
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        help_text=_("Where the attempt took place, if not the planned address."),
    )
    ecc_advised_at = _datetime_field(_("ECC advised at"), required=False)
    ecc_advised_by = forms.CharField(label=_("ECC advised by"), max_length=200, required=False)
    ecc_told_location = forms.BooleanField(label=_("ECC given the location"), required=False)
    ecc_told_team = forms.BooleanField(label=_("ECC given the team members"), required=False)
    ecc_told_identity = forms.BooleanField(
        label=_("ECC given the candidate's identity"), required=False
    )
    lead = forms.ModelChoiceField(
        label=_("VIP Law Enforcement Lead present"),
        queryset=Personnel.objects.none(),
        required=False,
    )
    deliverers = forms.ModelMultipleChoiceField(
        label=_("Deliverers present"), queryset=Personnel.objects.none(), required=False
    )
    accompanying = forms.ModelMultipleChoiceField(
        label=_("Accompanying officers present"),
        queryset=Personnel.objects.none(),
        required=False,
        help_text=_("Officers not yet eligible to deliver; only with the Lead on the team."),
    )
    social_services_names = forms.CharField(
        label=_("Social services present"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One name per line."),
    )
    messenger_names = forms.CharField(
        label=_("Community or faith messengers present"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One name per line."),
    )
    outcome = forms.ChoiceField(
        label=_("What happened"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    message_delivered = _yes_no(_("Was the GVI message delivered?"))
    letter_presented = forms.BooleanField(
        label=_("The accepted letter was presented"), required=False
    )
    alternate_recipient = forms.ModelChoiceField(
        label=_("Alternate recipient"), queryset=Relationship.objects.none(), required=False
    )
    new_alternate_name = forms.CharField(
        label=_("…or add a person: name"), max_length=200, required=False
    )
    new_alternate_kind = forms.ChoiceField(
        label=_("Their relationship to the candidate"),
        choices=[("", "---------")]
        + [(k, label) for k, label in Relationship.Kind.choices if k in ALTERNATE_KINDS],
        required=False,
    )
    alternate_reason = forms.CharField(
        label=_("Why delivering to them was warranted"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    guardian_present = forms.ModelChoiceField(
        label=_("Parent or guardian present"), queryset=Relationship.objects.none(), required=False
    )
    new_guardian_name = forms.CharField(
        label=_("…or add a parent or guardian: name"), max_length=200, required=False
    )
    new_guardian_kind = forms.ChoiceField(
        label=_("Their relationship to the candidate"),
        choices=[("", "---------")]
        + [(k, label) for k, label in Relationship.Kind.choices if k in ("parent", "guardian")],
        required=False,
    )
    ended_how = forms.ChoiceField(
        label=_("How the person ended the encounter"),
        choices=DeliveryAttempt.EndedHow.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    team_left_immediately = forms.BooleanField(label=_("The team left at once"), required=False)
    abort_reason = forms.CharField(
        label=_("Why the attempt was aborted"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    social_services_delivered = _yes_no(
        _("Did the social services component deliver its message and resources?")
    )
    social_services_reason = forms.CharField(
        label=_("If not, why not"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # The Lead records a field rule broken in the encounter truthfully, with why
    # (requirements.md, "record what happened"); it never counts as compliant.
    exception_c_ecc = forms.CharField(
        label=_("The ECC was not advised before contact (C-ECC): what happened and why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    exception_c_leave = forms.CharField(
        label=_("The team did not leave at once (C-LEAVE): what happened and why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    exception_j_guardian = forms.CharField(
        label=_("No parent or guardian was present (J-GUARDIAN): what happened and why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    EXCEPTION_FIELDS = {
        "C-ECC": "exception_c_ecc",
        "C-LEAVE": "exception_c_leave",
        "J-GUARDIAN": "exception_j_guardian",
    }

    def __init__(
        self, *args, case, juvenile, has_letter, submit_label, may_record_exceptions=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.case = case
        self.may_record_exceptions = may_record_exceptions
        assert set(self.EXCEPTION_FIELDS) == set(FIELD_RULES)
        if not may_record_exceptions:
            for name in self.EXCEPTION_FIELDS.values():
                del self.fields[name]
        elif not juvenile:
            del self.fields["exception_j_guardian"]
        officers = Personnel.objects.filter(is_active=True).select_related("rank")
        self.fields["lead"].queryset = officers.filter(is_vip_lead=True)
        self.fields["deliverers"].queryset = officers
        self.fields["accompanying"].queryset = officers
        relationships = Relationship.objects.filter(candidate=case.candidate)
        self.fields["alternate_recipient"].queryset = relationships.filter(kind__in=ALTERNATE_KINDS)
        self.fields["guardian_present"].queryset = relationships.filter(
            kind__in=Relationship.PARENT_OR_GUARDIAN_KINDS
        )
        if not has_letter:
            del self.fields["letter_presented"]
        if not juvenile:
            for name in ("guardian_present", "new_guardian_name", "new_guardian_kind"):
                del self.fields[name]
        self.helper = self._helper(juvenile, has_letter, submit_label)

    def _helper(self, juvenile, has_letter, submit_label):
        helper = FormHelper()
        helper.attrs = {"data-attempt-form": "", "novalidate": ""}
        exceptions = [n for n in self.EXCEPTION_FIELDS.values() if n in self.fields]
        contact = " ".join(DeliveryAttempt.CONTACT_OUTCOMES)
        result = [Field("message_delivered")]
        if has_letter:
            result.append(Field("letter_presented"))
        parts = [
            Fieldset(_("When and where"), "contact_at", "address"),
            Fieldset(
                _("ECC advised before contact (C-ECC)"),
                "ecc_advised_at",
                "ecc_advised_by",
                "ecc_told_location",
                "ecc_told_team",
                "ecc_told_identity",
            ),
            Fieldset(
                _("Team present"),
                "lead",
                "deliverers",
                "accompanying",
                "social_services_names",
                "messenger_names",
            ),
            Fieldset(_("Outcome"), Field("outcome", wrapper_class="outcome-choice")),
            Fieldset(_("The message (C-DELIVER)"), *result, data_outcomes=contact),
            Fieldset(
                _("Alternate recipient (C-ALT)"),
                "alternate_recipient",
                Div(
                    Div("new_alternate_name", css_class="col-sm-7"),
                    Div("new_alternate_kind", css_class="col-sm-5"),
                    css_class="row",
                ),
                "alternate_reason",
                data_outcomes=Outcome.ALTERNATE,
            ),
        ]
        if juvenile:
            parts.append(
                Fieldset(
                    _("Parent or guardian present (C-GUARD, J-GUARDIAN)"),
                    HTML(
                        "<p class='small text-body-secondary'>"
                        + str(
                            _(
                                "A juvenile's CN is never delivered without a parent or "
                                "guardian present."
                            )
                        )
                        + "</p>"
                    ),
                    "guardian_present",
                    Div(
                        Div("new_guardian_name", css_class="col-sm-7"),
                        Div("new_guardian_kind", css_class="col-sm-5"),
                        css_class="row",
                    ),
                    # J-GUARDIAN also when the juvenile ended it after the message.
                    data_outcomes=contact,
                )
            )
        parts += [
            Fieldset(
                _("Ended by the candidate (C-LEAVE, C-CONSENT)"),
                "ended_how",
                "team_left_immediately",
                data_outcomes=Outcome.ENDED_BY_CANDIDATE,
            ),
            Fieldset(_("Aborted"), "abort_reason", data_outcomes=Outcome.ABORTED),
            Fieldset(
                _("Social services on scene (C-SOCIAL)"),
                "social_services_delivered",
                Div("social_services_reason", data_shown_when_no="social_services_delivered"),
                data_outcomes=contact,
            ),
            Fieldset("", "notes"),
        ]
        if exceptions:
            parts.append(
                Fieldset(
                    _("Field rules broken in the encounter (the Lead only)"),
                    HTML(
                        "<p class='small text-body-secondary'>"
                        + str(
                            _(
                                "Only for what did happen in this encounter: the attempt is "
                                "then recorded as an exception, the rule shown as not met in "
                                "the compliance audit, and the Program Manager is told. "
                                "Preparation rules are never excepted."
                            )
                        )
                        + "</p>"
                    ),
                    *exceptions,
                )
            )
        parts += [
            "version",
            Submit("save", submit_label, css_class="btn-field"),
        ]
        helper.layout = Layout(*parts)
        return helper

    def clean(self):
        data = super().clean()
        self.not_in_future("contact_at")
        self.not_in_future("ecc_advised_at")
        outcome = data.get("outcome")
        if outcome in DeliveryAttempt.CONTACT_OUTCOMES and data.get("message_delivered") is None:
            self.add_error("message_delivered", _("Say whether the GVI message was delivered."))
        self._pair("alternate_recipient", "new_alternate_name", "new_alternate_kind")
        self._pair("guardian_present", "new_guardian_name", "new_guardian_kind")
        self._clean_team()
        return data

    def _pair(self, existing, new_name, new_kind):
        data = self.cleaned_data
        if new_name not in self.fields:
            return
        name, kind = (data.get(new_name) or "").strip(), data.get(new_kind) or ""
        if name and data.get(existing):
            self.add_error(new_name, _("Choose a person from the list or add one, not both."))
        elif name and not kind:
            self.add_error(new_kind, _("Say how this person is related to the candidate."))
        elif kind and not name:
            self.add_error(new_name, _("Give this person's name."))

    def _clean_team(self):
        data = self.cleaned_data
        seen = {}
        people = []
        if data.get("lead"):
            people.append(data["lead"])
        people += list(data.get("deliverers") or []) + list(data.get("accompanying") or [])
        for person in people:
            if person.pk in seen:
                self.add_error(
                    "deliverers",
                    _("%(name)s is listed in more than one role; choose one.")
                    % {"name": person.full_name},
                )
            seen[person.pk] = True

    def exceptions(self):
        """{field rule ID: the Lead's explanation} for each exception written."""
        return {
            rule_id: self.cleaned_data[name].strip()
            for rule_id, name in self.EXCEPTION_FIELDS.items()
            if name in self.fields and (self.cleaned_data.get(name) or "").strip()
        }

    def team_entries(self):
        data = self.cleaned_data
        team = []
        if data.get("lead"):
            team.append(TeamEntry(Role.LEAD, data["lead"]))
        team += [TeamEntry(Role.DELIVERER, p) for p in data.get("deliverers") or []]
        team += [TeamEntry(Role.ACCOMPANYING, p) for p in data.get("accompanying") or []]
        team += [
            TeamEntry(Role.SOCIAL_SERVICES, name=n)
            for n in _names(data.get("social_services_names"))
        ]
        team += [TeamEntry(Role.MESSENGER, name=n) for n in _names(data.get("messenger_names"))]
        return team

    def attempt_data(self):
        data = self.cleaned_data
        fields = {name: data.get(name) for name in ATTEMPT_FIELDS}
        fields["message_delivered"] = bool(fields["message_delivered"])
        if (data.get("new_alternate_name") or "").strip():
            fields["new_alternate"] = {
                "name": data["new_alternate_name"].strip(),
                "kind": data["new_alternate_kind"],
            }
        if (data.get("new_guardian_name") or "").strip():
            fields["new_guardian"] = {
                "name": data["new_guardian_name"].strip(),
                "kind": data["new_guardian_kind"],
            }
        return fields

    @classmethod
    def initial_for_case(cls, case):
        """Defaults for a new attempt: the planned team, address and guardian."""
        address = case.candidate.addresses.filter(is_delivery_address=True).first()
        initial = {"address": str(address) if address else "", "version": 0}
        planned = list(case.team.select_related("personnel"))
        initial["lead"] = next((t.personnel for t in planned if t.role == Role.LEAD), None)
        initial["deliverers"] = [t.personnel for t in planned if t.role == Role.DELIVERER]
        initial["accompanying"] = [t.personnel for t in planned if t.role == Role.ACCOMPANYING]
        plan = getattr(case, "social_services", None)
        if plan is not None:
            initial["social_services_names"] = plan.contact_person
        if case.planned_guardian_id:
            initial["guardian_present"] = case.planned_guardian
        return initial

    @classmethod
    def initial_for_attempt(cls, attempt):
        explained = dict(attempt.exceptions.values_list("rule_id", "explanation"))
        initial = {
            name: getattr(attempt, name)
            for name in (
                "contact_at",
                "address",
                "ecc_advised_at",
                "ecc_advised_by",
                "ecc_told_location",
                "ecc_told_team",
                "ecc_told_identity",
                "outcome",
                "team_left_immediately",
                "ended_how",
                "abort_reason",
                "alternate_recipient",
                "alternate_reason",
                "guardian_present",
                "social_services_reason",
                "notes",
            )
        }
        for name in ("contact_at", "ecc_advised_at"):
            if initial[name]:
                initial[name] = timezone.localtime(initial[name]).strftime(DATETIME_FORMAT)
        initial["message_delivered"] = "yes" if attempt.message_delivered else "no"
        if attempt.social_services_delivered is not None:
            initial["social_services_delivered"] = (
                "yes" if attempt.social_services_delivered else "no"
            )
        initial["letter_presented"] = attempt.letter_presented_id is not None
        initial["version"] = attempt.version
        team = list(attempt.team.all())
        initial["lead"] = next((m.personnel for m in team if m.role == Role.LEAD), None)
        initial["deliverers"] = [m.personnel for m in team if m.role == Role.DELIVERER]
        initial["accompanying"] = [m.personnel for m in team if m.role == Role.ACCOMPANYING]
        initial["social_services_names"] = "\n".join(
            m.name for m in team if m.role == Role.SOCIAL_SERVICES
        )
        initial["messenger_names"] = "\n".join(m.name for m in team if m.role == Role.MESSENGER)
        for rule_id, name in cls.EXCEPTION_FIELDS.items():
            initial[name] = explained.get(rule_id, "")
        return initial


class AfterActionForm(_FieldsetsForm):
    ecc_outcome_advised_at = _datetime_field(_("ECC advised of the outcome at"))
    ecc_outcome_advised_by = forms.CharField(label=_("ECC advised by"), max_length=200)
    cad_number = forms.CharField(
        label=_("CAD report number"),
        max_length=40,
        help_text=_("The CAD report/incident number in which the outcome is noted."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("ECC advised of the outcome (A-ECC)"),
                "ecc_outcome_advised_at",
                "ecc_outcome_advised_by",
            ),
            Fieldset(_("CAD report (A-CAD)"), "cad_number"),
            "version",
            Submit("save", _("Save the after-action"), css_class="btn-field"),
        )

    def clean(self):
        data = super().clean()
        self.not_in_future("ecc_outcome_advised_at")
        return data


class ConfirmForm(_FieldsetsForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=AfterAction.Decision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "decision",
            "note",
            "version",
            Submit("confirm", _("Confirm (A-RMS)"), css_class="btn-field"),
        )


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["followed_up_on", "services_offered", "response", "referral_made"]
        widgets = {
            "followed_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "services_offered": forms.Textarea(attrs={"rows": 3}),
            "response": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].choices = FollowUp.Response.choices
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save the follow-up")))
