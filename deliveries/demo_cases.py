"""Demo CN cases in every preparation state, letter templates and a penalties catalogue.

Synthetic only (Faker, fixed seed). Idempotent: catalogue rows are keyed by name/statute,
and a scenario is skipped when its candidate already has a case. Uses the eligible candidates
and personnel of the earlier seeders when there are any, and creates the minimum otherwise.

The cases follow the rules they show: each is lived through in time (vipcn.clock), through
the services: the candidate identified weeks before, the case opened, prepared the next day
in order, and approved a week later, each step recorded at its moment (``prepare_case``).
"""

import datetime

from django.utils import timezone
from faker import Faker

from candidates.juvenile import is_juvenile_on
from candidates.models import (
    Candidate,
    EligibilityDetermination,
    IdentificationBasis,
    Language,
    Relationship,
)
from candidates.policy import eligible_in_force_q
from deliveries.models import (
    GuardianContact,
    JuvenileDecision,
    LetterTemplate,
    ManualAccompaniment,
    Penalty,
    Personnel,
    Rank,
    TeamAssignment,
    Training,
    TrainingAttendance,
)
from deliveries.policy.personnel import may_deliver
from deliveries.services import preparation as services
from vipcn.clock import at

# When things happen, in days before the seeding: identified, opened, prepared (the next
# day), approved (a week after that).
IDENTIFIED_DAYS_AGO = 40
OPENED_DAYS_AGO = 20
APPROVED_AFTER_DAYS = 8

TEMPLATES = [
    (
        "Standard VIP letter",
        Language.ENGLISH,
        "{{ date }}\n\n"
        "Dear {{ candidate_name }},\n\n"
        "We are writing to you because people who care about you, and people in your "
        "community, are worried about your safety. The Violence Intervention Program offers "
        "you real help: services, support and a way forward, if you want it.\n\n"
        "We also need you to know the consequences if you choose to be involved in violent "
        "crime. These are the laws and penalties that apply to you:\n\n"
        "{{ penalties }}\n\n"
        "The choice is yours. We hope you will take the help that is offered.\n\n"
        "Sincerely,\n\n{{ lead_name }}\nVIP Law Enforcement Lead",
    ),
    (
        "Carta VIP estándar",
        Language.SPANISH,
        "{{ date }}\n\n"
        "Estimado/a {{ candidate_name }}:\n\n"
        "Le escribimos porque personas que se preocupan por usted, y personas de su comunidad, "
        "están preocupadas por su seguridad. El Programa de Intervención contra la Violencia le "
        "ofrece ayuda real: servicios, apoyo y un camino a seguir, si usted lo desea.\n\n"
        "También es necesario que usted conozca las consecuencias si decide participar en "
        "delitos violentos. Estas son las leyes y las penas que se le aplican:\n\n"
        "{{ penalties }}\n\n"
        "La decisión es suya. Esperamos que acepte la ayuda que se le ofrece.\n\n"
        "Atentamente,\n\n{{ lead_name }}\nResponsable policial del programa VIP",
    ),
]

PENALTIES = [
    (
        "NMSA 30-7-16",
        "Possession of a firearm by a person with a felony conviction.",
        "Posesión de un arma de fuego por una persona condenada por un delito grave.",
        "3 years / 3 años (demo)",
    ),
    (
        "NMSA 30-3-8",
        "Shooting at a dwelling or an occupied building.",
        "Disparar contra una vivienda o un edificio ocupado.",
        "9 years / 9 años (demo)",
    ),
    (
        "NMSA 30-3-2",
        "Aggravated assault with a deadly weapon.",
        "Agresión con agravantes usando un arma mortal.",
        "18 months / 18 meses (demo)",
    ),
    (
        "NMSA 31-18-16",
        "Added time when a firearm is used in a crime.",
        "Tiempo adicional de prisión cuando se usa un arma de fuego en un delito.",
        "1-3 more years / 1 a 3 años más (demo)",
    ),
]


