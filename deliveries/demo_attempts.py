"""Demo delivery attempts (synthetic): every outcome, after-actions closed by the Lead, one
case sent back and re-attempted, one awaiting confirmation, one overdue.

Runs after the case seeder and uses its READY cases when there are any (leaving two for a
visitor to deliver); whatever is missing (cases, eligible officers) it makes itself. Every
attempt goes through the services, so the demo obeys the same rules as a user. Idempotent:
attempts carry DEMO_TAG in their notes, and a second run finds them and stops.
"""

import datetime

from django.utils import timezone
from faker import Faker

from candidates.juvenile import is_juvenile_on
from candidates.models import Candidate, EligibilityDetermination, IdentificationBasis, Relationship
from deliveries.models import (
    AfterAction,
    AttemptTeamMember,
    CNCase,
    DeliveryAttempt,
    FollowUp,
    ManualAccompaniment,
    Personnel,
    Training,
    TrainingAttendance,
)
from deliveries.policy.delivery import TeamEntry
from deliveries.policy.personnel import may_deliver
from deliveries.services import delivery as services
from vipcn.policy import as_of_day

DEMO_TAG = "[demo attempt]"
KEEP_READY = 2
Outcome = DeliveryAttempt.Outcome
Role = AttemptTeamMember.Role

# name, outcome, hours ago, after-action ("close", "retry", "recorded", None), juvenile
SCENARIOS = [
    ("delivered", Outcome.DELIVERED, 96, "close", False),
    ("alternate", Outcome.ALTERNATE, 90, "close", False),
    ("ended", Outcome.ENDED_BY_CANDIDATE, 80, "close", False),
    ("juvenile", Outcome.DELIVERED, 72, "close", True),
    ("retry", Outcome.NOT_LOCATED, 120, "retry", False),
    ("aborted", Outcome.ABORTED, 6, "recorded", False),
    ("overdue", Outcome.NOT_LOCATED, 50, None, False),
]


def seed(*, users, stdout):
    if DeliveryAttempt.objects.filter(notes__startswith=DEMO_TAG).exists():
        return
    fake = Faker("en_US")
    fake.seed_instance(2645)
    staff, lead_user = users["staff"], users["lead"]
    now = timezone.now()
    earliest = timezone.localdate(now - datetime.timedelta(hours=200))
    lead, deliverers = _team(fake, lead_user, earliest)
    cases = _cases(fake, lead_user, now)
    cad = _cad_numbers()
    made = 0
    for index, (name, outcome, hours, after, _juvenile) in enumerate(SCENARIOS):
        case = cases[name]
        when = now - datetime.timedelta(hours=hours)
        team = [TeamEntry(Role.DELIVERER, deliverers[index % len(deliverers)])]
        if lead is not None:
            team.insert(0, TeamEntry(Role.LEAD, lead))
        team.append(TeamEntry(Role.SOCIAL_SERVICES, name=fake.name()))
        attempt = _attempt(case, outcome, when, team, staff, fake)
        made += 1
        if after is None:
            continue
        services.after_action_record(
            attempt=attempt,
            data={
                "ecc_outcome_advised_at": when + datetime.timedelta(minutes=25),
                "ecc_outcome_advised_by": fake.name(),
                "cad_number": next(cad),
            },
            actor=staff,
        )
        if after == "recorded":
            continue
        services.after_action_confirm(
            attempt=attempt,
            decision=AfterAction.Decision.RETRY if after == "retry" else AfterAction.Decision.CLOSE,
            actor=lead_user,
            note="Demo: reviewed.",
        )
        if after == "retry":
            # The second attempt found the candidate; it awaits the Lead's confirmation.
            again = now - datetime.timedelta(hours=3)
            second = _attempt(case, Outcome.DELIVERED, again, team, staff, fake)
            made += 1
            services.after_action_record(
                attempt=second,
                data={
                    "ecc_outcome_advised_at": again + datetime.timedelta(minutes=20),
                    "ecc_outcome_advised_by": fake.name(),
                    "cad_number": next(cad),
                },
                actor=staff,
            )
    delivered_case = cases["delivered"]
    if not delivered_case.follow_ups.exists():
        services.follow_up_record(
            case=delivered_case,
            data={
                "followed_up_on": timezone.localdate(now - datetime.timedelta(days=2)),
                "services_offered": "Job readiness program; mentoring.",
                "response": FollowUp.Response.ACCEPTED,
                "referral_made": "Community workforce center",
            },
            actor=staff,
        )
    # Leave an adult and a juvenile case ready for a visitor to deliver.
    today = timezone.localdate(now)
    still_ready = list(CNCase.objects.filter(state=CNCase.State.READY).select_related("candidate"))
    has_juvenile = any(is_juvenile_on(c.candidate.date_of_birth, today) for c in still_ready)
    if not any(not is_juvenile_on(c.candidate.date_of_birth, today) for c in still_ready):
        _make_case(fake, lead_user, len(SCENARIOS), False, now)
    if not has_juvenile:
        _make_case(fake, lead_user, len(SCENARIOS) + 1, True, now)
    stdout.write(f"  delivery attempts: {made}")


