"""Demo CN cases in every preparation state, letter templates and a penalties catalogue.

Synthetic only (Faker, fixed seed). Idempotent: catalogue rows are keyed by name/statute,
and a scenario is skipped when its candidate already has a case. Uses the eligible candidates
and personnel of the earlier seeders when there are any, and creates the minimum otherwise.
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
from vipcn.policy import as_of_day

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


def _catalogue(admin):
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
    """A minimal eligible candidate of our own, keyed by a demo RMS id."""
    rms_id = f"DEMO-PREP-{key}"
    existing = Candidate.objects.filter(rms_id=rms_id).first()
    if existing is not None:
        return existing
    dob = _years_ago(today, 16 if juvenile else 24, days=40 + 17 * key)
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
        determined_on=today - datetime.timedelta(days=14),
        eligible=True,
        juvenile=juvenile,
        created_by=lead,
    )
    return candidate


def _candidates(fake, lead, today):
    eligible = list(
        Candidate.objects.filter(status=Candidate.Status.ELIGIBLE, sealed=False).order_by("pk")
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


def _personnel(fake, admin, today):
    """An eligible VIP Lead and an eligible deliverer (DLV-*), created if none exist."""
    active = Personnel.objects.filter(is_active=True, is_sworn=True).order_by("pk")
    lead = next((p for p in active if p.is_vip_lead and may_deliver(p, as_of_day(today))), None)
    deliverer = next(
        (p for p in active if not p.is_vip_lead and may_deliver(p, as_of_day(today))), None
    )
    if lead and deliverer:
        return lead, deliverer
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
    if threat:
        services.threat_assessment_record(
            case=case,
            version=case.version,
            completed_by=f"Det. {fake.last_name()}",
            completed_on=today - datetime.timedelta(days=3),
            summary="Synthetic: no weapons known at the address; two dogs; low risk.",
            actor=lead,
        )
    if background:
        services.background_check_record(
            case=case,
            version=case.version,
            completed_by=f"Det. {fake.last_name()}",
            completed_on=today - datetime.timedelta(days=2),
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
        contacted_on=today - datetime.timedelta(days=2),
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
        attempted_on=today - datetime.timedelta(days=1),
        method=GuardianContact.Method.PHONE,
        result=GuardianContact.Result.REACHED_WILL_ATTEND,
        actor=staff,
    )
    services.planned_guardian_set(case=case, version=case.version, guardian=guardian, actor=staff)


def seed(*, users, stdout):
    fake = Faker(["en_US"])
    fake.seed_instance(264)
    staff, lead, admin = users["staff"], users["lead"], users["admin"]
    today = timezone.localdate()
    templates, penalties = _catalogue(admin)
    adults, juveniles = _candidates(fake, lead, today)
    lead_person, deliverer = _personnel(fake, admin, today)

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
    for candidate, scenario in scenarios:
        if candidate.cases.exists():
            continue
        case = services.case_open(candidate=candidate, actor=staff, assigned_to=staff)
        if scenario == "missing":
            _checks(case, staff, lead, today, fake, background=False)
        elif scenario == "draft_letter":
            _checks(case, staff, lead, today, fake)
            _letter(case, staff, lead, templates, penalties, accept=False)
            _team_and_social(case, staff, lead_person, deliverer, fake)
        elif scenario == "juvenile_waiting_jpo":
            _checks(case, staff, lead, today, fake)
            _letter(case, staff, lead, templates, penalties, accept=True)
            _team_and_social(case, staff, lead_person, deliverer, fake)
        else:
            _checks(case, staff, lead, today, fake)
            _letter(case, staff, lead, templates, penalties, accept=True)
            _team_and_social(case, staff, lead_person, deliverer, fake)
            if scenario == "juvenile_approved":
                _juvenile_steps(case, staff, lead, today, fake, decide=True)
            services.case_approve(case=case, version=case.version, actor=lead)
        made += 1
    stdout.write(f"Demo CN cases: {made} created, letter templates and penalties in place.")