def catalogue(admin):
    """The letter templates (by language) and the penalties, made if missing."""
    templates = {}
    for name, language, body in TEMPLATES:
        templates[language], _created = LetterTemplate.objects.get_or_create(
            name=name, language=language, defaults={"body": body, "created_by": admin}
        )
    penalties = []
    for statute, en, es, maximum in PENALTIES:
        penalty, _created = Penalty.objects.get_or_create(
            statute=statute,
            defaults={
                "description_en": en,
                "description_es": es,
                "maximum_penalty": maximum,
                "created_by": admin,
            },
        )
        penalties.append(penalty)
    return templates, penalties


def _years_ago(today, years, days=0):
    try:
        anchor = today.replace(year=today.year - years)
    except ValueError:
        anchor = today.replace(year=today.year - years, day=28)
    return anchor - datetime.timedelta(days=days)


def _candidate(fake, key, *, juvenile, lead, today, language=Language.ENGLISH):
    """A minimal eligible candidate of our own, keyed by a demo RMS id, identified (basis and
    determination recorded) ``IDENTIFIED_DAYS_AGO`` days ago."""
    rms_id = f"DEMO-PREP-{key}"
    existing = Candidate.objects.filter(rms_id=rms_id).first()
    if existing is not None:
        return existing
    dob = _years_ago(today, 16 if juvenile else 24, days=40 + 17 * key)
    with at(timezone.now() - datetime.timedelta(days=IDENTIFIED_DAYS_AGO)):
        return _identified_candidate(fake, dob, rms_id=rms_id, lead=lead, language=language)


def _identified_candidate(fake, dob, *, lead, rms_id="", language=Language.ENGLISH):
    today = timezone.localdate()
    candidate = Candidate.objects.create(
        first_name=fake.first_name_male(),
        last_name=fake.last_name(),
        date_of_birth=dob,
        sex=Candidate.Sex.MALE,
        rms_id=rms_id,
        preferred_language=language,
        status=Candidate.Status.ELIGIBLE,
        created_by=lead,
    )
    IdentificationBasis.objects.create(
        candidate=candidate,
        code=IdentificationBasis.Code.DRIVER,
        justification="Synthetic demo justification: named in two recent link analyses.",
        created_by=lead,
    )
    EligibilityDetermination.objects.create(
        candidate=candidate,
        determined_by=lead,
        determined_on=today,
        eligible=True,
        juvenile=is_juvenile_on(dob, today),
        created_by=lead,
    )
    return candidate


def identified_candidate(fake, dob, *, lead, when):
    """An eligible candidate (a driver basis) identified at ``when``, with an address."""
    with at(when):
        candidate = _identified_candidate(fake, dob, lead=lead)
        candidate.addresses.create(
            line1=fake.street_address(), city="Albuquerque", is_delivery_address=True
        )
    return candidate


def _candidates(fake, lead, today, *, by):
    """Four adults and two juveniles eligible by the moment ``by`` (the earlier seeders'
    when they were identified by then, else our own)."""
    eligible = list(
        Candidate.objects.filter(
            eligible_in_force_q(by), status=Candidate.Status.ELIGIBLE, sealed=False
        ).order_by("pk")
    )
    juveniles = [c for c in eligible if is_juvenile_on(c.date_of_birth, today)]
    adults = [c for c in eligible if c not in juveniles and c.date_of_birth]
    for i in range(len(adults), 4):
        language = Language.SPANISH if i % 2 else Language.ENGLISH
        adults.append(
            _candidate(fake, 10 + i, juvenile=False, lead=lead, today=today, language=language)
        )
    for i in range(len(juveniles), 2):
        juveniles.append(_candidate(fake, 20 + i, juvenile=True, lead=lead, today=today))
    return adults[:4], juveniles[:2]


