"""factory_boy factories for every model the tests build."""

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from candidates import models as cm
from deliveries import models as dm
from vipcn.clock import at

TEST_PASSWORD = "correct horse battery staple"


def start_of(day):
    """The first moment of a local day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class InTime:
    """A factory whose record is *recorded* when it is dated (vipcn.clock): the rules count a
    fact only from when it was recorded, so a threat assessment dated last week is also
    recorded last week. ``recorded`` (a moment) says when; without it, ``_recorded_from`` names
    the date or datetime field the record is dated by (a date: the first moment of that day).
    A moment in the future is recorded now."""

    _recorded_from = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        moment = kwargs.pop("recorded", None)
        if moment is None and cls._recorded_from:
            value = kwargs.get(cls._recorded_from)
            if value is not None:
                moment = value if isinstance(value, datetime.datetime) else start_of(value)
        if moment is None:
            return super()._create(model_class, *args, **kwargs)
        with at(min(moment, timezone.now())):
            return super()._create(model_class, *args, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password(TEST_PASSWORD)


def years_ago(years, *, days=0, today=None):
    today = today or timezone.localdate()
    try:
        anchor = today.replace(year=today.year - years)
    except ValueError:
        anchor = today.replace(year=today.year - years, day=28)
    return anchor - datetime.timedelta(days=days)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Candidate

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.LazyFunction(lambda: years_ago(25))
    sex = cm.Candidate.Sex.MALE


class JuvenileCandidateFactory(CandidateFactory):
    date_of_birth = factory.LazyFunction(lambda: years_ago(16))


class ShootingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Shooting

    occurred_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    location = factory.Faker("street_address")
    case_number = factory.Sequence(lambda n: f"26-{n:07d}")


class GVISMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.GVISMeeting

    held_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=7))
    attendees = "VIP\nDistrict Attorney's Office"


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Group

    name = factory.Sequence(lambda n: f"Group {n}")


class BasisFactory(InTime, factory.django.DjangoModelFactory):
    """A basis recorded ``recorded`` (default now; pass a moment to record it in the past)."""

    class Meta:
        model = cm.IdentificationBasis

    recorded = None

    candidate = factory.SubFactory(CandidateFactory)
    code = cm.IdentificationBasis.Code.VICTIM
    shooting = factory.SubFactory(ShootingFactory)


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Relationship

    candidate = factory.SubFactory(CandidateFactory)
    kind = cm.Relationship.Kind.PARENT
    name = factory.Faker("name")


class RankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.Rank
        django_get_or_create = ("name",)

    name = "Officer"
    is_command_level = False


class PersonnelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.Personnel

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    badge_number = factory.Sequence(lambda n: f"B{n:05d}")
    rank = factory.SubFactory(RankFactory)
    is_sworn = True
    is_active = True
    is_vip_lead = False
    # A Lead's designation meets DLV-ACCOMP only from its recorded date on.
    lead_designated_on = factory.LazyAttribute(
        lambda p: timezone.localdate() - datetime.timedelta(days=365) if p.is_vip_lead else None
    )


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.Training
        django_get_or_create = ("name",)

    name = "Custom Notification Workshop"


class TrainingAttendanceFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.TrainingAttendance

    _recorded_from = "attended_on"
    recorded = None

    personnel = factory.SubFactory(PersonnelFactory)
    training = factory.SubFactory(TrainingFactory)
    attended_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))
    evidence = "Sign-in sheet"


class CaseFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.CNCase

    _recorded_from = "opened_on"
    recorded = None

    number = factory.Sequence(lambda n: f"CN-2026-{n:05d}")
    candidate = factory.SubFactory(CandidateFactory)
    opened_on = factory.LazyFunction(timezone.localdate)


class LetterTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.LetterTemplate
        django_get_or_create = ("name", "language")

    name = "Standard letter"
    language = "en"
    body = "Dear {{ candidate_name }},\n\n{{ penalties }}\n\n{{ lead_name }}"


class PenaltyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.Penalty

    statute = factory.Sequence(lambda n: f"NMSA 30-{n}-1")
    description_en = "Shooting at a dwelling"
    description_es = "Disparar contra una vivienda"
    maximum_penalty = "9 years"


# --- preparation (CN cases: checklist items, letters, team) ---------------------------------


def days_ago(days, hour=9):
    """A local moment ``days`` days before today."""
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def identify(candidate, *, when=None, juvenile=None):
    """Give ``candidate`` a driver basis and an eligible determination, recorded at ``when``
    (default 30 days ago): the determination in force, from then on (ID-DET)."""
    when = when or days_ago(30)
    with at(when):
        basis = cm.IdentificationBasis.objects.create(
            candidate=candidate,
            code=cm.IdentificationBasis.Code.DRIVER,
            justification="Named in two link analyses as a driver of gun violence.",
        )
        determination = cm.EligibilityDetermination.objects.create(
            candidate=candidate,
            determined_by=_fixture_user(),
            determined_on=timezone.localdate(when),
            eligible=True,
            juvenile=candidate.is_juvenile_on(timezone.localdate(when))
            if juvenile is None
            else juvenile,
        )
    if candidate.status != cm.Candidate.Status.ELIGIBLE:
        candidate.status = cm.Candidate.Status.ELIGIBLE
        candidate.save()
    return basis, determination


class EligibleCandidateFactory(CandidateFactory):
    """Eligible on a valid basis by a determination recorded 30 days ago (ID-DET)."""

    class Meta:
        skip_postgeneration_save = True

    status = cm.Candidate.Status.ELIGIBLE

    @factory.post_generation
    def identified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            identify(self, when=extracted if isinstance(extracted, datetime.datetime) else None)


class EligibleJuvenileFactory(EligibleCandidateFactory):
    date_of_birth = factory.LazyFunction(lambda: years_ago(16))


class ThreatAssessmentFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.ThreatAssessment

    _recorded_from = "completed_on"
    recorded = None

    case = factory.SubFactory(CaseFactory)
    completed_by = "Det. R. Ortiz"
    completed_on = factory.LazyFunction(timezone.localdate)
    summary = "No known weapons at the address; low risk."


class BackgroundCheckFactory(ThreatAssessmentFactory):
    class Meta:
        model = dm.BackgroundCheck

    summary = "Two prior contacts; no open warrants."


class SocialServicesPlanFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.SocialServicesPlan

    recorded = None

    case = factory.SubFactory(CaseFactory)
    organization = "Community Outreach Partners"
    contact_person = "Dana Reyes"


class LetterVersionFactory(InTime, factory.django.DjangoModelFactory):
    """A letter version; an accepted one names a penalty (P-LETTER) unless ``penalties`` is
    given (an empty list: none)."""

    class Meta:
        model = dm.LetterVersion

    _recorded_from = "accepted_at"
    recorded = None

    @factory.post_generation
    def penalties(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is not None:
            self.penalties.set(extracted)
        elif self.accepted_at is not None:
            self.penalties.set([PenaltyFactory()])

    case = factory.SubFactory(CaseFactory)
    number = factory.Sequence(lambda n: n + 1)
    template = factory.SubFactory(LetterTemplateFactory)
    language = "en"
    body = "Dear candidate,\n\nThe letter."


def eligible_deliverer(**kwargs):
    """A sworn, trained officer who has accompanied the Lead (passes DLV-*), all of it
    recorded weeks ago."""
    person = PersonnelFactory(**kwargs)
    TrainingAttendanceFactory(personnel=person)
    if not person.is_vip_lead:
        confirmed(ManualAccompanimentFactory(personnel=person))
    return person


def confirmed(accompaniment, *, by=None):
    """Confirm a hand-entered accompaniment the day after it (as a Lead would)."""
    accompaniment.confirmed_by = by or _fixture_user()
    accompaniment.confirmed_at = start_of(accompaniment.accompanied_on) + datetime.timedelta(days=1)
    accompaniment.save()
    return accompaniment


def eligible_lead(**kwargs):
    return eligible_deliverer(is_vip_lead=True, **kwargs)


class TeamAssignmentFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.TeamAssignment

    recorded = None

    case = factory.SubFactory(CaseFactory)
    personnel = factory.LazyFunction(eligible_deliverer)
    role = dm.TeamAssignment.Role.DELIVERER


class JPOCheckFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.JPOCheck

    _recorded_from = "contacted_on"
    recorded = None

    case = factory.SubFactory(CaseFactory)
    contacted_on = factory.LazyFunction(timezone.localdate)
    jpo_contact = "JPO intake desk"
    on_probation = False


class GuardianContactFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.GuardianContact

    _recorded_from = "attempted_on"
    recorded = None

    case = factory.SubFactory(CaseFactory)
    guardian = factory.SubFactory(RelationshipFactory)
    attempted_on = factory.LazyFunction(timezone.localdate)
    method = dm.GuardianContact.Method.PHONE
    result = dm.GuardianContact.Result.REACHED_WILL_ATTEND


_prepared_numbers = itertools.count(1)


def prepare(case, *, lead_user=None, deliverer=None, lead=None, start=None):
    """Record every preparation item of ``case`` in order, from ``start`` (default the day
    after it was opened), one day apart: checks, letter (accepted, naming a penalty), team,
    social services, and for a juvenile the JPO contact, the decision and the guardian."""
    lead_user = lead_user or _fixture_user()
    day = start or start_of(case.opened_on) + datetime.timedelta(hours=9)
    step = datetime.timedelta(hours=2)
    juvenile = _juvenile(case)
    ThreatAssessmentFactory(case=case, completed_on=timezone.localdate(day), recorded=day)
    BackgroundCheckFactory(case=case, completed_on=timezone.localdate(day), recorded=day + step)
    LetterVersionFactory(case=case, number=1, accepted_by=lead_user, accepted_at=day + 2 * step)
    if lead is not None:
        TeamAssignmentFactory(
            case=case, personnel=lead, role=dm.TeamAssignment.Role.LEAD, recorded=day + 3 * step
        )
    TeamAssignmentFactory(
        case=case,
        recorded=day + 3 * step,
        **({"personnel": deliverer} if deliverer else {}),
    )
    SocialServicesPlanFactory(case=case, recorded=day + 3 * step)
    if juvenile:
        JPOCheckFactory(case=case, contacted_on=timezone.localdate(day), recorded=day + 4 * step)
        with at(day + 5 * step):
            dm.JuvenileDecision.objects.create(
                case=case,
                decision=dm.JuvenileDecision.Decision.DELIVER,
                services_status="Engaged with the youth program.",
                decided_by=lead_user,
                decided_on=timezone.localdate(day),
            )
        parent = RelationshipFactory(candidate=case.candidate, kind=cm.Relationship.Kind.PARENT)
        GuardianContactFactory(
            case=case,
            guardian=parent,
            attempted_on=timezone.localdate(day),
            recorded=day + 5 * step,
        )
        with at(day + 5 * step):
            case.planned_guardian = parent
            case.save()
    return case


def _juvenile(case):
    from deliveries.policy.subjects import case_juvenile

    case.refresh_from_db()
    return case_juvenile(case)


def approve(case, *, when=None, by=None):
    """Approve a prepared case at ``when`` (default yesterday) as the service would: READY,
    who and when, the facts approved, and the transition."""
    from deliveries import approval

    when = when or days_ago(1)
    by = by or _fixture_user()
    with at(when):
        case.refresh_from_db()
        case.approved_by = by
        case.approved_at = when
        case.approved_facts = approval.facts(case, when)
        dm.CaseTransition.objects.create(
            case=case, from_state=case.state, to_state=dm.CNCase.State.READY, actor=by
        )
        case.state = dm.CNCase.State.READY
        case.version += 1
        case.save()
    return case


def opened_case(*, candidate=None, juvenile=False, opened=None, **case_kwargs):
    """A case opened ``opened`` (default 10 days ago) for an eligible candidate, keeping the
    determination that made it eligible."""
    opened = opened or days_ago(10)
    if candidate is None:
        factory_class = EligibleJuvenileFactory if juvenile else EligibleCandidateFactory
        candidate = factory_class(identified=opened - datetime.timedelta(days=20))
    determination = candidate.determinations.order_by("-determined_on", "-pk").first()
    case_kwargs.setdefault("number", f"CN-1999-{next(_prepared_numbers):05d}")
    return CaseFactory(
        candidate=candidate,
        opened_on=timezone.localdate(opened),
        determination=determination,
        recorded=opened,
        **case_kwargs,
    )


def prepared_case(*, lead_user=None, juvenile=False, deliverer=None, candidate=None, **case_kwargs):
    """A case whose whole checklist holds except P-APPROVE (for approval tests), prepared in
    order over the days after it was opened."""
    case = opened_case(candidate=candidate, juvenile=juvenile, **case_kwargs)
    return prepare(case, lead_user=lead_user, deliverer=deliverer)


def ready_case(*, lead_user=None, juvenile=False, deliverer=None, approved=None, **kwargs):
    """A prepared case the Lead approved ``approved`` (default yesterday)."""
    case = prepared_case(lead_user=lead_user, juvenile=juvenile, deliverer=deliverer, **kwargs)
    return approve(case, when=approved, by=lead_user)


# --- delivery (attempts, after-action, follow-up)


def _fixture_user():
    """One approver/confirmer for delivery fixtures (no password hashing per object)."""
    return get_user_model().objects.get_or_create(username="delivery-fixture-user")[0]


class VipLeadPersonnelFactory(PersonnelFactory):
    """The VIP Law Enforcement Lead (or designee), trained: eligible to deliver."""

    class Meta:
        skip_postgeneration_save = True

    is_vip_lead = True
    lead_designated_on = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=365)
    )
    trained = factory.RelatedFactory(TrainingAttendanceFactory, factory_related_name="personnel")


class EligibleDelivererFactory(PersonnelFactory):
    """Sworn, trained, and has accompanied the Lead once (a confirmed hand entry): DLV-* met."""

    class Meta:
        skip_postgeneration_save = True

    trained = factory.RelatedFactory(TrainingAttendanceFactory, factory_related_name="personnel")

    @factory.post_generation
    def accompanied(self, create, extracted, **kwargs):
        if not create:
            return
        confirmed(ManualAccompanimentFactory(personnel=self, lead=VipLeadPersonnelFactory()))


class ReadyCaseFactory(CaseFactory):
    """A case the Lead approved yesterday (READY), after it was opened ten days ago for an
    eligible candidate and prepared in order (``prepare``). ``state`` moves it on afterwards
    (e.g. ATTEMPTED for an attempt's case); ``approved_at`` and ``approved_by`` say when and
    by whom it was approved."""

    candidate = factory.SubFactory(EligibleCandidateFactory)
    opened_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        state = kwargs.pop("state", dm.CNCase.State.READY)
        approved_at = kwargs.pop("approved_at", None)
        approved_by = kwargs.pop("approved_by", None)
        candidate = kwargs["candidate"]
        kwargs.setdefault(
            "determination",
            candidate.determinations.order_by("-determined_on", "-pk").first(),
        )
        case = super()._create(model_class, *args, **kwargs)
        prepare(case, lead_user=approved_by)
        approve(case, when=approved_at, by=approved_by)
        if state != dm.CNCase.State.READY:
            case.state = state
            case.save()
        return case


class AcceptedLetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.LetterVersion

    case = factory.SubFactory(ReadyCaseFactory)
    number = 1
    template = factory.SubFactory(LetterTemplateFactory)
    language = "en"
    body = "Dear candidate, this is your letter."
    accepted_by = factory.LazyFunction(_fixture_user)
    accepted_at = factory.LazyFunction(timezone.now)


class DeterminationFactory(InTime, factory.django.DjangoModelFactory):
    """A determination recorded on its date (its first moment), unless ``recorded`` says when."""

    class Meta:
        model = cm.EligibilityDetermination

    _recorded_from = "determined_on"
    recorded = None

    candidate = factory.SubFactory(CandidateFactory)
    determined_by = factory.LazyFunction(_fixture_user)
    determined_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))
    eligible = True
    juvenile = False


def judge(attempt):
    """Store the rules' judgement of an attempt built directly (deliveries.checks)."""
    from deliveries import checks

    attempt.refresh_from_db()
    checks.refresh(attempt)
    return attempt


class AttemptFactory(InTime, factory.django.DjangoModelFactory):
    """A recorded attempt (written directly, for queue and page tests): on an approved case,
    two hours ago, the approved team present, judged by the rules like one the service
    records (``judged=False`` to skip)."""

    class Meta:
        model = dm.DeliveryAttempt
        skip_postgeneration_save = True

    _recorded_from = "contact_at"
    recorded = None

    case = factory.SubFactory(ReadyCaseFactory, state=dm.CNCase.State.ATTEMPTED)
    number = factory.Sequence(lambda n: n + 1)
    contact_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    address = "100 Main St, Albuquerque, NM"
    ecc_advised_at = factory.LazyAttribute(lambda a: a.contact_at - datetime.timedelta(minutes=10))
    ecc_advised_by = "Officer Demo"
    ecc_told_location = True
    ecc_told_team = True
    ecc_told_identity = True
    outcome = dm.DeliveryAttempt.Outcome.NOT_LOCATED

    @factory.post_generation
    def team(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        for member in self.case.team.all():
            dm.AttemptTeamMember.objects.create(
                attempt=self, role=member.role, personnel=member.personnel
            )

    @factory.post_generation
    def judged(self, create, extracted, **kwargs):
        if create and extracted is not False:
            judge(self)


class AfterActionFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.AfterAction
        skip_postgeneration_save = True

    _recorded_from = "ecc_outcome_advised_at"
    recorded = None

    attempt = factory.SubFactory(AttemptFactory)
    ecc_outcome_advised_at = factory.LazyAttribute(
        lambda aa: aa.attempt.contact_at + datetime.timedelta(minutes=30)
    )
    ecc_outcome_advised_by = "Officer Demo"
    ecc_advised_outcome = factory.LazyAttribute(lambda aa: aa.attempt.outcome)
    cad_number = factory.Sequence(lambda n: f"26-{n:07d}")

    @factory.post_generation
    def judged(self, create, extracted, **kwargs):
        if create and extracted is not False:
            from deliveries import checks

            checks.store_after_action(self.attempt)


# --- personnel (deliverer roster: accompaniments and the recorded deliveries that count)


class ManualAccompanimentFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.ManualAccompaniment

    _recorded_from = "accompanied_on"
    recorded = None

    personnel = factory.SubFactory(PersonnelFactory)
    accompanied_on = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=60)
    )
    lead = factory.SubFactory(PersonnelFactory, is_vip_lead=True)
    evidence = "Lead's memo"


