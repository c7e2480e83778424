"""Synthetic registry for demo mode: a few dozen candidates (adults and juveniles, every basis,
some possible duplicates), the people around them, groups, shootings and a GVIS meeting.

Everything is made by Faker with a fixed seed and goes through the services, so the records
carry history and search text like real ones. Idempotent: records are keyed by a "DEMO-"
identifier and nothing is added when they exist.
"""

import datetime
import random

from django.utils import timezone
from faker import Faker

from candidates import services
from candidates.models import (
    Candidate,
    Group,
    GVISMeeting,
    IdentificationBasis,
    Relationship,
    Shooting,
    ShootingInvolvement,
)

SEED = 20642
MARK = "DEMO-"
Code = IdentificationBasis.Code
Source = IdentificationBasis.ReferralSource

GROUPS = [
    ("Westside Crew", Group.Kind.GROUP),
    ("Northeast Heights Set", Group.Kind.GANG),
    ("Barelas Boys", Group.Kind.GROUP),
    ("South Valley 13", Group.Kind.GANG),
]


def _dob(rng, today, age, days=None):
    """A date of birth ``days`` before the ``age``-th birthday falling today."""
    days = rng.randint(1, 360) if days is None else days
    try:
        birthday = today.replace(year=today.year - age)
    except ValueError:
        birthday = today.replace(year=today.year - age, day=28)
    return birthday - datetime.timedelta(days=days)