def personnel_by(fake, admin, today, *, by):
    """A VIP Lead and a deliverer eligible (DLV-*) by the moment ``by``, created (recorded
    the day before it) if none exist."""
    active = Personnel.objects.filter(is_active=True, is_sworn=True).order_by("pk")
    lead = next((p for p in active if p.is_vip_lead and may_deliver(p, by)), None)
    deliverer = next((p for p in active if not p.is_vip_lead and may_deliver(p, by)), None)
    if lead and deliverer:
        return lead, deliverer
    with at(by - datetime.timedelta(days=1)):
        return _new_personnel(fake, admin, today, lead, deliverer)


def _new_personnel(fake, admin, today, lead, deliverer):
    rank, _ = Rank.objects.get_or_create(name="Lieutenant", defaults={"order": 30})
    training, _ = Training.objects.get_or_create(name="Custom Notification Workshop")
    if lead is None:
        lead, _ = Personnel.objects.get_or_create(
            badge_number="DEMO-P-L1",
            defaults={
                "first_name": fake.first_name(),
                "last_name": fake.last_name(),
                "rank": rank,
                "is_vip_lead": True,
                "lead_designated_on": today - datetime.timedelta(days=365),
                "created_by": admin,
            },
        )
        TrainingAttendance.objects.get_or_create(
            personnel=lead,
            training=training,
            defaults={
                "attended_on": today - datetime.timedelta(days=300),
                "evidence": "Demo sign-in sheet",
            },
        )
    if deliverer is None:
        deliverer, _ = Personnel.objects.get_or_create(
            badge_number="DEMO-P-D1",
            defaults={
                "first_name": fake.first_name(),
                "last_name": fake.last_name(),
                "rank": rank,
                "created_by": admin,
            },
        )
        TrainingAttendance.objects.get_or_create(
            personnel=deliverer,
            training=training,
            defaults={
                "attended_on": today - datetime.timedelta(days=200),
                "evidence": "Demo sign-in sheet",
            },
        )
        ManualAccompaniment.objects.get_or_create(
            personnel=deliverer,
            lead=lead,
            defaults={
                "accompanied_on": today - datetime.timedelta(days=150),
                "evidence": "Demo: the Lead's memo",
                "confirmed_by": admin,
                "confirmed_at": timezone.now(),
            },
        )
    return lead, deliverer


def _checks(case, staff, lead, today, fake, *, threat=True, background=True):
    """The checks, completed ``today`` (the day they are recorded, after the case opened)."""
    if threat:
        services.threat_assessment_record(
            case=case,
            version=case.version,
            completed_by=f"Det. {fake.last_name()}",
            completed_on=today,
            summary="Synthetic: no weapons known at the address; two dogs; low risk.",
            actor=lead,
        )
    if background:
        services.background_check_record(
            case=case,
            version=case.version,
            completed_by=f"Det. {fake.last_name()}",
            completed_on=today,
            summary="Synthetic: prior contacts only; no open warrants.",
            actor=lead,
        )


def _letter(case, staff, lead, templates, penalties, *, accept):
    language = case.candidate.preferred_language
    letter = services.letter_draft(
        case=case,
        version=case.version,
        template=templates.get(language) or templates[Language.ENGLISH],
        penalties=penalties[:2],
        actor=staff,
    )
    if accept:
        services.letter_accept(case=case, version=case.version, letter=letter, actor=lead)


def _team_and_social(case, staff, lead_person, deliverer, fake):
    services.team_member_add(
        case=case,
        version=case.version,
        personnel=lead_person,
        role=TeamAssignment.Role.LEAD,
        actor=staff,
    )
    services.team_member_add(
        case=case,
        version=case.version,
        personnel=deliverer,
        role=TeamAssignment.Role.DELIVERER,
        actor=staff,
    )
    services.social_services_record(
        case=case,
        version=case.version,
        organization="Demo Community Outreach Partners",
        contact_person=fake.name(),
        phone="505-555-0100",
        actor=staff,
    )