def _attempt(case, outcome, when, team, actor, fake):
    case.refresh_from_db()
    juvenile = is_juvenile_on(case.candidate.date_of_birth, timezone.localdate(when))
    address = case.candidate.addresses.filter(is_delivery_address=True).first()
    data = {
        "contact_at": when,
        "address": str(address) if address else fake.street_address() + ", Albuquerque, NM",
        "ecc_advised_at": when - datetime.timedelta(minutes=12),
        "ecc_advised_by": fake.name(),
        "ecc_told_location": True,
        "ecc_told_team": True,
        "ecc_told_identity": True,
        "outcome": outcome,
        "notes": f"{DEMO_TAG} Synthetic record.",
    }
    contact = outcome in DeliveryAttempt.CONTACT_OUTCOMES
    if contact:
        data["social_services_delivered"] = outcome != Outcome.ENDED_BY_CANDIDATE
        if outcome == Outcome.ENDED_BY_CANDIDATE:
            data["social_services_reason"] = "The team left at the person's request."
    if outcome in DeliveryAttempt.DELIVERED_OUTCOMES:
        data["message_delivered"] = True
        if juvenile:
            guardian = Relationship.objects.filter(
                candidate=case.candidate, kind__in=Relationship.PARENT_OR_GUARDIAN_KINDS
            ).first()
            if guardian is not None:
                data["guardian_present"] = guardian
            else:
                data["new_guardian"] = {"kind": Relationship.Kind.PARENT, "name": fake.name()}
    if outcome == Outcome.ALTERNATE:
        data["new_alternate"] = {"kind": Relationship.Kind.GRANDPARENT, "name": fake.name()}
        data["alternate_reason"] = "The candidate was away for weeks; she raises him."
    if outcome == Outcome.ENDED_BY_CANDIDATE:
        data.update(message_delivered=True, ended_how="asked_to_leave", team_left_immediately=True)
    if outcome == Outcome.ABORTED:
        data["abort_reason"] = "A crowd gathered at the address; the team withdrew for safety."
    return services.attempt_record(
        case=case,
        data=data,
        team=team,
        actor=actor,
        letter_presented=services.accepted_letter(case) is not None,
    )


def _cad_numbers():
    used = set(AfterAction.objects.values_list("cad_number", flat=True))
    n = 0
    while True:
        n += 1
        number = f"26-99{n:05d}"
        if number not in used:
            yield number


