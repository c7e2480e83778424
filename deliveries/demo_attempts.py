"""Demo delivery attempts (synthetic): every outcome, after-actions closed by the Lead, one
case sent back and re-attempted, one awaiting confirmation, one overdue, and one delivery the
Lead recorded as an exception (the ECC was told only after contact: the radio was down).

Runs after the case seeder and uses its READY cases when there are any (leaving two for a
visitor to deliver); whatever is missing (cases, eligible officers) it makes itself. Every
attempt goes through the services, so the demo obeys the same rules as a user: each step is
recorded at the moment it shows (vipcn.clock), the approved team is the team at the door, and
the cases it makes are prepared in time like the case seeder's (``demo_cases.prepare_case``).
Idempotent: attempts carry DEMO_TAG in their notes, and a second run finds them and stops.
"""

import datetime

from django.utils import timezone
from faker import Faker

from candidates.models import Relationship
from deliveries import demo_cases
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
from deliveries.policy.subjects import case_juvenile
from deliveries.services import delivery as services
from vipcn.clock import at

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
    # A field rule broken in the encounter, recorded truthfully by the Lead (C-ECC).
    ("exception", Outcome.DELIVERED, 100, "close", False),
]
EXCEPTION = {
    "C-ECC": "The radio was down on arrival; the ECC was advised by phone five minutes after "
    "contact. Reviewed with the team."
}


def seed(*, users, stdout):
    if DeliveryAttempt.objects.filter(notes__startswith=DEMO_TAG).exists():
        return
    fake = Faker("en_US")
    fake.seed_instance(2645)
    staff, lead_user = users["staff"], users["lead"]
    now = timezone.now()
    opened = now - datetime.timedelta(days=demo_cases.OPENED_DAYS_AGO)
    lead, deliverers = _team(fake, lead_user, opened)
    cases = _cases(fake, users, now, lead, deliverers)
    cad = _cad_numbers()
    made = 0
    for name, outcome, hours, after, _juvenile in SCENARIOS:
        case = cases[name]
        when = now - datetime.timedelta(hours=hours)
        # The team at the door is the team the Lead approved (P-TEAM), with social services.
        team = [TeamEntry(m.role, m.personnel) for m in case.team.order_by("pk")]
        team.append(TeamEntry(Role.SOCIAL_SERVICES, name=fake.name()))
        with at(when + datetime.timedelta(minutes=15)):
            if name == "exception":
                attempt = _attempt(case, outcome, when, team, lead_user, fake, exceptions=EXCEPTION)
            else:
                attempt = _attempt(case, outcome, when, team, staff, fake)
        made += 1
        if after is None:
            continue
        with at(when + datetime.timedelta(minutes=30)):
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
        with at(when + datetime.timedelta(hours=2)):
            services.after_action_confirm(
                attempt=attempt,
                decision=AfterAction.Decision.RETRY
                if after == "retry"
                else AfterAction.Decision.CLOSE,
                actor=lead_user,
                note="Demo: reviewed.",
            )
        if after == "retry":
            # The second attempt found the candidate; it awaits the Lead's confirmation.
            again = now - datetime.timedelta(hours=3)
            with at(again + datetime.timedelta(minutes=10)):
                second = _attempt(case, Outcome.DELIVERED, again, team, staff, fake)
            made += 1
            with at(again + datetime.timedelta(minutes=25)):
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
        with at(now - datetime.timedelta(days=2)):
            services.follow_up_record(
                case=delivered_case,
                data={
                    "followed_up_on": timezone.localdate(),
                    "services_offered": "Job readiness program; mentoring.",
                    "response": FollowUp.Response.ACCEPTED,
                    "referral_made": "Community workforce center",
                },
                actor=staff,
            )
    # Leave an adult and a juvenile case ready for a visitor to deliver.
    still_ready = list(CNCase.objects.filter(state=CNCase.State.READY).select_related("candidate"))
    if not any(not case_juvenile(c) for c in still_ready):
        _make_case(fake, users, len(SCENARIOS), False, now, lead, deliverers)
    if not any(case_juvenile(c) for c in still_ready):
        _make_case(fake, users, len(SCENARIOS) + 1, True, now, lead, deliverers)
    stdout.write(f"  delivery attempts: {made}")


