"""One mechanism names the actor on history rows (vipcn.acting): every service, called outside
a web request (commands, the demo loader, tests), writes history rows that name its actor."""

import datetime
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from django.utils import timezone

import candidates.services
import deliveries.services
from deliveries.models import DeliveryAttempt, FollowUp
from deliveries.services import delivery, personnel, preparation
from tests import factories as f
from vipcn.acting import acting_as

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _service_modules():
    for package in (candidates.services, deliveries.services):
        for info in pkgutil.iter_modules(package.__path__):
            yield importlib.import_module(f"{package.__name__}.{info.name}")


def test_every_service_taking_an_actor_records_it():
    missing = []
    for module in _service_modules():
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or func.__module__ != module.__name__:
                continue
            params = inspect.signature(func).parameters
            if "actor" in params and params["actor"].kind is inspect.Parameter.KEYWORD_ONLY:
                if not getattr(func, "records_actor", False):
                    missing.append(f"{module.__name__}.{name}")
    assert missing == [], f"decorate with vipcn.acting.records_actor: {missing}"


def test_no_app_code_sets_the_history_user_by_hand():
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("candidates", "deliveries", "vipcn")
        for path in (ROOT / app).rglob("*.py")
        if re.search(r"\._history_user\s*=", path.read_text())
    ]
    assert offenders == []


def test_preparation_services_name_the_actor(staff_user):
    case = preparation.case_open(candidate=f.EligibleCandidateFactory(), actor=staff_user)
    assert case.history.latest().history_user == staff_user
    check = preparation.threat_assessment_record(
        case=case,
        version=case.version,
        completed_by="Det. Ortiz",
        completed_on=timezone.localdate(),
        summary="Low risk.",
        actor=staff_user,
    )
    assert check.history.latest().history_user == staff_user
    assert case.history.latest().history_user == staff_user  # the version bump too


def test_personnel_services_name_the_actor(lead_user):
    person = personnel.personnel_create(
        actor=lead_user,
        first_name="Ana",
        last_name="Ruiz",
        badge_number="B-77",
        rank=f.RankFactory(),
        unit="Gang Unit",
        is_sworn=True,
        is_active=True,
        is_vip_lead=False,
        lead_designated_on=None,
        user=None,
    )
    assert person.history.latest().history_user == lead_user
    entry = personnel.accompaniment_enter(
        person=person,
        accompanied_on=timezone.localdate() - datetime.timedelta(days=100),
        lead=f.PersonnelFactory(is_vip_lead=True),
        evidence="Ride-along log 12",
        actor=lead_user,
    )
    personnel.accompaniment_reject(accompaniment=entry, actor=lead_user)
    removed = entry.history.model.objects.filter(id=entry.pk).latest()
    assert (removed.history_type, removed.history_user) == ("-", lead_user)


def test_delivery_services_name_the_actor(staff_user):
    attempt = f.AttemptFactory(outcome=DeliveryAttempt.Outcome.DELIVERED)
    follow_up = delivery.follow_up_record(
        case=attempt.case,
        data={
            "followed_up_on": timezone.localdate() - datetime.timedelta(days=1),
            "services_offered": "Job training referral",
            "response": FollowUp.Response.choices[0][0],
        },
        actor=staff_user,
    )
    assert follow_up.history.latest().history_user == staff_user


def test_candidate_services_name_the_actor(staff_user):
    from candidates.services import candidate_create

    candidate = candidate_create(
        actor=staff_user,
        first_name="Rey",
        last_name="Solano",
        date_of_birth=datetime.date(1995, 1, 2),
    )
    assert candidate.history.latest().history_user == staff_user


def test_acting_as_names_the_user_for_a_block_and_then_no_one(staff_user, lead_user):
    with acting_as(lead_user):
        rank = f.RankFactory()
    assert rank.history.latest().history_user == lead_user
    rank.name = "Renamed"
    rank.save()  # outside any block or service nothing is invented
    assert rank.history.latest().history_user is None
