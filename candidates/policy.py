"""SOP 2-64 identification rules (2-64-4 A adults, 2-64-5 A juveniles): J-AGE, ID-1 ... ID-5,
ID-DET. The one place these rules are defined; services call ``check``/``evaluate``, forms
only read the allowed lists to offer the right choices, and the CN case reads ID-DET as of any
moment through ``identification_in_force`` / ``eligible_in_force_q``.

The subject of every rule is an ``Identification``: a candidate, the date of identification
(the eligibility determination date, or today before one is made), the bases claimed, and who
is making the determination.

Readings (requirements.md, ID-DET): the latest-dated determination is the one in force (a
determination dated before it changes nothing current); a determination counts from the moment
it was recorded; it judged the bases recorded by then, and it stops holding when a basis it
rested on is withdrawn or the facts it read (the date of birth) no longer give eligibility.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.juvenile import is_juvenile_on, juvenile_at_q
from candidates.models import Candidate, EligibilityDetermination, IdentificationBasis
from vipcn.policy import Rule, check, evaluate, has_text, has_text_q, local_date, rule

__all__ = ["check", "evaluate"]  # re-exported for callers

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
        return is_juvenile_on(self.candidate.date_of_birth, self.on_date)

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


@rule
class AgeKnown(Rule):
    """J-AGE: the juvenile rules follow the age on the day of identification, computed from
    the date of birth; a candidate without a date of birth cannot pass eligibility."""

    id, cites = "J-AGE", "2-64-5 A"
    label = _("Date of birth known")

    def validate(self, subject, as_of=None):
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
    and is allowed for the candidate's age group.

    ``evidence_q(juvenile, on_date)`` is the database form over IdentificationBasis of
    ``validate_basis``: ``juvenile`` a Q (the candidate was a juvenile on the day of
    identification) and ``on_date`` an expression for that day."""

    code = None

    def applies(self, subject, as_of=None):
        return bool(subject.active_bases(self.code))

    def validate(self, subject, as_of=None):
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

    def evidence_q(self, juvenile, on_date):
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


@rule
class Victim(BasisRule):
    """ID-1: a victim of a shooting; the evidence is the shooting."""

    id, cites = "ID-1", "2-64-4 A.1"
    label = _("Victim of a shooting")
    code = Code.VICTIM

    def validate_basis(self, basis, *, juvenile, on_date):
        self.require_shooting(basis)

    def evidence_q(self, juvenile, on_date):
        return Q(shooting__isnull=False)

    def help_text(self):
        return _("Victim of a shooting: the shooting is recorded as evidence.")


@rule
class Associate(BasisRule):
    """ID-2: an associate of an individual involved in a shooting; evidence is the shooting."""

    id, cites = "ID-2", "2-64-4 A.2"
    label = _("Associate of an individual involved in a shooting")
    code = Code.ASSOCIATE

    def validate_basis(self, basis, *, juvenile, on_date):
        self.require_shooting(basis)

    def evidence_q(self, juvenile, on_date):
        return Q(shooting__isnull=False)

    def help_text(self):
        return _(
            "Associate of an individual involved in a shooting: the shooting is recorded as "
            "evidence."
        )


@rule
class Influencer(BasisRule):
    """ID-2I: an influencer of an individual involved in a shooting. Adults only: the juvenile
    list (2-64-5 A) names associates, not influencers."""

    id, cites = "ID-2I", "2-64-4 A.2"
    label = _("Influencer of an individual involved in a shooting (adults)")
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

    def evidence_q(self, juvenile, on_date):
        return ~juvenile & Q(shooting__isnull=False)

    def help_text(self):
        return _(
            "Influencer of an individual involved in a shooting (adults only): the shooting "
            "is recorded as evidence."
        )


@rule
class Driver(BasisRule):
    """ID-3: a driver of gun violence; evidence is a written justification."""

    id, cites = "ID-3", "2-64-4 A.3"
    label = _("Driver of gun violence")
    code = Code.DRIVER

    def validate_basis(self, basis, *, juvenile, on_date):
        if not has_text(basis.justification):
            raise self.fail(_("a driver of gun violence needs a written justification."))

    def evidence_q(self, juvenile, on_date):
        return has_text_q("justification")

    def help_text(self):
        return _("Driver of gun violence: a written justification is recorded.")


