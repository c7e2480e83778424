"""SOP 2-64 identification rules (2-64-4 A adults, 2-64-5 A juveniles): J-AGE, ID-1 ... ID-5,
ID-DET. The one place these rules are enforced; services call ``check``/``evaluate`` and forms
only read the allowed lists to offer the right choices.

The subject of every rule is an ``Identification``: a candidate, the date of identification
(the eligibility determination date, or today before one is made), the bases claimed, and who
is making the determination.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import IdentificationBasis
from vipcn.policy import Rule, check, evaluate  # noqa: F401 - re-exported for callers

Code = IdentificationBasis.Code
Source = IdentificationBasis.ReferralSource

# The matrix of 2-64-4 A (adults) and 2-64-5 A (juveniles).
ADULT_BASES = (Code.VICTIM, Code.ASSOCIATE, Code.INFLUENCER, Code.DRIVER, Code.GVIS, Code.REFERRAL)
# The juvenile list names associates only, not influencers (ID-2I).
JUVENILE_BASES = (Code.VICTIM, Code.ASSOCIATE, Code.DRIVER, Code.GVIS, Code.REFERRAL)
# Outside agencies and community coalitions were struck for adults.
ADULT_REFERRAL_SOURCES = (Source.DEPARTMENT, Source.DISTRICT_ATTORNEY)
JUVENILE_REFERRAL_SOURCES = (
    Source.DEPARTMENT,
    Source.OUTSIDE_AGENCY,
    Source.DISTRICT_ATTORNEY,
    Source.COMMUNITY,
)


def allowed_bases(juvenile):
    return JUVENILE_BASES if juvenile else ADULT_BASES


def allowed_referral_sources(juvenile):
    return JUVENILE_REFERRAL_SOURCES if juvenile else ADULT_REFERRAL_SOURCES


@dataclass
class Identification:
    """What the rules look at: the candidate on the day of identification."""

    candidate: object
    on_date: object = None
    bases: list = field(default_factory=list)
    determined_by: object = None

    def __post_init__(self):
        if self.on_date is None:
            self.on_date = timezone.localdate()

    @property
    def has_date_of_birth(self):
        return self.candidate.date_of_birth is not None

    @property
    def juvenile(self):
        """J-AGE: 17 or younger on the day of identification."""
        return self.candidate.is_juvenile_on(self.on_date)

    def active_bases(self, code=None):
        return [b for b in self.bases if not b.withdrawn and (code is None or b.code == code)]


def for_candidate(candidate, *, on_date=None, determined_by=None):
    """The subject for a saved candidate, with its bases (uses a prefetch when present)."""
    return Identification(
        candidate=candidate,
        on_date=on_date,
        bases=list(candidate.bases.all()),
        determined_by=determined_by,
    )


class AgeKnown(Rule):
    """J-AGE: the juvenile rules follow the age on the day of identification, computed from
    the date of birth; a candidate without a date of birth cannot pass eligibility."""

    id = "J-AGE"
    sop = "2-64-5 A"

    def validate(self, subject):
        dob = subject.candidate.date_of_birth
        if dob is None:
            raise self.fail(
                _(
                    "a candidate without a date of birth cannot pass eligibility; record the "
                    "date of birth."
                )
            )
        if dob > subject.on_date:
            raise self.fail(_("the date of birth is after the date of identification; correct it."))

    def help_text(self):
        return _(
            "The date of birth is known; the candidate is a juvenile when 17 or younger on the "
            "day of identification."
        )


class BasisRule(Rule):
    """A rule about one kind of basis: each claimed basis of this code carries its evidence
    and is allowed for the candidate's age group."""

    code = None

    def applies(self, subject):
        return bool(subject.active_bases(self.code))

    def validate(self, subject):
        errors = []
        for basis in subject.active_bases(self.code):
            try:
                self.validate_basis(basis, juvenile=subject.juvenile, on_date=subject.on_date)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)

    def validate_basis(self, basis, *, juvenile, on_date):
        raise NotImplementedError

    @staticmethod
    def on_field(error, field):
        """Tag a refusal with the form field it concerns, so a form can place it."""
        error.field = field
        return error

    def require_shooting(self, basis):
        if basis.shooting_id is None and getattr(basis, "shooting", None) is None:
            raise self.fail(
                _("this basis needs the shooting (date, case/incident number) as evidence.")
            )


