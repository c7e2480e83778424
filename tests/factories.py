"""factory_boy factories for every model the tests build."""

import datetime

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


class DeterminationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.EligibilityDetermination

    candidate = factory.SubFactory(CandidateFactory)
    determined_by = factory.SubFactory(UserFactory)
    determined_on = factory.LazyFunction(timezone.localdate)
    eligible = True
