"""Every rule with a database form gives the same answer in SQL as in Python (issue 15).

Hypothesis generates case histories — dates of birth around birthdays and 29 February, times
around midnight and the daylight-saving changes of TIME_ZONE, bases (withdrawn or not, with or
without their evidence), determinations dated and recorded in any order, teams of officers with
trainings and accompaniments, letters with and without penalties, juvenile items, guardian
contacts, attempts and after-actions — and a moment ``as_of`` near them; then asks each rule
in Python (``validate``) and in the database (``holds_q``/``applies_q``) and requires the same
answer. The module runs on the configured engine (PostgreSQL in ./scripts/test) and, through
``test_the_same_on_sqlite``, again on SQLite, the embedded default newcomers see first.
"""

import contextlib
import datetime
import itertools
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidates import models as cm
from candidates.policy import Determination, eligible_in_force_q
from deliveries import models as dm
from deliveries.approval import paused
from deliveries.policy import delivery as delivery_policy
from deliveries.policy import personnel as personnel_policy
from deliveries.policy import preparation as preparation_policy
from deliveries.policy.subjects import AfterActionSubject, CaseSubject, case_juvenile
from vipcn.clock import at

pytestmark = pytest.mark.django_db(transaction=False)
ROOT = Path(__file__).resolve().parents[2]
ZONE = ZoneInfo(django_settings.TIME_ZONE)