@rule
class GVISIdentified(BasisRule):
    """ID-4: identified during GVIS or shooting link analysis; evidence is the meeting or the
    link analysis."""

    id, cites = "ID-4", "2-64-4 A.4"
    label = _("Identified during GVIS or shooting link analysis")
    code = Code.GVIS

    def validate_basis(self, basis, *, juvenile, on_date):
        if basis.gvis_meeting_id is None and not has_text(basis.link_analysis):
            raise self.fail(
                _("this basis needs the GVIS meeting or the shooting link analysis as evidence.")
            )

    def evidence_q(self, juvenile, on_date):
        return Q(gvis_meeting__isnull=False) | has_text_q("link_analysis")

    def help_text(self):
        return _(
            "Identified during GVIS or shooting link analysis: the meeting or the analysis is "
            "recorded."
        )


@rule
class Referral(BasisRule):
    """ID-5: referred from an allowed source. Adults: Department personnel or the District
    Attorney's Office. Juveniles: also outside law enforcement agencies and outreach, faith- or
    community-based coalition team members. Evidence: source, referring person, date."""

    id, cites = "ID-5", "2-64-4 A.5"
    label = _("Referred from an allowed source")
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
            label = Source(source).label if source in Source.values else source
            raise self.on_field(self.fail(message, source=label), "referral_source")
        if not has_text(basis.referred_by):
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

    def evidence_q(self, juvenile, on_date):
        source = (
            Q(referral_source__in=JUVENILE_REFERRAL_SOURCES) & juvenile
            | Q(referral_source__in=ADULT_REFERRAL_SOURCES) & ~juvenile
        )
        return (
            source
            & has_text_q("referred_by")
            & Q(referral_date__isnull=False)
            & Q(referral_date__lte=on_date)
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
    basis_rule = RULE_FOR_CODE[basis.code]
    try:
        basis_rule.validate_basis(basis, juvenile=juvenile, on_date=on_date)
    except ValidationError as exc:
        return list(exc.error_list)
    return []


def valid_bases(subject):
    return [
        b
        for b in subject.active_bases()
        if not basis_errors(b, juvenile=subject.juvenile, on_date=subject.on_date)
    ]


def valid_basis_q(*, juvenile, on_date):
    """Q over IdentificationBasis: a basis valid for the age group (``BasisRule.evidence_q``
    of its code), given the juvenile Q and the identification day expression."""
    q = Q(pk__in=[])
    for basis_rule in BASIS_RULES:
        q |= Q(code=basis_rule.code) & basis_rule.evidence_q(juvenile, on_date)
    return q


def is_eligible(subject):
    """Eligible = the age is known and at least one basis is valid for the age group on the
    day of identification (the Reading: *at least one* basis, not all five)."""
    return _age_ok(subject) and bool(valid_bases(subject))


def _age_ok(subject):
    dob = subject.candidate.date_of_birth
    return dob is not None and dob <= subject.on_date


def checklist(subject):
    return evaluate(IDENTIFICATION_RULES, subject)


# --- the determination in force ------------------------------------------------------------


def determinations_by(candidate_pk, as_of):
    """The candidate's determinations that count at ``as_of``: recorded by then and dated on
    or before its day, the one in force first."""
    return EligibilityDetermination.objects.filter(
        candidate_id=candidate_pk, determined_on__lte=local_date(as_of), created_at__lte=as_of
    ).order_by("-determined_on", "-pk")


def determination_in_force(candidate, as_of):
    """The latest-dated determination recorded by ``as_of`` (None before the first)."""
    prefetched = getattr(candidate, "_prefetched_objects_cache", {}).get("determinations")
    if prefetched is None:
        return determinations_by(candidate.pk, as_of).select_related("determined_by").first()
    day = local_date(as_of)
    counted = [d for d in prefetched if d.determined_on <= day and d.created_at <= as_of]
    return max(counted, key=lambda d: (d.determined_on, d.pk), default=None)


def bases_as_of(candidate, determination, as_of):
    """The bases the determination judged (recorded by the time it was) that are still not
    withdrawn at ``as_of``."""
    bases = getattr(candidate, "_prefetched_objects_cache", {}).get("bases")
    if bases is None:
        bases = list(candidate.bases.all())
    return [
        b
        for b in bases
        if b.created_at <= determination.created_at
        and (b.withdrawn_at is None or b.withdrawn_at > as_of)
        and not (b.withdrawn and b.withdrawn_at is None)
    ]


def identification_in_force(candidate, as_of):
    """The identification the determination in force at ``as_of`` rests on, as it reads on
    the facts known now (the date of birth, the bases not withdrawn), or None."""
    determination = determination_in_force(candidate, as_of)
    if determination is None:
        return None, None
    bases = [_as_active(b) for b in bases_as_of(candidate, determination, as_of)]
    subject = Identification(
        candidate=candidate,
        on_date=determination.determined_on,
        bases=bases,
        determined_by=determination.determined_by,
    )
    return determination, subject


def _as_active(basis):
    """A basis withdrawn only after the moment in question counts as not withdrawn then."""
    if basis.withdrawn:
        basis = IdentificationBasis(
            **{f.attname: getattr(basis, f.attname) for f in basis._meta.concrete_fields}
        )
        basis.withdrawn = False
    return basis


def eligible_in_force_q(as_of, *, path=""):
    """Q over candidates (or a model whose ``path`` leads to one): ``Determination`` holds for
    the determination in force at ``as_of``."""
    prefix = f"{path}__" if path else ""
    day = local_date(as_of)
    counted = EligibilityDetermination.objects.filter(determined_on__lte=day, created_at__lte=as_of)
    later = counted.filter(candidate=OuterRef("candidate")).filter(
        Q(determined_on__gt=OuterRef("determined_on"))
        | Q(determined_on=OuterRef("determined_on"), pk__gt=OuterRef("pk"))
    )
    juvenile = juvenile_at_q(OuterRef("determined_on"), dob_field="candidate__date_of_birth")
    valid = IdentificationBasis.objects.filter(
        valid_basis_q(juvenile=juvenile, on_date=OuterRef("determined_on")),
        candidate=OuterRef("candidate"),
        created_at__lte=OuterRef("created_at"),
    ).filter(Q(withdrawn_at__gt=as_of) | Q(withdrawn_at__isnull=True, withdrawn=False))
    in_force = counted.filter(
        ~Exists(later),
        Exists(valid),
        candidate=OuterRef(f"{prefix}pk" if not path else path),
        eligible=True,
        candidate__date_of_birth__isnull=False,
        candidate__date_of_birth__lte=F("determined_on"),
    )
    return Q(Exists(in_force))


@rule
class Determination(Rule):
    """ID-DET: who determined eligibility, and when, is recorded; a candidate who meets no basis
    for their age group on that day cannot go on to preparation.

    Two subjects: an ``Identification`` being determined (recording a determination), and
    anything with a ``candidate`` (a CN case), judged on the determination in force at
    ``as_of``: it must have found the candidate eligible and must still hold."""

    id, cites = "ID-DET", "2-64-4 A / 2-64-5 A"
    label = _("Eligibility determined and in force")
    model = "candidates.Candidate"

    def validate(self, subject, as_of=None):
        if isinstance(subject, Identification):
            return self._validate_identification(subject)
        candidate = subject if isinstance(subject, Candidate) else subject.candidate
        determination, identification = identification_in_force(candidate, as_of)
        if determination is None:
            raise self.fail(
                _(
                    "no eligibility determination was in force at that time; record a "
                    "determination on the candidate's page."
                )
            )
        if not determination.eligible:
            raise self.fail(
                _(
                    "the determination in force (%(date)s) found the candidate not eligible; "
                    "nothing can be prepared or delivered until a new determination finds them "
                    "eligible."
                ),
                date=determination.determined_on.isoformat(),
            )
        self._validate_identification(identification, in_force=determination)

    def _validate_identification(self, subject, in_force=None):
        errors = []
        if subject.determined_by is None or subject.on_date is None:
            errors.append(
                self.fail(_("record the eligibility determination (who made it and when)."))
            )
        if not subject.has_date_of_birth:
            errors.append(
                self.fail(
                    _(
                        "the candidate's date of birth is not recorded, so no basis can be "
                        "judged for their age group (J-AGE); record the date of birth."
                    )
                )
            )
        elif not _age_ok(subject):
            errors.append(
                self.fail(
                    _("the date of birth is after the date of identification (J-AGE); correct it.")
                )
            )
        elif not valid_bases(subject):
            if in_force is not None:
                message = _(
                    "the determination of %(date)s no longer holds: no basis it rested on is "
                    "still valid for the candidate's age group on that day (a basis was "
                    "withdrawn or the date of birth changed). Record a new determination."
                )
                errors.append(self.fail(message, date=in_force.determined_on.isoformat()))
            else:
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

    def holds_q(self, as_of, path=""):
        return eligible_in_force_q(as_of, path=path)

    def help_text(self):
        return _(
            "The determination is recorded (who, when) and at least one basis with its "
            "evidence is valid for the age group."
        )


IDENTIFICATION_RULES = (AgeKnown(), *BASIS_RULES, Determination())


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


@rule
class Dignity(Rule):
    id, cites = "POL-DIGNITY", "2-64-2"
    label = _("Candidates are treated with dignity and respect")

    def validate(self, label, as_of=None):
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