def _juvenile_steps(case, staff, lead, today, fake, *, decide):
    services.jpo_check_record(
        case=case,
        version=case.version,
        contacted_on=today,
        jpo_contact="Juvenile Probation Office intake (demo)",
        on_probation=True,
        probation_officer=f"PO {fake.last_name()}",
        actor=staff,
    )
    if not decide:
        return
    services.juvenile_decision_record(
        case=case,
        version=case.version,
        decision=JuvenileDecision.Decision.DELIVER,
        services_status="Synthetic: enrolled with the youth mentoring program since last month.",
        probation_relationship="Synthetic: the probation officer supports a CN delivery.",
        actor=lead,
    )
    guardian, _ = Relationship.objects.get_or_create(
        candidate=case.candidate,
        kind=Relationship.Kind.PARENT,
        defaults={"name": fake.name_female(), "phone": "505-555-0111", "created_by": staff},
    )
    services.guardian_contact_record(
        case=case,
        version=case.version,
        guardian=guardian,
        attempted_on=today,
        method=GuardianContact.Method.PHONE,
        result=GuardianContact.Result.REACHED_WILL_ATTEND,
        actor=staff,
    )
    services.planned_guardian_set(case=case, version=case.version, guardian=guardian, actor=staff)


def seed(*, users, stdout):
    fake = Faker(["en_US"])
    fake.seed_instance(264)
    lead, admin = users["lead"], users["admin"]
    now = timezone.now()
    today = timezone.localdate(now)
    opened = now - datetime.timedelta(days=OPENED_DAYS_AGO)
    templates, penalties = catalogue(admin)
    adults, juveniles = _candidates(fake, lead, today, by=opened)
    lead_person, deliverer = personnel_by(fake, admin, today, by=opened)

    # (candidate, what to prepare): every preparation state.
    scenarios = [
        (adults[0], "missing"),
        (adults[1], "draft_letter"),
        (adults[2], "approved"),
        (adults[3], "approved"),
        (juveniles[0], "juvenile_waiting_jpo"),
        (juveniles[1], "juvenile_approved"),
    ]
    made = 0
    for index, (candidate, scenario) in enumerate(scenarios):
        if candidate.cases.exists():
            continue
        prepare_case(
            candidate,
            scenario,
            users=users,
            lead_person=lead_person,
            deliverer=deliverer,
            catalogue=(templates, penalties),
            fake=fake,
            opened=opened + datetime.timedelta(minutes=10 * index),
        )
        made += 1
    stdout.write(f"Demo CN cases: {made} created, letter templates and penalties in place.")


def prepare_case(candidate, scenario, *, users, lead_person, deliverer, catalogue, fake, opened):
    """Open a case at ``opened`` and prepare it the next day, each step recorded at its own
    moment; the approved scenarios ("approved", "juvenile_approved") are approved a week
    later. The other scenarios stop where their name says."""
    staff, lead = users["staff"], users["lead"]
    templates, penalties = catalogue
    with at(opened):
        case = services.case_open(candidate=candidate, actor=staff, assigned_to=staff)
    moments = (opened + datetime.timedelta(days=1, minutes=15 * step) for step in range(1, 100))

    def step(function, *args, **kwargs):
        with at(next(moments)):
            function(*args, **kwargs)

    day = timezone.localdate(opened + datetime.timedelta(days=1))
    if scenario == "missing":
        step(_checks, case, staff, lead, day, fake, background=False)
        return case
    step(_checks, case, staff, lead, day, fake)
    step(_letter, case, staff, lead, templates, penalties, accept=scenario != "draft_letter")
    step(_team_and_social, case, staff, lead_person, deliverer, fake)
    if scenario in ("draft_letter", "juvenile_waiting_jpo"):
        return case
    if scenario == "juvenile_approved":
        step(_juvenile_steps, case, staff, lead, day, fake, decide=True)
    with at(opened + datetime.timedelta(days=APPROVED_AFTER_DAYS)):
        services.case_approve(case=case, version=case.version, actor=lead)
    return case