# Days around which the histories are built: a daylight-saving change in each direction
# (America/Denver: 8 March and 1 November 2026), a 29 February, an ordinary day.
ANCHORS = (
    datetime.date(2026, 3, 8),
    datetime.date(2026, 11, 1),
    datetime.date(2028, 2, 29),
    datetime.date(2026, 6, 15),
)
EXAMPLES = int(os.environ.get("VIPCN_EQUALITY_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
_unique = itertools.count(1)


def moment(day, minutes):
    """A local moment ``minutes`` after the start of ``day`` (may cross midnight / DST)."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=ZONE)
    # Add in UTC so that a local hour that does not exist (spring forward) is never built.
    return (start.astimezone(datetime.UTC) + datetime.timedelta(minutes=minutes)).astimezone(ZONE)


# --- strategies -----------------------------------------------------------------------------

offsets = st.integers(min_value=-40, max_value=40)  # days from the anchor
minutes = st.sampled_from([0, 1, 59, 60, 119, 120, 121, 600, 1380, 1439, 1440, 1441, 2880])
texts = st.sampled_from(["", " ", "\n\t", "x", " Synthetic text ", "\u00a0"])


@st.composite
def dates_of_birth(draw, anchor):
    """Around an 18th birthday on the anchor, 29 February births included."""
    years = draw(st.sampled_from([15, 16, 17, 18, 19, 30]))
    shift = draw(st.integers(min_value=-3, max_value=3))
    special = draw(st.booleans())
    if special:
        return datetime.date(2008 + draw(st.sampled_from([0, 4])), 2, 29) + datetime.timedelta(
            days=shift
        )
    base = (
        anchor.replace(year=anchor.year - years)
        if not (anchor.month == 2 and anchor.day == 29)
        else datetime.date(anchor.year - years, 2, 28)
    )
    return base + datetime.timedelta(days=shift)


def _timeline(draw, plausible):
    """``at(lo, hi)`` draws a day offset: within [lo, hi] for a plausible history (facts in
    the order the SOP expects, so that rules hold often enough to be tested holding), anywhere
    in the window otherwise (facts in any order, recorded late, missing)."""

    def at_offset(lo, hi):
        return draw(st.integers(min_value=lo, max_value=hi)) if plausible else draw(offsets)

    def likely(value=True):
        if plausible:
            return draw(st.sampled_from([value] * 7 + [not value]))
        return draw(st.booleans())

    def text():
        return draw(st.sampled_from(["Synthetic text", "x"])) if likely() else draw(texts)

    return at_offset, likely, text


@st.composite
def person_spec(draw, plausible):
    at_offset, likely, _text = _timeline(draw, plausible)
    return {
        "active": likely(),
        "sworn": likely(),
        "lead": likely(False),
        "designated": at_offset(-300, -100) if likely() else None,
        "trainings": [
            (at_offset(-200, -100), at_offset(-200, -100))
            for _ in range(draw(st.integers(0 if not plausible else 1, 2)))
        ],
        "manual": [
            (
                at_offset(-90, -60),
                at_offset(-59, -50) if likely() else None,
                not likely(),
                not likely(),
            )
            for _ in range(draw(st.integers(1 if plausible else 0, 2)))
        ],
    }


@st.composite
def attempt_spec(draw, plausible):
    at_offset, likely, text = _timeline(draw, plausible)
    outcome = draw(st.sampled_from(dm.DeliveryAttempt.Outcome.values))
    return {
        "contact": at_offset(-3, 0),
        "minute": draw(minutes),
        "outcome": outcome,
        "message": likely(),
        "confirmed": at_offset(0, 2) if likely() else None,
        "lead_present": likely(),
        "accompanying": likely(),
        "exception": not likely(),
        "ecc_at": draw(st.one_of(st.none(), st.integers(min_value=-90, max_value=600)))
        if not plausible
        else draw(st.integers(min_value=0, max_value=120)),
        "ecc_by": text(),
        "advised_same_outcome": likely(),
        "cad": draw(st.sampled_from(["valid", "valid", "", "bad", None])),
    }


@st.composite
def history_spec(draw):
    plausible = draw(st.sampled_from([True, True, False]))
    at_offset, likely, text = _timeline(draw, plausible)
    codes = cm.IdentificationBasis.Code.values
    sources = ["", *cm.IdentificationBasis.ReferralSource]
    return {
        "anchor": draw(st.sampled_from(ANCHORS)),
        "dob": "draw" if likely() else None,
        "bases": [
            {
                "code": draw(st.sampled_from(codes)),
                "shooting": likely(),
                "text": text(),
                "source": draw(st.sampled_from(sources)),
                "referral": at_offset(-60, -40) if likely() else None,
                "created": at_offset(-45, -40),
                "withdrawn": None if likely() else at_offset(-40, 5),
            }
            for _ in range(draw(st.integers(0 if not plausible else 1, 3)))
        ],
        "determinations": [
            (at_offset(-38, -30), at_offset(-38, -30), likely())
            for _ in range(draw(st.integers(0 if not plausible else 1, 3)))
        ],
        "opened": at_offset(-28, -20),
        "state": draw(st.sampled_from(dm.CNCase.State.values)),
        "approved": at_offset(-6, -1) if likely() else None,
        "threat": (at_offset(-19, -12), at_offset(-19, -12)) if likely() else None,
        "background": (at_offset(-19, -12), at_offset(-19, -12)) if likely() else None,
        "letter": {
            "accepted": at_offset(-12, -8) if likely() else None,
            "penalties": draw(st.integers(1 if plausible else 0, 2)),
            "language": draw(st.sampled_from(["en", "es"])),
            "description": text(),
        }
        if likely()
        else None,
        "no_letter": (text(), at_offset(-12, -8)) if not likely() else None,
        "team": [
            (
                draw(
                    st.sampled_from(["deliverer", "deliverer", "deliverer", "lead", "accompanying"])
                )
                if plausible
                else draw(st.sampled_from(dm.TeamAssignment.Role.values)),
                draw(person_spec(plausible)),
                at_offset(-12, -8),
            )
            for _ in range(draw(st.integers(0 if not plausible else 1, 2)))
        ],
        "social": (text(), text(), at_offset(-12, -8)) if likely() else None,
        "jpo": (at_offset(-19, -12), at_offset(-19, -12), not likely(), text())
        if likely()
        else None,
        "decision": (
            draw(st.sampled_from(dm.JuvenileDecision.Decision.values))
            if not plausible
            else dm.JuvenileDecision.Decision.DELIVER,
            at_offset(-11, -8),
            at_offset(-11, -8),
            text(),
            text(),
        )
        if likely()
        else None,
        "guardian": draw(st.sampled_from(["parent", "guardian", "associate"]))
        if likely()
        else None,
        "contacts": [
            (
                at_offset(-11, -7),
                at_offset(-11, -7),
                draw(st.sampled_from(dm.GuardianContact.Result.values)),
                likely(),
            )
            for _ in range(draw(st.integers(0 if not plausible else 1, 3)))
        ],
        "attempts": [draw(attempt_spec(plausible)) for _ in range(draw(st.integers(0, 2)))],
        "as_of": (at_offset(0, 3) if likely() else draw(offsets), draw(minutes)),
    }


# --- building a history ---------------------------------------------------------------------


class History:
    """Writes a drawn history, each row recorded at its moment (vipcn.clock.at)."""

    def __init__(self, spec, draw_dob):
        self.spec = spec
        self.anchor = spec["anchor"]
        self.user = get_user_model().objects.create(username=f"eq{next(_unique)}")
        dob = draw_dob if spec["dob"] else None
        self.candidate = cm.Candidate.objects.create(
            first_name="Eq", last_name=f"Case{next(_unique)}", date_of_birth=dob
        )

    def day(self, offset):
        return self.anchor + datetime.timedelta(days=offset)

    def at_day(self, offset, minute=600):
        return moment(self.day(offset), minute)

    def recorded(self, offset, minute=600):
        return at(self.at_day(offset, minute))

    def build(self):
        with paused():
            return self._build()

    def _build(self):
        spec = self.spec
        for b in spec["bases"]:
            with self.recorded(b["created"]):
                basis = cm.IdentificationBasis.objects.create(
                    candidate=self.candidate,
                    code=b["code"],
                    shooting=cm.Shooting.objects.create(
                        occurred_on=self.anchor,
                        location="x",
                        case_number=f"EQ-{next(_unique)}",
                    )
                    if b["shooting"]
                    else None,
                    justification=b["text"],
                    link_analysis=b["text"],
                    referral_source=b["source"],
                    referred_by=b["text"],
                    referral_date=self.day(b["referral"]) if b["referral"] is not None else None,
                )
            if b["withdrawn"] is not None:
                with self.recorded(b["withdrawn"]):
                    basis.withdrawn = True
                    basis.withdrawn_at = self.at_day(b["withdrawn"])
                    basis.save()
        determinations = []
        for determined, created, eligible in spec["determinations"]:
            with self.recorded(created):
                determinations.append(
                    cm.EligibilityDetermination.objects.create(
                        candidate=self.candidate,
                        determined_by=self.user,
                        determined_on=self.day(determined),
                        eligible=eligible,
                    )
                )
        with self.recorded(spec["opened"]):
            self.case = dm.CNCase.objects.create(
                number=f"EQ-{next(_unique)}",
                candidate=self.candidate,
                opened_on=self.day(spec["opened"]),
                determination=determinations[0] if determinations else None,
                state=spec["state"],
                approved_by=self.user if spec["approved"] is not None else None,
                approved_at=self.at_day(spec["approved"]) if spec["approved"] is not None else None,
            )
        case = self.case
        for attribute, model in (
            ("threat", dm.ThreatAssessment),
            ("background", dm.BackgroundCheck),
        ):
            if spec[attribute] is not None:
                completed, created = spec[attribute]
                with self.recorded(created):
                    model.objects.create(
                        case=case, completed_by="x", completed_on=self.day(completed), summary="x"
                    )
        if spec["letter"] is not None:
            self._letter(spec["letter"])
        if spec["no_letter"] is not None:
            text, when = spec["no_letter"]
            case.no_letter_reason = text
            case.no_letter_by = self.user
            case.no_letter_at = self.at_day(when)
            case.save()
        self.people = []
        for role, person, created in spec["team"]:
            personnel = self._person(person)
            self.people.append(personnel)
            with self.recorded(created):
                dm.TeamAssignment.objects.get_or_create(
                    case=case, personnel=personnel, defaults={"role": role}
                )
        if spec["social"] is not None:
            organization, contact, created = spec["social"]
            with self.recorded(created):
                dm.SocialServicesPlan.objects.create(
                    case=case, organization=organization, contact_person=contact
                )
        if spec["jpo"] is not None:
            contacted, created, on_probation, officer = spec["jpo"]
            with self.recorded(created):
                dm.JPOCheck.objects.create(
                    case=case,
                    contacted_on=self.day(contacted),
                    jpo_contact="x",
                    on_probation=on_probation,
                    probation_officer=officer,
                )
        if spec["decision"] is not None:
            decision, decided, created, services, relationship = spec["decision"]
            with self.recorded(created):
                dm.JuvenileDecision.objects.create(
                    case=case,
                    decision=decision,
                    decided_on=self.day(decided),
                    decided_by=self.user,
                    services_status=services,
                    probation_relationship=relationship,
                )
        self._guardians()
        self.attempts = [self._attempt(a) for a in spec["attempts"]]
        return self

    def _letter(self, spec):
        template, _ = dm.LetterTemplate.objects.get_or_create(
            name="Equality", language="en", defaults={"body": "{{ penalties }}"}
        )
        accepted = self.at_day(spec["accepted"]) if spec["accepted"] is not None else None
        letter = dm.LetterVersion.objects.create(
            case=self.case,
            number=1,
            template=template,
            language=spec["language"],
            body="x",
            accepted_by=self.user if accepted else None,
            accepted_at=accepted,
        )
        letter.penalties.set(
            dm.Penalty.objects.create(
                statute=f"EQ {next(_unique)}",
                description_en=spec["description"],
                description_es=spec["description"],
                maximum_penalty="x",
            )
            for _ in range(spec["penalties"])
        )

    def _person(self, spec):
        person = dm.Personnel.objects.create(
            first_name="Officer",
            last_name=str(next(_unique)),
            badge_number=f"EQ{next(_unique)}",
            is_active=spec["active"],
            is_sworn=spec["sworn"],
            is_vip_lead=spec["lead"],
            lead_designated_on=self.day(spec["designated"])
            if spec["designated"] is not None
            else None,
            user=get_user_model().objects.create(username=f"eqp{next(_unique)}"),
        )
        training, _ = dm.Training.objects.get_or_create(name="Equality training")
        for attended, created in spec["trainings"]:
            with self.recorded(created):
                dm.TrainingAttendance.objects.create(
                    personnel=person,
                    training=training,
                    attended_on=self.day(attended),
                    evidence="x",
                )
        for accompanied, confirmed, self_lead, self_confirmed in spec["manual"]:
            lead = person if self_lead else self._lead()
            with self.recorded(accompanied):
                dm.ManualAccompaniment.objects.create(
                    personnel=person,
                    lead=lead,
                    accompanied_on=self.day(accompanied),
                    evidence="x",
                    confirmed_by=(person.user if self_confirmed else self.user)
                    if confirmed is not None
                    else None,
                    confirmed_at=self.at_day(confirmed) if confirmed is not None else None,
                )
        return person

    def _lead(self):
        return dm.Personnel.objects.create(
            first_name="Lead",
            last_name=str(next(_unique)),
            badge_number=f"EQL{next(_unique)}",
            is_vip_lead=True,
            lead_designated_on=self.day(-400),
        )

    def _guardians(self):
        spec = self.spec
        planned = None
        if spec["guardian"] is not None:
            planned = cm.Relationship.objects.create(
                candidate=self.candidate, kind=spec["guardian"], name="Guardian"
            )
            self.case.planned_guardian = planned
            self.case.save()
        other = cm.Relationship.objects.create(
            candidate=self.candidate, kind="parent", name="Other parent"
        )
        for attempted, created, result, to_planned in spec["contacts"]:
            with self.recorded(created):
                dm.GuardianContact.objects.create(
                    case=self.case,
                    guardian=planned if (to_planned and planned) else other,
                    attempted_on=self.day(attempted),
                    method="phone",
                    result=result,
                )

    def _attempt(self, spec):
        contact = self.at_day(spec["contact"], spec["minute"])
        with at(contact):
            attempt = dm.DeliveryAttempt.objects.create(
                case=self.case,
                number=next(_unique),
                contact_at=contact,
                address="x",
                outcome=spec["outcome"],
                message_delivered=spec["message"],
            )
        person = self._person(
            {
                "active": True,
                "sworn": True,
                "lead": False,
                "designated": None,
                "trainings": [],
                "manual": [],
            }
        )
        dm.AttemptTeamMember.objects.create(
            attempt=attempt,
            personnel=person,
            role="accompanying" if spec["accompanying"] else "deliverer",
        )
        if spec["lead_present"]:
            dm.AttemptTeamMember.objects.create(
                attempt=attempt, personnel=self._lead(), role="lead"
            )
        if spec["exception"]:
            dm.AttemptException.objects.create(
                attempt=attempt, rule_id="C-ECC", explanation="x", recorded_by=self.user
            )
        if spec["confirmed"] is not None or spec["ecc_at"] is not None or spec["cad"]:
            advised = (
                contact + datetime.timedelta(minutes=spec["ecc_at"])
                if spec["ecc_at"] is not None
                else None
            )
            dm.AfterAction.objects.create(
                attempt=attempt,
                ecc_outcome_advised_at=advised,
                ecc_outcome_advised_by=spec["ecc_by"],
                ecc_advised_outcome=spec["outcome"] if spec["advised_same_outcome"] else "aborted",
                cad_number=self._cad(spec["cad"]),
                confirmed_by=self.user if spec["confirmed"] is not None else None,
                confirmed_at=self.at_day(spec["confirmed"])
                if spec["confirmed"] is not None
                else None,
            )
        return attempt

    @staticmethod
    def _cad(kind):
        """A CAD number of the drawn kind, unique (the column is)."""
        if kind == "valid":
            return f"26-{next(_unique):07d}"
        if kind == "bad":
            return f"bad {next(_unique)}"
        return kind or None

    def as_of(self):
        offset, minute = self.spec["as_of"]
        return self.at_day(offset, minute)


@contextlib.contextmanager
def isolated():
    """Each example in a savepoint rolled back at its end: examples share the test's
    transaction, and neither their rows nor a failed statement may reach the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def histories():
    return history_spec().flatmap(
        lambda spec: st.tuples(st.just(spec), dates_of_birth(spec["anchor"]))
    )


def _python_holds(rule, subject, as_of):
    try:
        rule.validate(subject, as_of)
    except ValidationError:
        return False
    return True


def _fresh_case(case):
    """The case as a page loads it (a new instance: the rules cache what they read)."""
    return dm.CNCase.objects.select_related("candidate", "determination").get(pk=case.pk)


# --- the tests ------------------------------------------------------------------------------


@SETTINGS
@given(drawn=histories())
def test_case_rules_agree(drawn):
    """Every preparation rule and P-APPROVE: applies and holds, Python == SQL."""
    with isolated():
        history = History(*drawn).build()
        as_of = history.as_of()
        case = _fresh_case(history.case)
        subject = CaseSubject(case)
        cases = dm.CNCase.objects.filter(pk=case.pk)
        for rule in preparation_policy.CASE_RULES:
            applies = rule.applies(subject, as_of)
            assert applies == cases.filter(rule.applies_q(as_of)).exists(), rule.id
            holds = _python_holds(rule, subject, as_of)
            in_sql = cases.filter(preparation_policy.holds_q(rule, as_of)).exists()
            assert holds == in_sql, (rule.id, as_of)
        assert (
            case_juvenile(case)
            == cases.filter(preparation_policy.RULES_BY_ID["J-JPO"].applies_q(as_of)).exists()
        )
        ready = preparation_policy.ready_for_approval(case, as_of)
        assert ready == cases.filter(preparation_policy.ready_for_approval_q(as_of)).exists()


@SETTINGS
@given(drawn=histories())
def test_determination_in_force_agrees(drawn):
    """ID-DET over candidates: the determination in force at as_of holds, Python == SQL."""
    with isolated():
        history = History(*drawn).build()
        as_of = history.as_of()
        candidate = cm.Candidate.objects.get(pk=history.candidate.pk)
        holds = _python_holds(Determination(), candidate, as_of)
        in_sql = cm.Candidate.objects.filter(eligible_in_force_q(as_of), pk=candidate.pk).exists()
        assert holds == in_sql


@SETTINGS
@given(drawn=histories())
def test_deliverer_rules_agree(drawn):
    """DLV-ACTIVE, DLV-SWORN, DLV-TRAIN, DLV-ACCOMP for each officer: the roster's one query
    (annotate_deliverer_states) == each rule's Python answer."""
    with isolated():
        history = History(*drawn).build()
        as_of = history.as_of()
        people = dm.Personnel.objects.filter(
            pk__in=[p.pk for p in history.people]
            + list(
                dm.AttemptTeamMember.objects.filter(attempt__in=history.attempts).values_list(
                    "personnel_id", flat=True
                )
            )
        )
        annotated = {p.pk: p for p in personnel_policy.annotate_deliverer_states(people, as_of)}
        for person in people:
            for rule_id, flag in personnel_policy.FLAGS:
                rule = personnel_policy.rules_by_id()[rule_id]
                assert _python_holds(rule, person, as_of) == getattr(annotated[person.pk], flag), (
                    rule_id,
                    as_of,
                )


@SETTINGS
@given(drawn=histories())
def test_after_action_rules_agree(drawn):
    """A-ECC, A-CAD, A-RMS over attempts, Python == SQL."""
    with isolated():
        history = History(*drawn).build()
        for attempt in history.attempts:
            attempt = dm.DeliveryAttempt.objects.get(pk=attempt.pk)
            after_action = dm.AfterAction.objects.filter(attempt=attempt).first()
            subject = AfterActionSubject(after_action=after_action, attempt=attempt)
            attempts = dm.DeliveryAttempt.objects.filter(pk=attempt.pk)
            for rule in delivery_policy.CONFIRMATION_RULES:
                holds = _python_holds(rule, subject, None)
                assert holds == attempts.filter(rule.holds_q(None)).exists(), rule.id


def test_the_same_on_sqlite(tmp_path):
    """This module again, on the embedded SQLite database (a separate test run)."""
    if connection.vendor == "sqlite":
        pytest.skip("this run is the SQLite run")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'equality.sqlite3'}",
        "VIPCN_EQUALITY_EXAMPLES": str(EXAMPLES),
    }
    result = subprocess.run(  # noqa: S603 - this interpreter, this file
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout, result.stdout[-2000:]