class AttemptForPersonnelFactory(factory.django.DjangoModelFactory):
    """A delivery attempt built directly (the personnel tests need only its team and date)."""

    class Meta:
        model = dm.DeliveryAttempt

    case = factory.SubFactory(CaseFactory)
    number = 1
    contact_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=30))
    address = factory.Faker("street_address")
    outcome = dm.DeliveryAttempt.Outcome.DELIVERED
    message_delivered = True


class TeamMemberForPersonnelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.AttemptTeamMember

    attempt = factory.SubFactory(AttemptForPersonnelFactory)
    role = dm.AttemptTeamMember.Role.DELIVERER
    personnel = factory.SubFactory(PersonnelFactory)


class AfterActionForPersonnelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.AfterAction

    attempt = factory.SubFactory(AttemptForPersonnelFactory)
    confirmed_at = factory.LazyFunction(timezone.now)


# --- candidates


class AliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Alias

    candidate = factory.SubFactory(CandidateFactory)
    name = factory.Faker("first_name")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Address

    candidate = factory.SubFactory(CandidateFactory)
    line1 = factory.Faker("street_address")
    city = "Albuquerque"


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.GroupMembership

    group = factory.SubFactory(GroupFactory)
    candidate = factory.SubFactory(CandidateFactory)


class InvolvementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.ShootingInvolvement

    shooting = factory.SubFactory(ShootingFactory)
    candidate = factory.SubFactory(CandidateFactory)
    role = cm.ShootingInvolvement.Role.VICTIM