class Victim(BasisRule):
    """ID-1: a victim of a shooting; the evidence is the shooting."""

    id = "ID-1"
    sop = "2-64-4 A.1.a, 2-64-5 A.1.a"
    code = Code.VICTIM

    def validate_basis(self, basis, *, juvenile, on_date):
        self.require_shooting(basis)

    def help_text(self):
        return _("Victim of a shooting: the shooting is recorded as evidence.")


class Associate(BasisRule):
    """ID-2: an associate of an individual involved in a shooting; evidence is the shooting."""

    id = "ID-2"
    sop = "2-64-4 A.1.b, 2-64-5 A.1.b"
    code = Code.ASSOCIATE

    def validate_basis(self, basis, *, juvenile, on_date):
        self.require_shooting(basis)

    def help_text(self):
        return _(
            "Associate of an individual involved in a shooting: the shooting is recorded as "
            "evidence."
        )


class Influencer(BasisRule):
    """ID-2I: an influencer of an individual involved in a shooting. Adults only: the juvenile
    list (2-64-5 A) names associates, not influencers."""

    id = "ID-2I"
    sop = "2-64-4 A.1.b"
    code = Code.INFLUENCER

    def validate_basis(self, basis, *, juvenile, on_date):
        if juvenile:
            raise self.fail(
                _(
                    "the influencer basis is not available for a juvenile (2-64-5 A names "
                    "associates only); choose another basis."
                )
            )
        self.require_shooting(basis)

    def help_text(self):
        return _(
            "Influencer of an individual involved in a shooting (adults only): the shooting "
            "is recorded as evidence."
        )


class Driver(BasisRule):
    """ID-3: a driver of gun violence; evidence is a written justification."""

    id = "ID-3"
    sop = "2-64-4 A.1.c, 2-64-5 A.1.c"
    code = Code.DRIVER

    def validate_basis(self, basis, *, juvenile, on_date):
        if not (basis.justification or "").strip():
            raise self.fail(_("a driver of gun violence needs a written justification."))

    def help_text(self):
        return _("Driver of gun violence: a written justification is recorded.")


class GVISIdentified(BasisRule):
    """ID-4: identified during GVIS or shooting link analysis; evidence is the meeting or the
    link analysis."""

    id = "ID-4"
    sop = "2-64-4 A.1.d, 2-64-5 A.1.d"
    code = Code.GVIS

    def validate_basis(self, basis, *, juvenile, on_date):
        has_meeting = basis.gvis_meeting_id is not None
        if not has_meeting and not (basis.link_analysis or "").strip():
            raise self.fail(
                _("this basis needs the GVIS meeting or the shooting link analysis as evidence.")
            )

    def help_text(self):
        return _(
            "Identified during GVIS or shooting link analysis: the meeting or the analysis is "
            "recorded."
        )


class Referral(BasisRule):
    """ID-5: referred from an allowed source. Adults: Department personnel or the District
    Attorney's Office. Juveniles: also outside law enforcement agencies and outreach, faith- or
    community-based coalition team members. Evidence: source, referring person, date."""

    id = "ID-5"
    sop = "2-64-4 A.1.e, 2-64-5 A.1.e"
    code = Code.REFERRAL

    def validate_basis(self, basis, *, juvenile, on_date):
        source = basis.referral_source
        if not source:
            raise self.on_field(self.fail(_("a referral needs its source.")), "referral_source")
        if source not in allowed_referral_sources(juvenile):
            if juvenile:
                message = _("a referral from “%(source)s” is not an allowed source for a juvenile.")
            else:
                message = _(
                    "a referral from “%(source)s” is not an allowed source for an adult "
                    "(only Department personnel or the District Attorney's Office)."
                )
            raise self.on_field(self.fail(message, source=Source(source).label), "referral_source")
        if not (basis.referred_by or "").strip():
            raise self.on_field(
                self.fail(_("a referral needs the referring person or office.")), "referred_by"
            )
        if basis.referral_date is None:
            raise self.on_field(self.fail(_("a referral needs its date.")), "referral_date")
        if basis.referral_date > on_date:
            raise self.on_field(
                self.fail(_("the referral date cannot be after the date of identification.")),
                "referral_date",
            )

    def help_text(self):
        return _(
            "Referred from an allowed source for the age group, with the referring person or "
            "office and the date."
        )