def seed(*, users, stdout):
    if Candidate.objects.filter(rms_id__startswith=MARK).exists():
        stdout.write("candidates: demo registry already present")
        return
    fake = Faker("en_US")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    today = timezone.localdate()
    staff, lead = users["staff"], users["lead"]

    groups = []
    for name, kind in GROUPS:
        group = Group.objects.filter(name=name).first() or services.group_save(
            group=Group(), actor=staff, name=name, kind=kind, notes=""
        )
        groups.append(group)

    shootings = []
    for n in range(8):
        number = f"{today:%y}-{9000000 + n:07d}"
        shooting = Shooting.objects.filter(case_number=number).first() or services.shooting_save(
            shooting=Shooting(),
            actor=staff,
            occurred_on=today - datetime.timedelta(days=rng.randint(10, 300)),
            location=fake.street_address() + ", Albuquerque",
            case_number=number,
            notes="",
        )
        shootings.append(shooting)

    # Ages: mostly adults, a third juveniles (13-17), one turning 18 within weeks.
    plan = []
    for i in range(36):
        if i % 3 == 0:
            age = rng.randint(13, 17)
        else:
            age = rng.randint(18, 42)
        plan.append(age)

    candidates = []
    for i, age in enumerate(plan):
        sex = rng.choice([Candidate.Sex.MALE, Candidate.Sex.MALE, Candidate.Sex.FEMALE])
        first = fake.first_name_male() if sex == Candidate.Sex.MALE else fake.first_name_female()
        dob = _dob(rng, today, age)
        if i == 3:  # a juvenile turning 18 in a few weeks
            dob = _dob(rng, today, 18, days=-20)
        aliases = [fake.first_name()[:4] + rng.choice(["o", "y", "z"])] if i % 4 == 1 else []
        candidate = services.candidate_create(
            actor=staff,
            aliases=aliases,
            first_name=first,
            middle_name=fake.first_name() if i % 5 == 0 else "",
            last_name=fake.last_name(),
            date_of_birth=None if i == 35 else dob,
            sex=sex,
            phone=fake.numerify("505-###-####"),
            rms_id=f"{MARK}{i + 1:04d}",
            preferred_language="es" if i % 6 == 2 else "en",
            assigned_to=rng.choice([staff, lead]),
            notes="",
        )
        services.address_add(
            candidate=candidate,
            actor=staff,
            line1=fake.street_address(),
            line2="",
            city="Albuquerque",
            state="NM",
            postal_code=fake.numerify("871##"),
            is_delivery_address=True,
            notes="",
        )
        candidates.append(candidate)

    # Every basis, allowed for the age group, with its evidence.
    adult_codes = [
        Code.VICTIM,
        Code.ASSOCIATE,
        Code.INFLUENCER,
        Code.DRIVER,
        Code.GVIS,
        Code.REFERRAL,
    ]
    juvenile_codes = [Code.VICTIM, Code.ASSOCIATE, Code.DRIVER, Code.GVIS, Code.REFERRAL]
    meeting = GVISMeeting.objects.filter(held_on=today - datetime.timedelta(days=14)).first()
    if meeting is None:
        meeting = services.gvis_meeting_save(
            meeting=GVISMeeting(),
            actor=staff,
            held_on=today - datetime.timedelta(days=14),
            attendees="VIP Law Enforcement Lead\nDistrict Attorney's Office\n"
            "Juvenile Probation Office\nCommunity coalition",
            notes="Quarterly review of shootings with injury.",
            shootings=shootings[:4],
            groups=groups[:2],
            candidates=[],
        )
    gvis_people = []
    for i, candidate in enumerate(candidates):
        juvenile = candidate.is_juvenile_on(today)
        codes = juvenile_codes if juvenile else adult_codes
        code = codes[i % len(codes)]
        evidence = {}
        if code in (Code.VICTIM, Code.ASSOCIATE, Code.INFLUENCER):
            evidence["shooting"] = shootings[i % len(shootings)]
        elif code == Code.DRIVER:
            evidence["justification"] = (
                "Named in three recent shooting investigations as the person supplying firearms."
            )
        elif code == Code.GVIS:
            evidence["gvis_meeting"] = meeting
            gvis_people.append(candidate)
        else:
            sources = (
                [Source.OUTSIDE_AGENCY, Source.COMMUNITY, Source.DEPARTMENT]
                if juvenile
                else [Source.DEPARTMENT, Source.DISTRICT_ATTORNEY]
            )
            evidence.update(
                referral_source=sources[i % len(sources)],
                referred_by=fake.name(),
                referral_date=today - datetime.timedelta(days=rng.randint(5, 60)),
            )
        services.basis_add(candidate=candidate, actor=staff, code=code, **evidence)
        if i % 7 == 0:  # a second basis
            services.basis_add(
                candidate=candidate,
                actor=staff,
                code=Code.DRIVER,
                justification="Identified by the Real Time Crime Center link analysis.",
            )
        candidate.refresh_from_db()
        if i % 2 == 0:
            services.group_member_add(
                group=groups[i % len(groups)],
                candidate=candidate,
                actor=staff,
                since=today - datetime.timedelta(days=rng.randint(100, 900)),
            )

    meeting.candidates.add(*gvis_people)

    # The people around them: parents or guardians for every juvenile, influencers, associates.
    for i, candidate in enumerate(candidates):
        candidate.refresh_from_db()
        last = candidate.last_name
        if candidate.is_juvenile_on(today):
            kind = Relationship.Kind.GUARDIAN if i % 4 == 0 else Relationship.Kind.PARENT
            services.relationship_add(
                candidate=candidate,
                actor=staff,
                kind=kind,
                related_candidate=None,
                name=f"{fake.first_name()} {last}",
                phone=fake.numerify("505-###-####"),
                address="",
                preferred_language=candidate.preferred_language,
                notes="",
            )
        elif i % 3 == 1:
            services.relationship_add(
                candidate=candidate,
                actor=staff,
                kind=rng.choice([Relationship.Kind.SPOUSE, Relationship.Kind.GRANDPARENT]),
                related_candidate=None,
                name=fake.name(),
                phone=fake.numerify("505-###-####"),
                address="",
                preferred_language="en",
                notes="",
            )
        if i % 5 == 2 and i + 1 < len(candidates):
            services.relationship_add(
                candidate=candidate,
                actor=staff,
                kind=Relationship.Kind.ASSOCIATE,
                related_candidate=candidates[i + 1],
                name=candidates[i + 1].full_name,
                phone="",
                address="",
                preferred_language="en",
                notes="",
            )
    for shooting in shootings:
        ShootingInvolvement.objects.get_or_create(
            shooting=shooting,
            person_name=fake.name(),
            role=ShootingInvolvement.Role.SUSPECT,
            defaults={"created_by": staff},
        )

    # Determinations: all but a few (left "identified" so staff can try it).
    for i, candidate in enumerate(candidates):
        if i % 9 == 7:
            continue
        candidate.refresh_from_db()
        services.determination_record(
            candidate=candidate,
            actor=lead,
            determined_on=today - datetime.timedelta(days=rng.randint(0, 4)),
            note="Reviewed at the weekly VIP meeting.",
        )

    # Possible duplicates: near-identical names, same date of birth.
    for n, i in enumerate((1, 4, 10)):
        original = candidates[i]
        original.refresh_from_db()
        first = original.first_name
        misspelled = first[:-2] + first[-1] + first[-2] if len(first) > 3 else first + "e"
        services.candidate_create(
            actor=staff,
            aliases=[],
            first_name=misspelled,
            middle_name="",
            last_name=original.last_name,
            date_of_birth=original.date_of_birth if n != 2 else None,
            sex=original.sex,
            phone="",
            rms_id=f"{MARK}D{n + 1:03d}",
            preferred_language=original.preferred_language,
            assigned_to=None,
            notes="Entered from a field interview card; may be a duplicate.",
        )
    stdout.write(
        f"candidates: {Candidate.objects.filter(rms_id__startswith=MARK).count()} demo candidates"
    )