def _team(fake, lead_user, on_date):
    """The Lead and eligible deliverers on the whole demo period; made if there are none."""
    people = Personnel.objects.filter(is_active=True, is_sworn=True).order_by("badge_number")
    lead = next(
        (p for p in people.filter(is_vip_lead=True) if may_deliver(p, as_of_day(on_date))), None
    )
    deliverers = [
        p for p in people.filter(is_vip_lead=False) if may_deliver(p, as_of_day(on_date))
    ][:3]
    if lead is not None and deliverers:
        return lead, deliverers
    training, _ = Training.objects.get_or_create(name="Custom Notification Delivery Workshop")
    trained_on = on_date - datetime.timedelta(days=200)
    if lead is None:
        lead, created = Personnel.objects.get_or_create(
            badge_number="DEMO-DL01",
            defaults={
                "first_name": fake.first_name(),
                "last_name": fake.last_name(),
                "is_vip_lead": True,
                "lead_designated_on": trained_on,
            },
        )
        if created:
            TrainingAttendance.objects.create(
                personnel=lead, training=training, attended_on=trained_on, evidence="Roster"
            )
    if not deliverers:
        for number in (1, 2):
            person, created = Personnel.objects.get_or_create(
                badge_number=f"DEMO-DD{number:02d}",
                defaults={"first_name": fake.first_name(), "last_name": fake.last_name()},
            )
            if created:
                TrainingAttendance.objects.create(
                    personnel=person, training=training, attended_on=trained_on, evidence="Roster"
                )
                ManualAccompaniment.objects.create(
                    personnel=person,
                    accompanied_on=trained_on + datetime.timedelta(days=10),
                    lead=lead,
                    evidence="Delivery log",
                    confirmed_by=lead_user,
                    confirmed_at=timezone.now(),
                )
            deliverers.append(person)
    return lead, deliverers


def _cases(fake, lead_user, now):
    """A READY case per scenario: the case seeder's when there are enough, else made here."""
    ready = list(
        CNCase.objects.filter(state=CNCase.State.READY)
        .select_related("candidate")
        .order_by("approved_at", "pk")
    )
    usable = ready[: max(0, len(ready) - KEEP_READY)]
    today = timezone.localdate(now)
    adults = [c for c in usable if not is_juvenile_on(c.candidate.date_of_birth, today)]
    juveniles = [c for c in usable if is_juvenile_on(c.candidate.date_of_birth, today)]
    cases = {}
    for index, (name, _o, _h, _a, juvenile) in enumerate(SCENARIOS):
        pool = juveniles if juvenile else adults
        cases[name] = pool.pop(0) if pool else _make_case(fake, lead_user, index, juvenile, now)
    return cases


def _make_case(fake, lead_user, index, juvenile, now):
    today = timezone.localdate(now)
    years = 16 if juvenile else 24 + index
    dob = today.replace(year=today.year - years) - datetime.timedelta(days=40 + index)
    candidate = Candidate.objects.create(
        first_name=fake.first_name_male(),
        last_name=fake.last_name(),
        date_of_birth=dob,
        sex=Candidate.Sex.MALE,
        status=Candidate.Status.ELIGIBLE,
        created_by=lead_user,
    )
    IdentificationBasis.objects.create(
        candidate=candidate,
        code=IdentificationBasis.Code.DRIVER,
        justification="Synthetic demo basis: named in link analysis as a driver of violence.",
        created_by=lead_user,
    )
    EligibilityDetermination.objects.create(
        candidate=candidate,
        determined_by=lead_user,
        determined_on=today - datetime.timedelta(days=30),
        eligible=True,
        juvenile=juvenile,
        created_by=lead_user,
    )
    candidate.addresses.create(
        line1=fake.street_address(), city="Albuquerque", is_delivery_address=True
    )
    guardian = None
    if juvenile:
        guardian = Relationship.objects.create(
            candidate=candidate,
            kind=Relationship.Kind.PARENT,
            name=fake.name(),
            created_by=lead_user,
        )
    return CNCase.objects.create(
        number=f"CN-DEMO-D{index + 1:02d}",
        candidate=candidate,
        state=CNCase.State.READY,
        opened_on=today - datetime.timedelta(days=25),
        no_letter_reason="Demo case: no letter warranted.",
        no_letter_by=lead_user,
        planned_guardian=guardian,
        approved_by=lead_user,
        approved_at=now - datetime.timedelta(days=9),
        created_by=lead_user,
    )