BASIS_RULES = (Victim(), Associate(), Influencer(), Driver(), GVISIdentified(), Referral())
RULE_FOR_CODE = {rule.code: rule for rule in BASIS_RULES}


def basis_errors(basis, *, juvenile, on_date):
    """The failures of one basis (its evidence, and whether the age group may claim it)."""
    rule = RULE_FOR_CODE[basis.code]
    try:
        rule.validate_basis(basis, juvenile=juvenile, on_date=on_date)
    except ValidationError as exc:
        return list(exc.error_list)
    return []


def valid_bases(subject):
    return [
        b
        for b in subject.active_bases()
        if not basis_errors(b, juvenile=subject.juvenile, on_date=subject.on_date)
    ]


class Determination(Rule):
    """ID-DET: who determined eligibility, and when, is recorded; a candidate who meets no basis
    for their age group on that day cannot go on to preparation."""

    id = "ID-DET"
    sop = "2-64-4 A.1, 2-64-5 A.1"

    def validate(self, subject):
        errors = []
        if subject.determined_by is None or subject.on_date is None:
            errors.append(
                self.fail(_("record the eligibility determination (who made it and when)."))
            )
        if not subject.has_date_of_birth or not valid_bases(subject):
            errors.append(
                self.fail(
                    _(
                        "the candidate meets no identification basis for their age group; "
                        "add a basis allowed for the age group, with its evidence."
                    )
                )
            )
        if errors:
            raise ValidationError(errors)

    def help_text(self):
        return _(
            "The determination is recorded (who, when) and at least one basis with its "
            "evidence is valid for the age group."
        )


IDENTIFICATION_RULES = (AgeKnown(), *BASIS_RULES, Determination())


def is_eligible(subject):
    """Eligible = the age is known and at least one basis is valid for the age group on the
    day of identification (the Reading: *at least one* basis, not all five)."""
    return subject.has_date_of_birth and bool(valid_bases(subject)) and _age_ok(subject)


def _age_ok(subject):
    try:
        AgeKnown().validate(subject)
    except ValidationError:
        return False
    return True


def checklist(subject):
    return evaluate(IDENTIFICATION_RULES, subject)


# --- POL-DIGNITY (2-64-2): the application labels people only with the SOP's own terms.

# Words that label a person as something the SOP never names. The SOP's terms (candidate,
# victim, associate, influencer, driver of gun violence, group or gang member, juvenile) are
# the only labels the interface may put on a person; a record may still *quote* other words
# in free-text notes, which are the writer's, not the application's.
UNDIGNIFIED_LABELS = (
    "thug",
    "gangster",
    "gangbanger",
    "banger",
    "hoodlum",
    "felon",
    "offender",
    "predator",
    "superpredator",
    "troublemaker",
    "delinquent",
    "lowlife",
    "criminal element",
)


class Dignity(Rule):
    id, sop = "POL-DIGNITY", "2-64-2"

    def validate(self, label):
        text = f" {str(label).lower()} "
        found = [w for w in UNDIGNIFIED_LABELS if f" {w} " in text or f" {w}s " in text]
        if found:
            raise self.fail(
                _(
                    "“%(label)s” labels a person as “%(word)s”. Use the SOP's terms (candidate, "
                    "victim, associate, influencer, group member) instead."
                ),
                label=label,
                word=found[0],
            )

    def help_text(self):
        return _("People are labelled only with the terms the SOP uses.")


def application_labels():
    """Every label the application itself can put on a person: the choices of the models
    that describe people, cases and deliveries."""
    from django.apps import apps

    labels = []
    for model in apps.get_app_config("candidates").get_models():
        labels += [str(model._meta.verbose_name), str(model._meta.verbose_name_plural)]
    for app_label in ("candidates", "deliveries"):
        for model in apps.get_app_config(app_label).get_models():
            for model_field in model._meta.get_fields():
                for _value, label in getattr(model_field, "flatchoices", None) or ():
                    labels.append(str(label))
    return labels
