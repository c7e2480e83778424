"""Demo personnel (synthetic): ranks, CN trainings and people in every eligibility state.

Idempotent: each person is looked up by badge number and only created (with their training
and accompaniments) when missing. Later seeders build teams from ``DEMO_DELIVERER_BADGES``.

The roster is recorded ``RECORDED_DAYS_AGO`` days ago (vipcn.clock): the rules count a fact
from when it was recorded, and the demo's cases are prepared and approved weeks ago with
these people on their teams.
"""

import datetime

from django.utils import timezone
from faker import Faker

from deliveries.models import Personnel, Rank, Training
from deliveries.services import personnel as services
from vipcn.clock import at

RECORDED_DAYS_AGO = 60

RANKS = [
    # name, command level, order
    ("Officer", False, 10),
    ("Detective", False, 20),
    ("Sergeant", False, 30),
    ("Lieutenant", False, 40),
    ("Captain", True, 50),
    ("Commander", True, 60),
    ("Deputy Chief", True, 70),
]

TRAININGS = [
    (
        "Custom Notification Delivery Workshop",
        "Department workshop on planning and delivering VIP custom notifications.",
    ),
    (
        "Focused Deterrence and GVI Messaging Course",
        "Course on the group violence intervention message and focused deterrence.",
    ),
]

LEAD_BADGE = "DEMO-0001"
# Eligible sworn deliverers other demo data may put on teams.
DEMO_DELIVERER_BADGES = ("DEMO-0101", "DEMO-0102", "DEMO-0103", "DEMO-0104")

# badge, rank, unit, sworn, active, trained, accompaniment ("confirmed"/"pending"/None), note
PEOPLE = [
    ("DEMO-0101", "Officer", "Southeast Area Command", True, True, True, "confirmed"),
    ("DEMO-0102", "Detective", "Violent Crimes", True, True, True, "confirmed"),
    ("DEMO-0103", "Sergeant", "Northwest Area Command", True, True, True, "confirmed"),
    ("DEMO-0104", "Commander", "Investigative Bureau", True, True, True, "confirmed"),
    ("DEMO-0201", "Officer", "Valley Area Command", True, True, False, "confirmed"),
    ("DEMO-0202", "Detective", "Gang Unit", True, True, True, None),
    ("DEMO-0203", "Officer", "Foothills Area Command", True, True, True, "pending"),
    ("DEMO-0204", "Captain", "Real Time Crime Center", True, True, True, None),
    ("DEMO-0301", None, "Crime Analysis", False, True, True, None),
    ("DEMO-0401", "Sergeant", "Southwest Area Command", True, False, True, "confirmed"),
]


def seed(*, users, stdout):
    with at(timezone.now() - datetime.timedelta(days=RECORDED_DAYS_AGO)):
        _seed(users=users, stdout=stdout)


def _seed(*, users, stdout):
    fake = Faker("en_US")
    fake.seed_instance(2064)
    today = timezone.localdate()
    lead_user = users["lead"]

    ranks = {}
    for name, command, order in RANKS:
        ranks[name], _ = Rank.objects.get_or_create(
            name=name, defaults={"is_command_level": command, "order": order}
        )
    trainings = []
    for name, description in TRAININGS:
        training, _ = Training.objects.get_or_create(
            name=name, defaults={"description": description}
        )
        trainings.append(training)

    created = 0
    lead = Personnel.objects.filter(badge_number=LEAD_BADGE).first()
    if lead is None:
        linked = Personnel.objects.filter(user=lead_user).exists()
        lead = services.personnel_create(
            actor=lead_user,
            first_name=lead_user.first_name or fake.first_name(),
            last_name=lead_user.last_name or fake.last_name(),
            badge_number=LEAD_BADGE,
            rank=ranks["Deputy Chief"],
            unit="Investigative Bureau",
            is_sworn=True,
            is_active=True,
            is_vip_lead=True,
            lead_designated_on=today - datetime.timedelta(days=900),
            user=None if linked else lead_user,
        )
        services.training_attendance_record(
            person=lead,
            training=trainings[0],
            attended_on=today - datetime.timedelta(days=800),
            evidence="Demo: certificate on file",
            actor=lead_user,
        )
        created += 1

    for number, (badge, rank, unit, sworn, active, trained, accompanied) in enumerate(PEOPLE):
        first, last = fake.first_name(), fake.last_name()  # drawn every run: stable names
        if Personnel.objects.filter(badge_number=badge).exists():
            continue
        person = services.personnel_create(
            actor=lead_user,
            first_name=first,
            last_name=last,
            badge_number=badge,
            rank=ranks.get(rank),
            unit=unit,
            is_sworn=sworn,
            is_active=True,
            is_vip_lead=False,
        )
        if trained:
            services.training_attendance_record(
                person=person,
                training=trainings[number % len(trainings)],
                attended_on=today - datetime.timedelta(days=300 - 10 * number),
                evidence="Demo: sign-in sheet",
                actor=lead_user,
            )
        if accompanied:
            accompaniment = services.accompaniment_enter(
                person=person,
                accompanied_on=today - datetime.timedelta(days=200 - 5 * number),
                lead=lead,
                evidence="Demo: Lead's memo of the delivery",
                actor=lead_user,
            )
            if accompanied == "confirmed":
                services.accompaniment_confirm(accompaniment=accompaniment, actor=lead_user)
        if not active:
            services.personnel_update(
                person=person, version=person.version, actor=lead_user, is_active=False
            )
        created += 1
    if created:
        stdout.write(f"Personnel: {created} demo people added.")
