"""Input shape and cleaning for the registry's pages. Rules live in candidates/policy.py; a
form only offers the choices the policy allows and reports what the service refuses."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from candidates import policy
from candidates.models import (
    Address,
    Candidate,
    Group,
    GroupMembership,
    GVISMeeting,
    IdentificationBasis,
    Relationship,
    Shooting,
    ShootingInvolvement,
    age_on,
)
from candidates.selectors import SORTS
from candidates.visibility import candidates_visible_to
from vipcn import roles
from vipcn.concurrency import require_version

MIN_AGE, MAX_AGE = 10, 100


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _helper(label, *, method="post"):
    helper = FormHelper()
    helper.form_method = method
    helper.add_input(Submit("submit", label))
    return helper


def casework_users():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[roles.STAFF, roles.LEAD])
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class CandidateChoiceField(forms.ModelChoiceField):
    """A candidate by record number (a select would not scale to the whole registry)."""

    widget = forms.NumberInput

    def __init__(self, *, user, **kwargs):
        qs = candidates_visible_to(user, Candidate.objects.exclude(status=Candidate.Status.MERGED))
        kwargs.setdefault(
            "help_text", _("The candidate's record number (shown on their page as “#”).")
        )
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("No candidate you can see has this record number.")},
        )
        super().__init__(queryset=qs, **kwargs)


class CandidateForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Candidate
        fields = [
            "first_name",
            "middle_name",
            "last_name",
            "date_of_birth",
            "sex",
            "phone",
            "rms_id",
            "preferred_language",
            "assigned_to",
            "notes",
        ]
        widgets = {"date_of_birth": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "date_of_birth": _(
                "Age and juvenile status come from the date of birth (17 or younger: juvenile). "
                "Without it the candidate cannot be determined eligible."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"] = UserChoiceField(
            queryset=casework_users(),
            required=False,
            label=capfirst(Candidate._meta.get_field("assigned_to").verbose_name),
        )
        if self.instance.pk:
            require_version(self.fields["version"], self.instance)
        self.helper = _helper(_("Save"))
        self.helper.form_tag = False

    def clean_date_of_birth(self):
        dob = self.cleaned_data.get("date_of_birth")
        if dob is None:
            return dob
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        age = age_on(dob, today)
        if not MIN_AGE <= age <= MAX_AGE:
            raise forms.ValidationError(
                _("This date of birth gives an age of %(age)s; it must give %(min)s to %(max)s."),
                params={"age": age, "min": MIN_AGE, "max": MAX_AGE},
                code="age_range",
            )
        return dob


class CandidateCreateForm(CandidateForm):
    aliases = forms.CharField(
        label=_("Aliases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Other names the person is known by, one per line."),
    )
    different_person = forms.BooleanField(
        label=_("I checked the possible duplicates: this is a different person."),
        required=False,
    )

    def alias_list(self):
        raw = self.cleaned_data.get("aliases") or ""
        seen, names = set(), []
        for line in raw.splitlines():
            name = " ".join(line.split())
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
        return names


AGE_GROUPS = [
    ("", _("Adults and juveniles")),
    ("adult", _("Adults")),
    ("juvenile", _("Juveniles")),
    ("unknown", _("No date of birth")),
]
ELIGIBLE_CHOICES = [("", _("Any")), ("yes", _("Eligible")), ("no", _("Not (yet) eligible"))]
SORT_CHOICES = [
    ("", _("Best match / name")),
    ("name", _("Name A–Z")),
    ("-name", _("Name Z–A")),
    ("dob", _("Oldest first")),
    ("-dob", _("Youngest first")),
    ("status", _("Status")),
    ("-updated", _("Recently changed")),
    ("-id", _("Newest records")),
]
assert {k for k, _v in SORT_CHOICES if k} <= set(SORTS)


class CandidateFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, alias or identifier"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + Candidate.Status.choices
    )
    age_group = forms.ChoiceField(label=_("Age group"), required=False, choices=AGE_GROUPS)
    basis = forms.ChoiceField(
        label=_("Basis"),
        required=False,
        choices=[("", _("Any"))] + IdentificationBasis.Code.choices,
    )
    group = forms.ModelChoiceField(
        label=_("Group"),
        required=False,
        queryset=Group.objects.order_by("name"),
        empty_label=_("Any"),
    )
    assigned_to = UserChoiceField(
        label=_("Assigned staff"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("Anyone"),
    )
    eligible = forms.ChoiceField(label=_("Eligible"), required=False, choices=ELIGIBLE_CHOICES)
    include_merged = forms.BooleanField(label=_("Include merged records"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = casework_users()


class BasisForm(forms.ModelForm):
    """A basis and its evidence. The select offers only the bases and referral sources the
    candidate's age group may claim (the policy refuses anything else, naming the rule)."""

    class Meta:
        model = IdentificationBasis
        fields = [
            "code",
            "shooting",
            "gvis_meeting",
            "link_analysis",
            "referral_source",
            "referred_by",
            "referral_date",
            "justification",
        ]
        widgets = {
            "referral_date": DateInput(),
            "link_analysis": forms.Textarea(attrs={"rows": 3}),
            "justification": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "shooting": _("Evidence for ID-1, ID-2 and ID-2I."),
            "gvis_meeting": _("Evidence for ID-4 (or describe the link analysis below)."),
            "referral_source": _("Evidence for ID-5, with the referring person and date."),
            "justification": _("Evidence for ID-3."),
        }

    # Which form field a policy refusal belongs to.
    FIELD_FOR_RULE = {
        "ID-1": "shooting",
        "ID-2": "shooting",
        "ID-3": "justification",
        "ID-4": "gvis_meeting",
    }

    def __init__(self, *args, juvenile=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.juvenile = juvenile
        allowed = policy.allowed_bases(juvenile)
        sources = policy.allowed_referral_sources(juvenile)
        # Every code stays valid input (so a forged post reaches the policy and is refused
        # with the rule ID); the menu offers only the allowed ones.
        self.fields["code"].widget.choices = [("", "---------")] + [
            (c.value, c.label) for c in allowed
        ]
        self.fields["referral_source"].widget.choices = [("", "---------")] + [
            (s.value, s.label) for s in sources
        ]
        self.fields["shooting"].queryset = Shooting.objects.order_by("-occurred_on", "-pk")
        self.fields["gvis_meeting"].queryset = GVISMeeting.objects.order_by("-held_on", "-pk")
        self.helper = _helper(_("Add basis"))

    def add_policy_errors(self, exc):
        """Put each refusal from the service on the field it concerns."""
        for error in exc.error_list:
            field = getattr(error, "field", None)
            if field is None and error.code == "ID-2I":
                field = "code" if self.juvenile else "shooting"
            elif field is None:
                field = self.FIELD_FOR_RULE.get(error.code)
            if field is not None and field not in self.fields:
                field = None
            self.add_error(field, error)


class WithdrawBasisForm(forms.Form):
    reason = forms.CharField(label=_("Why is this basis withdrawn?"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Withdraw basis"))


class DeterminationForm(forms.Form):
    determined_on = forms.DateField(
        label=_("Date of determination"), widget=DateInput(), initial=timezone.localdate
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record the determination"))

    def clean_determined_on(self):
        value = self.cleaned_data["determined_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of determination cannot be in the future."))
        return value


class RelationshipForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Relationship
        fields = [
            "kind",
            "name",
            "related_candidate",
            "phone",
            "address",
            "preferred_language",
            "notes",
        ]
        help_texts = {
            "kind": _(
                "Parents and guardians of juveniles are recorded here; a related person need "
                "not be a candidate."
            )
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["related_candidate"] = CandidateChoiceField(
            user=user,
            required=False,
            label=capfirst(Relationship._meta.get_field("related_candidate").verbose_name),
        )
        related = self.instance.related_candidate_id
        # A link to a record this user may not see (a sealed one) is neither shown (not even
        # its number) nor changed here.
        self.keeps_hidden_link = bool(
            related and not candidates_visible_to(user).filter(pk=related).exists()
        )
        if self.keeps_hidden_link:
            del self.fields["related_candidate"]
        if self.instance.pk:
            require_version(self.fields["version"], self.instance)
        self.helper = _helper(_("Save"))

    def clean(self):
        cleaned = super().clean()
        if self.keeps_hidden_link:
            cleaned["related_candidate"] = self.instance.related_candidate
        return cleaned


class AliasForm(forms.Form):
    name = forms.CharField(label=_("Alias"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Add alias"))


class AddressForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Address
        fields = ["line1", "line2", "city", "state", "postal_code", "is_delivery_address", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            require_version(self.fields["version"], self.instance)
        self.helper = _helper(_("Save address"))


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Keep record number"),
        help_text=_("The record that stays; this one is merged into it."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I have checked that both records are the same person. Everything on this record "
            "moves to the one kept; this record stays, marked as merged."
        )
    )
    source_version = forms.IntegerField(widget=forms.HiddenInput)
    target_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Merge the records"))


class ShootingForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Shooting
        fields = ["occurred_on", "location", "case_number", "notes"]
        widgets = {"occurred_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            require_version(self.fields["version"], self.instance)
        self.helper = _helper(_("Save"))

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of the shooting cannot be in the future."))
        return value


class InvolvementForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ShootingInvolvement.Role.choices)
    candidate = forms.Field(required=False)  # replaced in __init__
    person_name = forms.CharField(
        label=_("or name (if not a candidate)"), required=False, max_length=200
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"] = CandidateChoiceField(
            user=user, required=False, label=_("Candidate record number")
        )
        self.helper = _helper(_("Add person"))

    def clean(self):
        data = super().clean()
        if not data.get("candidate") and not (data.get("person_name") or "").strip():
            raise forms.ValidationError(
                _("Name the person involved: a candidate's record number or a name.")
            )
        return data


class GroupForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Group
        fields = ["name", "kind", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            require_version(self.fields["version"], self.instance)
        self.helper = _helper(_("Save"))


class MembershipForm(forms.ModelForm):
    class Meta:
        model = GroupMembership
        fields = ["candidate", "since", "notes"]
        widgets = {"since": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"] = CandidateChoiceField(
            user=user, label=_("Candidate record number")
        )
        self.helper = _helper(_("Add member"))


class GVISMeetingForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    candidate_numbers = forms.CharField(
        label=_("People identified (record numbers)"),
        required=False,
        help_text=_("Candidates' record numbers, separated by commas or spaces."),
    )

    class Meta:
        model = GVISMeeting
        fields = ["held_on", "attendees", "shootings", "groups", "notes"]
        widgets = {
            "held_on": DateInput(),
            "attendees": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "shootings": forms.CheckboxSelectMultiple,
            "groups": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["shootings"].queryset = Shooting.objects.order_by("-occurred_on", "-pk")
        self.fields["groups"].queryset = Group.objects.order_by("name")
        if self.instance.pk:
            require_version(self.fields["version"], self.instance)
            visible = candidates_visible_to(user, self.instance.candidates.all())
            self.fields["candidate_numbers"].initial = ", ".join(
                str(pk) for pk in visible.values_list("pk", flat=True)
            )
        self.helper = _helper(_("Save"))

    def clean_held_on(self):
        value = self.cleaned_data["held_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The meeting date cannot be in the future."))
        return value

    def clean_candidate_numbers(self):
        raw = (self.cleaned_data.get("candidate_numbers") or "").replace(",", " ").split()
        bad = [n for n in raw if not n.isdecimal()]
        if bad:
            raise forms.ValidationError(
                _("These are not record numbers: %(values)s"), params={"values": ", ".join(bad)}
            )
        wanted = {int(n) for n in raw}
        found = list(
            candidates_visible_to(self.user, Candidate.objects.filter(pk__in=wanted)).exclude(
                status=Candidate.Status.MERGED
            )
        )
        missing = wanted - {c.pk for c in found}
        if missing:
            raise forms.ValidationError(
                _("No candidate you can see has these record numbers: %(values)s"),
                params={"values": ", ".join(str(n) for n in sorted(missing))},
            )
        return found