# reports
# Report* factories are the other areas' factories with the dates and values the report
# fixtures count on (built days apart, so periods and "before the attempt" checks are real).


class ReportUserFactory(UserFactory):
    """A user who never logs in (recorded as actor): no password hashing, fast to build."""

    password = "!"


class ReportDeterminationFactory(DeterminationFactory):
    determined_by = factory.SubFactory(ReportUserFactory)
    determined_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))


ReportInvolvementFactory = InvolvementFactory


class ReportThreatFactory(ThreatAssessmentFactory):
    completed_by = "Analyst"
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))
    summary = "No specific threat found."


class ReportBackgroundFactory(ReportThreatFactory):
    class Meta:
        model = dm.BackgroundCheck


class ReportLetterFactory(LetterVersionFactory):
    body = "Letter text"
    accepted_by = factory.SubFactory(ReportUserFactory)
    accepted_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=15))


class ReportTeamFactory(TeamAssignmentFactory):
    # Eligibility is not what these fixtures count; a plain officer is enough and fast.
    personnel = factory.SubFactory(PersonnelFactory)


class ReportSocialPlanFactory(SocialServicesPlanFactory):
    organization = "Community Partners"
    contact_person = "Pat Provider"


class ReportJPOFactory(JPOCheckFactory):
    contacted_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))
    jpo_contact = "JPO desk"


class ReportDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.JuvenileDecision

    case = factory.SubFactory(CaseFactory)
    decision = dm.JuvenileDecision.Decision.DELIVER
    services_status = "Engaged"
    decided_by = factory.SubFactory(ReportUserFactory)
    decided_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=18))


class ReportTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.CaseTransition

    case = factory.SubFactory(CaseFactory)
    from_state = dm.CNCase.State.PREPARING
    to_state = dm.CNCase.State.READY
    actor = factory.SubFactory(ReportUserFactory)


class ReportAttemptFactory(AttemptFactory):
    """An attempt that meets every delivery-time rule it can on its own (C-ECC, C-SOCIAL)."""

    contact_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=5))
    address = "1 Main St"
    ecc_advised_by = "Officer"
    outcome = dm.DeliveryAttempt.Outcome.DELIVERED
    message_delivered = True
    social_services_delivered = True

    @factory.post_generation
    def social_services(self, create, extracted, **kwargs):
        if create and extracted is not False:
            dm.AttemptTeamMember.objects.create(
                attempt=self, role=dm.AttemptTeamMember.Role.SOCIAL_SERVICES, name="Pat Provider"
            )


class ReportAttemptMemberFactory(TeamMemberForPersonnelFactory):
    attempt = factory.SubFactory(ReportAttemptFactory)


