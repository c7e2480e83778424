"""factory_boy factories for every model the tests build."""

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from candidates import models as cm
from deliveries import models as dm

TEST_PASSWORD = "correct horse battery staple"


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


class BasisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.IdentificationBasis

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


class TrainingAttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.TrainingAttendance

    personnel = factory.SubFactory(PersonnelFactory)
    training = factory.SubFactory(TrainingFactory)
    attended_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))
    evidence = "Sign-in sheet"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.CNCase

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


class EligibleCandidateFactory(CandidateFactory):
    status = cm.Candidate.Status.ELIGIBLE


class ThreatAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.ThreatAssessment

    case = factory.SubFactory(CaseFactory)
    completed_by = "Det. R. Ortiz"
    completed_on = factory.LazyFunction(timezone.localdate)
    summary = "No known weapons at the address; low risk."


class BackgroundCheckFactory(ThreatAssessmentFactory):
    class Meta:
        model = dm.BackgroundCheck

    summary = "Two prior contacts; no open warrants."


class SocialServicesPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.SocialServicesPlan

    case = factory.SubFactory(CaseFactory)
    organization = "Community Outreach Partners"
    contact_person = "Dana Reyes"


class LetterVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.LetterVersion

    case = factory.SubFactory(CaseFactory)
    number = factory.Sequence(lambda n: n + 1)
    template = factory.SubFactory(LetterTemplateFactory)
    language = "en"
    body = "Dear candidate,\n\nThe letter."


def eligible_deliverer(**kwargs):
    """A sworn, trained officer who has accompanied the Lead (passes DLV-*)."""
    person = PersonnelFactory(**kwargs)
    TrainingAttendanceFactory(personnel=person)
    if not person.is_vip_lead:
        ManualAccompanimentFactory(personnel=person, confirmed_at=timezone.now())
    return person


def eligible_lead(**kwargs):
    return eligible_deliverer(is_vip_lead=True, **kwargs)


class TeamAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.TeamAssignment

    case = factory.SubFactory(CaseFactory)
    personnel = factory.LazyFunction(eligible_deliverer)
    role = dm.TeamAssignment.Role.DELIVERER


class JPOCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.JPOCheck

    case = factory.SubFactory(CaseFactory)
    contacted_on = factory.LazyFunction(timezone.localdate)
    jpo_contact = "JPO intake desk"
    on_probation = False


class GuardianContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.GuardianContact

    case = factory.SubFactory(CaseFactory)
    guardian = factory.SubFactory(RelationshipFactory)
    attempted_on = factory.LazyFunction(timezone.localdate)
    method = dm.GuardianContact.Method.PHONE
    result = dm.GuardianContact.Result.REACHED_WILL_ATTEND


_prepared_numbers = itertools.count(1)


def prepared_case(*, lead_user, juvenile=False, deliverer=None, **case_kwargs):
    """A case whose whole checklist holds except P-APPROVE (for approval tests)."""
    candidate_factory = JuvenileCandidateFactory if juvenile else CandidateFactory
    candidate = candidate_factory(status=cm.Candidate.Status.ELIGIBLE)
    # A number the services never hand out (they number from CN-<this year>-00001).
    case_kwargs.setdefault("number", f"CN-1999-{next(_prepared_numbers):05d}")
    case = CaseFactory(candidate=candidate, **case_kwargs)
    ThreatAssessmentFactory(case=case)
    BackgroundCheckFactory(case=case)
    LetterVersionFactory(case=case, number=1, accepted_by=lead_user, accepted_at=timezone.now())
    TeamAssignmentFactory(case=case, **({"personnel": deliverer} if deliverer else {}))
    SocialServicesPlanFactory(case=case)
    if juvenile:
        JPOCheckFactory(case=case)
        dm.JuvenileDecision.objects.create(
            case=case,
            decision=dm.JuvenileDecision.Decision.DELIVER,
            services_status="Engaged with the youth program.",
            decided_by=lead_user,
            decided_on=timezone.localdate(),
        )
        parent = RelationshipFactory(candidate=candidate, kind=cm.Relationship.Kind.PARENT)
        GuardianContactFactory(case=case, guardian=parent)
        case.planned_guardian = parent
        case.save()
    return case


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
        dm.ManualAccompaniment.objects.create(
            personnel=self,
            accompanied_on=timezone.localdate() - datetime.timedelta(days=60),
            lead=VipLeadPersonnelFactory(),
            evidence="Delivery log",
            confirmed_by=_fixture_user(),
            confirmed_at=timezone.now(),
        )


class ReadyCaseFactory(CaseFactory):
    """A case the Lead approved (READY), built directly: preparation is another step's job."""

    state = dm.CNCase.State.READY
    approved_by = factory.LazyFunction(_fixture_user)
    approved_at = factory.LazyFunction(timezone.now)


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


class DeterminationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.EligibilityDetermination

    candidate = factory.SubFactory(CandidateFactory)
    determined_by = factory.LazyFunction(_fixture_user)
    determined_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))
    eligible = True
    juvenile = False


class AttemptFactory(factory.django.DjangoModelFactory):
    """A recorded attempt (written directly, for queue and page tests)."""

    class Meta:
        model = dm.DeliveryAttempt

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


class AfterActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.AfterAction

    attempt = factory.SubFactory(AttemptFactory)
    ecc_outcome_advised_at = factory.LazyAttribute(
        lambda aa: aa.attempt.contact_at + datetime.timedelta(minutes=30)
    )
    ecc_outcome_advised_by = "Officer Demo"
    cad_number = factory.Sequence(lambda n: f"26-{n:07d}")


# --- personnel (deliverer roster: accompaniments and the recorded deliveries that count)


class ManualAccompanimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.ManualAccompaniment

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

    case = factory.SubFactory(CaseFactory, state=dm.CNCase.State.ATTEMPTED)
    contact_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=5))
    address = "1 Main St"
    ecc_advised_by = "Officer"
    outcome = dm.DeliveryAttempt.Outcome.DELIVERED
    message_delivered = True
    social_services_delivered = True


class ReportAttemptMemberFactory(TeamMemberForPersonnelFactory):
    attempt = factory.SubFactory(ReportAttemptFactory)


class ReportAfterActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = dm.AfterAction

    attempt = factory.SubFactory(ReportAttemptFactory)
    ecc_outcome_advised_at = factory.LazyAttribute(
        lambda a: a.attempt.contact_at + datetime.timedelta(minutes=30)
    )
    ecc_outcome_advised_by = "Officer"
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
    """A case in preparation with every preparation record present (nothing unmet)."""
    prepared_on = prepared_on or timezone.localdate() - datetime.timedelta(days=20)
    if candidate is None:
        candidate = JuvenileCandidateFactory() if juvenile else CandidateFactory()
    case_fields.setdefault("state", dm.CNCase.State.PREPARING)
    if juvenile:
        case_fields.setdefault("planned_guardian", RelationshipFactory(candidate=candidate))
    case = CaseFactory(candidate=candidate, **case_fields)
    ReportThreatFactory(case=case, completed_on=prepared_on)
    ReportBackgroundFactory(case=case, completed_on=prepared_on)
    ReportLetterFactory(
        case=case,
        accepted_at=timezone.make_aware(datetime.datetime.combine(prepared_on, datetime.time(12))),
    )
    ReportTeamFactory(case=case)
    ReportSocialPlanFactory(case=case)
    if juvenile:
        ReportJPOFactory(case=case, contacted_on=prepared_on)
        ReportDecisionFactory(case=case, decided_on=prepared_on)
    return case


def report_compliant_attempt(*, juvenile=False, contact_at=None, **attempt_fields):
    """A delivered attempt that meets every rule the compliance audit checks.

    The deliverer is trained and accompanied the Lead before; the case was approved before the
    attempt; after-action complete and confirmed.
    """
    contact_at = contact_at or timezone.now() - datetime.timedelta(days=5)
    case = report_prepared_case(
        juvenile=juvenile,
        state=dm.CNCase.State.CLOSED,
        prepared_on=timezone.localdate(contact_at) - datetime.timedelta(days=10),
        opened_on=timezone.localdate(contact_at) - datetime.timedelta(days=30),
    )
    ReportTransitionFactory(case=case)
    dm.CaseTransition.objects.filter(case=case).update(at=contact_at - datetime.timedelta(days=2))
    case.approved_at = contact_at - datetime.timedelta(days=2)
    case.save()
    if juvenile:
        attempt_fields.setdefault("guardian_present", case.planned_guardian)
    attempt_fields.setdefault("letter_presented", case.letter_versions.get())
    attempt = ReportAttemptFactory(case=case, contact_at=contact_at, **attempt_fields)
    trained_on = timezone.localdate(contact_at) - datetime.timedelta(days=60)
    officer = PersonnelFactory()
    TrainingAttendanceFactory(personnel=officer, attended_on=trained_on)
    lead = PersonnelFactory(is_vip_lead=True)
    TrainingAttendanceFactory(personnel=lead, attended_on=trained_on)
    dm.ManualAccompaniment.objects.create(
        personnel=officer,
        accompanied_on=contact_at.date() - datetime.timedelta(days=30),
        lead=lead,
        evidence="Earlier delivery",
        confirmed_by=ReportUserFactory(),
        confirmed_at=contact_at - datetime.timedelta(days=29),
    )
    ReportAttemptMemberFactory(attempt=attempt, personnel=officer)
    ReportAttemptMemberFactory(attempt=attempt, personnel=lead, role=dm.AttemptTeamMember.Role.LEAD)
    ReportAfterActionFactory(attempt=attempt)
    return attempt