def _attempt(case, outcome, when, team, actor, fake, exceptions=None):
    case.refresh_from_db()
    juvenile = case_juvenile(case)
    address = case.candidate.addresses.filter(is_delivery_address=True).first()
    data = {
        "contact_at": when,
        "address": str(address) if address else fake.street_address() + ", Albuquerque, NM",
        "ecc_advised_at": when + datetime.timedelta(minutes=5)
        if exceptions
        else when - datetime.timedelta(minutes=12),
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
            guardian = case.planned_guardian or (
                Relationship.objects.filter(
                    candidate=case.candidate, kind__in=Relationship.PARENT_OR_GUARDIAN_KINDS
                ).first()
            )
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
        # The letter is presented with the message (C-DELIVER), never on an attempt that
        # met no one.
        letter_presented=bool(data.get("message_delivered"))
        and services.accepted_letter(case) is not None,
        exceptions=exceptions,
    )


def _cad_numbers():
    used = set(AfterAction.objects.values_list("cad_number", flat=True))
    n = 0
    while True:
        n += 1
        number = f"26-99{n:05d}"
        if number not in used:
            yield number


def _team(fake, lead_user, by):
    """The Lead and deliverers eligible from ``by`` on (the whole demo period); made, recorded
    the day before it, if there are none."""
    people = Personnel.objects.filter(is_active=True, is_sworn=True).order_by("badge_number")
    lead = next((p for p in people.filter(is_vip_lead=True) if may_deliver(p, by)), None)
    deliverers = [p for p in people.filter(is_vip_lead=False) if may_deliver(p, by)][:3]
    if lead is not None and deliverers:
        return lead, deliverers
    with at(by - datetime.timedelta(days=1)):
        return _new_team(fake, lead_user, timezone.localdate(), lead, deliverers)


def _new_team(fake, lead_user, on_date, lead, deliverers):
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


def _cases(fake, users, now, lead, deliverers):
    """A READY case per scenario: the case seeder's when there are enough, else made here."""
    ready = list(
        CNCase.objects.filter(state=CNCase.State.READY)
        .select_related("candidate")
        .order_by("approved_at", "pk")
    )
    usable = ready[: max(0, len(ready) - KEEP_READY)]
    adults = [c for c in usable if not case_juvenile(c)]
    juveniles = [c for c in usable if case_juvenile(c)]
    cases = {}
    for index, (name, _o, _h, _a, juvenile) in enumerate(SCENARIOS):
        pool = juveniles if juvenile else adults
        cases[name] = (
            pool.pop(0) if pool else _make_case(fake, users, index, juvenile, now, lead, deliverers)
        )
    return cases


def _make_case(fake, users, index, juvenile, now, lead, deliverers):
    """A READY case of our own, lived through in time like the case seeder's: the candidate
    identified weeks ago, the case opened, prepared and approved (``demo_cases.prepare_case``)
    with the Lead and one of the deliverers on its team."""
    today = timezone.localdate(now)
    years = 16 if juvenile else 24 + index
    dob = today.replace(year=today.year - years) - datetime.timedelta(days=40 + index)
    candidate = demo_cases.identified_candidate(
        fake,
        dob,
        lead=users["lead"],
        when=now - datetime.timedelta(days=demo_cases.IDENTIFIED_DAYS_AGO),
    )
    opened = now - datetime.timedelta(days=demo_cases.OPENED_DAYS_AGO, minutes=-10 * index)
    return demo_cases.prepare_case(
        candidate,
        "juvenile_approved" if juvenile else "approved",
        users=users,
        lead_person=lead,
        deliverer=deliverers[index % len(deliverers)],
        catalogue=demo_cases.catalogue(users["admin"]),
        fake=fake,
        opened=opened,
    )