class ReportAfterActionFactory(InTime, factory.django.DjangoModelFactory):
    class Meta:
        model = dm.AfterAction

    _recorded_from = "confirmed_at"
    recorded = None

    attempt = factory.SubFactory(ReportAttemptFactory)
    ecc_outcome_advised_at = factory.LazyAttribute(
        lambda a: a.attempt.contact_at + datetime.timedelta(minutes=30)
    )
    ecc_outcome_advised_by = "Officer"
    ecc_advised_outcome = factory.LazyAttribute(lambda a: a.attempt.outcome)
    cad_number = factory.Sequence(lambda n: f"26-{n:07d}")
    confirmed_by = factory.SubFactory(ReportUserFactory)
    confirmed_at = factory.LazyAttribute(
        lambda a: a.attempt.contact_at + datetime.timedelta(hours=2)
    )
    decision = dm.AfterAction.Decision.CLOSE


class ReportFollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.FollowUp

    case = factory.SubFactory(CaseFactory)
    followed_up_on = factory.LazyFunction(timezone.localdate)
    services_offered = "Job training"
    response = dm.FollowUp.Response.ACCEPTED


def report_prepared_case(*, candidate=None, juvenile=False, prepared_on=None, **case_fields):
    """A case in preparation with every preparation record present (nothing unmet but the
    approval), prepared on ``prepared_on`` (default 20 days ago), opened the day before."""
    prepared_on = prepared_on or timezone.localdate() - datetime.timedelta(days=20)
    start = start_of(prepared_on) + datetime.timedelta(hours=9)
    opened_on = case_fields.pop("opened_on", prepared_on - datetime.timedelta(days=1))
    state = case_fields.pop("state", dm.CNCase.State.PREPARING)
    if candidate is None:
        factory_class = EligibleJuvenileFactory if juvenile else EligibleCandidateFactory
        candidate = factory_class(identified=start_of(opened_on) - datetime.timedelta(days=5))
    case = opened_case(
        candidate=candidate,
        opened=start_of(opened_on) + datetime.timedelta(hours=8),
        **case_fields,
    )
    prepare(case, start=start, lead=VipLeadPersonnelFactory())
    if state != dm.CNCase.State.PREPARING:
        case.state = state
        case.save()
    return case


def report_compliant_attempt(*, juvenile=False, contact_at=None, **attempt_fields):
    """A delivered attempt that meets every rule the compliance audit checks: the case was
    opened a month before, prepared, approved two days before the attempt; the approved team
    (the Lead and a trained deliverer who accompanied the Lead) was present; after-action
    complete and confirmed, the case closed."""
    contact_at = contact_at or timezone.now() - datetime.timedelta(days=5)
    contact_day = timezone.localdate(contact_at)
    case = report_prepared_case(
        juvenile=juvenile,
        prepared_on=contact_day - datetime.timedelta(days=10),
        opened_on=contact_day - datetime.timedelta(days=30),
    )
    approve(case, when=contact_at - datetime.timedelta(days=2))
    if juvenile:
        attempt_fields.setdefault("guardian_present", case.planned_guardian)
    attempt_fields.setdefault("letter_presented", case.letter_versions.get())
    attempt = ReportAttemptFactory(case=case, contact_at=contact_at, judged=False, **attempt_fields)
    ReportAfterActionFactory(attempt=attempt)
    case.state = dm.CNCase.State.CLOSED
    case.save()
    return judge(attempt)
