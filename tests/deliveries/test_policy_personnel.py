"""Who may deliver (SOP 2-64-6): one class per rule, no HTTP."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from deliveries.models import AttemptTeamMember, DeliveryAttempt, Personnel
from deliveries.policy import personnel as policy
from tests.factories import (
    AfterActionForPersonnelFactory,
    AttemptForPersonnelFactory,
    ManualAccompanimentFactory,
    PersonnelFactory,
    RankFactory,
    TeamMemberForPersonnelFactory,
    TrainingAttendanceFactory,
    UserFactory,
)
from vipcn.policy import as_of_day, failure_codes

pytestmark = pytest.mark.django_db

Role = AttemptTeamMember.Role
Outcome = DeliveryAttempt.Outcome
TODAY = datetime.date(2026, 6, 15)
CASE_NUMBERS = itertools.count(1)


def days(n):
    return datetime.timedelta(days=n)


def at_noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def moment(day):
    """The rules judge as of a moment: a question asked "on a day" is answered at its end."""
    return as_of_day(day)


def lead_person(**extra):
    return PersonnelFactory(is_vip_lead=True, lead_designated_on=TODAY - days(400), **extra)


def recorded_attempt(
    *,
    person,
    lead,
    on,
    role=Role.ACCOMPANYING,
    outcome=Outcome.DELIVERED,
    confirmed=True,
    after_action=True,
    lead_role=Role.LEAD,
):
    """An attempt with ``person`` on the team (in ``role``) and ``lead`` (in ``lead_role``)."""
    # A number of its own: the demo data (loaded by one test) numbers its cases CN-<year>-n.
    attempt = AttemptForPersonnelFactory(
        case__number=f"CN-DLV-{next(CASE_NUMBERS):05d}", contact_at=at_noon(on), outcome=outcome
    )
    TeamMemberForPersonnelFactory(attempt=attempt, role=role, personnel=person)
    if lead is not None:
        TeamMemberForPersonnelFactory(attempt=attempt, role=lead_role, personnel=lead)
    if after_action:
        # Confirmed (A-RMS) two hours after the contact: a fact counts from when it is recorded.
        AfterActionForPersonnelFactory(
            attempt=attempt,
            confirmed_at=attempt.contact_at + datetime.timedelta(hours=2) if confirmed else None,
        )
    return attempt


def trained(person, on=None):
    TrainingAttendanceFactory(personnel=person, attended_on=on or TODAY - days(100))
    return person


def confirmed_by_hand(person, on=None, lead=None):
    """A hand-entered accompaniment, confirmed by a Lead the day after it."""
    on = on or TODAY - days(50)
    return ManualAccompanimentFactory(
        personnel=person,
        accompanied_on=on,
        lead=lead or lead_person(),
        confirmed_at=at_noon(on + days(1)),
        confirmed_by=UserFactory(),
    )


def eligible_person(**extra):
    person = trained(PersonnelFactory(**extra))
    confirmed_by_hand(person)
    return person


def codes(person, on=TODAY):
    try:
        policy.check_deliverer(person, moment(on))
    except ValidationError as exc:
        return failure_codes(exc)
    return []


def state(person, rule_id, on=TODAY):
    return next(s for s in policy.deliverer_states(person, moment(on)) if s.id == rule_id)


def bulk(person, on=TODAY):
    """The roster's one-query answer for ``person`` (annotate_deliverer_states)."""
    people = Personnel.objects.filter(pk=person.pk)
    return policy.annotate_deliverer_states(people, moment(on)).get()


def may_deliver(person, on=TODAY):
    return policy.may_deliver(person, moment(on))


def assert_blocked(person, rule_id, citation, on=TODAY):
    s = state(person, rule_id, on)
    assert not s.ok
    assert [e.code for e in s.errors] == [rule_id]
    message = s.messages[0]
    assert f"Blocked by {citation} ({rule_id})" in message
    assert person.full_name in message


class TestActive:
    def test_active_person_passes(self):
        assert state(eligible_person(), "DLV-ACTIVE").ok

    def test_inactive_person_is_blocked_with_the_rule_id(self):
        person = eligible_person(is_active=False)
        # DLV-ACTIVE is the program's own rule: its citation is "VIP program rule", never a
        # section of 2-64-6 (requirements.md, "Citations"; issue 15 finding 8).
        assert_blocked(person, "DLV-ACTIVE", "VIP program rule")
        assert codes(person) == ["DLV-ACTIVE"]
        assert not may_deliver(person)

    def test_inactive_person_cannot_even_accompany(self):
        person = PersonnelFactory(is_active=False)
        with pytest.raises(ValidationError) as exc:
            policy.check_accompanying(person, moment(TODAY))
        assert failure_codes(exc.value) == ["DLV-ACTIVE"]


class TestSworn:
    def test_sworn_person_passes(self):
        assert state(eligible_person(), "DLV-SWORN").ok

    def test_civilian_is_blocked(self):
        assert_blocked(eligible_person(is_sworn=False), "DLV-SWORN", "SOP 2-64-6 A")

    def test_a_civilian_can_never_be_eligible(self):
        # Trained, accompanied by hand and on a recorded delivery, even flagged as Lead.
        civilian = eligible_person(is_sworn=False)
        recorded_attempt(person=civilian, lead=lead_person(), on=TODAY - days(10))
        civilian.is_vip_lead, civilian.lead_designated_on = True, TODAY - days(500)
        civilian.save()
        assert codes(civilian) == ["DLV-SWORN"]
        assert not may_deliver(civilian)

    def test_civilian_cannot_go_as_accompanying_officer(self):
        with pytest.raises(ValidationError) as exc:
            policy.check_accompanying(PersonnelFactory(is_sworn=False), moment(TODAY))
        assert failure_codes(exc.value) == ["DLV-SWORN"]

    def test_active_sworn_person_may_accompany_before_being_eligible(self):
        policy.check_accompanying(PersonnelFactory(), moment(TODAY))  # does not raise


class TestTrained:
    def test_no_training_is_blocked(self):
        person = PersonnelFactory()
        confirmed_by_hand(person)
        assert_blocked(person, "DLV-TRAIN", "SOP 2-64-6 A.1")
        assert codes(person) == ["DLV-TRAIN"]

    def test_training_before_the_date_counts(self):
        assert state(trained(PersonnelFactory(), TODAY - days(1)), "DLV-TRAIN").ok

    def test_training_on_the_date_counts(self):
        assert state(trained(PersonnelFactory(), TODAY), "DLV-TRAIN").ok

    def test_training_after_the_delivery_date_does_not_count(self):
        person = trained(PersonnelFactory(), TODAY + days(1))
        assert_blocked(person, "DLV-TRAIN", "SOP 2-64-6 A.1")
        # ...but it does for a delivery on or after it.
        assert state(person, "DLV-TRAIN", TODAY + days(1)).ok

    def test_someone_elses_training_does_not_count(self):
        trained(PersonnelFactory())
        assert not state(PersonnelFactory(), "DLV-TRAIN").ok


class TestAccompanied:
    def test_no_accompaniment_is_blocked(self):
        person = trained(PersonnelFactory())
        assert_blocked(person, "DLV-ACCOMP", "SOP 2-64-6 A.2")
        assert codes(person) == ["DLV-ACCOMP"]

    def test_recorded_delivery_with_the_lead_counts(self):
        person = trained(PersonnelFactory())
        recorded_attempt(person=person, lead=lead_person(), on=TODAY - days(5))
        assert state(person, "DLV-ACCOMP").ok
        assert may_deliver(person)

    def test_delivery_does_not_count_until_its_after_action_is_confirmed(self):
        person = trained(PersonnelFactory())
        attempt = recorded_attempt(
            person=person, lead=lead_person(), on=TODAY - days(5), confirmed=False
        )
        assert_blocked(person, "DLV-ACCOMP", "SOP 2-64-6 A.2")
        attempt.after_action.confirmed_at = at_noon(TODAY - days(4))
        attempt.after_action.save()
        assert state(person, "DLV-ACCOMP").ok
        # It counts from its confirmation, not before (facts count from when recorded).
        assert not state(person, "DLV-ACCOMP", TODAY - days(5)).ok

    def test_delivery_without_any_after_action_does_not_count(self):
        person = PersonnelFactory()
        recorded_attempt(person=person, lead=lead_person(), on=TODAY - days(5), after_action=False)
        assert not state(person, "DLV-ACCOMP").ok

    def test_delivery_without_the_lead_on_the_team_does_not_count(self):
        person = PersonnelFactory()
        recorded_attempt(person=person, lead=None, on=TODAY - days(5))
        assert not state(person, "DLV-ACCOMP").ok

    def test_lead_present_only_as_a_deliverer_does_not_count(self):
        person = PersonnelFactory()
        recorded_attempt(
            person=person, lead=lead_person(), on=TODAY - days(5), lead_role=Role.DELIVERER
        )
        assert not state(person, "DLV-ACCOMP").ok

    def test_a_person_listed_as_lead_on_their_own_attempt_does_not_accompany_themselves(self):
        person = PersonnelFactory()
        recorded_attempt(person=person, lead=person, on=TODAY - days(5))
        assert not state(person, "DLV-ACCOMP").ok

    def test_only_the_accompanying_role_counts(self):
        person = PersonnelFactory()
        recorded_attempt(person=person, lead=lead_person(), on=TODAY - days(5), role=Role.DELIVERER)
        assert not state(person, "DLV-ACCOMP").ok

    @pytest.mark.parametrize(
        "outcome,counts",
        [
            (Outcome.DELIVERED, True),
            (Outcome.ALTERNATE, True),
            (Outcome.ENDED_BY_CANDIDATE, True),
            (Outcome.NOT_LOCATED, False),
            (Outcome.ABORTED, False),
        ],
    )
    def test_only_attempts_that_met_someone_count(self, outcome, counts):
        person = PersonnelFactory()
        recorded_attempt(person=person, lead=lead_person(), on=TODAY - days(5), outcome=outcome)
        assert state(person, "DLV-ACCOMP").ok is counts

    def test_delivery_after_the_date_does_not_count(self):
        person = PersonnelFactory()
        recorded_attempt(person=person, lead=lead_person(), on=TODAY + days(1))
        assert not state(person, "DLV-ACCOMP").ok
        assert state(person, "DLV-ACCOMP", TODAY + days(1)).ok

    def test_hand_entered_accompaniment_counts_only_once_confirmed(self):
        person = PersonnelFactory()
        entry = ManualAccompanimentFactory(personnel=person, accompanied_on=TODAY - days(30))
        assert_blocked(person, "DLV-ACCOMP", "SOP 2-64-6 A.2")
        entry.confirmed_at, entry.confirmed_by = at_noon(TODAY - days(29)), UserFactory()
        entry.save()
        assert state(person, "DLV-ACCOMP").ok

    def test_hand_entered_accompaniment_after_the_date_does_not_count(self):
        person = PersonnelFactory()
        confirmed_by_hand(person, on=TODAY + days(3))
        assert not state(person, "DLV-ACCOMP").ok

    def test_lead_meets_the_rule_by_designation(self):
        lead = lead_person()
        assert state(lead, "DLV-ACCOMP").ok

    def test_designation_on_the_date_counts_but_not_after_it(self):
        lead = PersonnelFactory(is_vip_lead=True, lead_designated_on=TODAY)
        assert state(lead, "DLV-ACCOMP").ok
        assert not state(lead, "DLV-ACCOMP", TODAY - days(1)).ok

    def test_lead_without_a_recorded_designation_date_is_not_met_by_designation(self):
        lead = PersonnelFactory(is_vip_lead=True, lead_designated_on=None)
        assert_blocked(lead, "DLV-ACCOMP", "SOP 2-64-6 A.2")

    def test_lead_still_needs_to_be_sworn_and_trained(self):
        lead = lead_person()
        assert codes(lead) == ["DLV-TRAIN"]
        lead.is_sworn = False
        lead.save()
        assert codes(lead) == ["DLV-SWORN", "DLV-TRAIN"]
        trained(lead)
        assert codes(lead) == ["DLV-SWORN"]
        lead.is_sworn = True
        lead.save()
        assert may_deliver(lead)

    # --- issue 15: which accompaniment counts (requirements.md, Reading on DLV-ACCOMP) ------

    def test_a_hand_entry_naming_a_lead_designated_only_later_does_not_count(self):
        # Written directly (as the admin once could): the rule, not only the form, ignores it.
        lead = PersonnelFactory(is_vip_lead=True, lead_designated_on=TODAY - days(10))
        person = trained(PersonnelFactory())
        confirmed_by_hand(person, on=TODAY - days(50), lead=lead)
        assert_blocked(person, "DLV-ACCOMP", "SOP 2-64-6 A.2")
        row = bulk(person)
        assert not row.dlv_accompanied and not row.dlv_eligible
        assert policy.first_accompanied_on(row) is None
        # The same entry on a day the Lead was designated counts.
        confirmed_by_hand(person, on=TODAY - days(5), lead=lead)
        assert state(person, "DLV-ACCOMP").ok and bulk(person).dlv_accompanied

    def test_a_recorded_delivery_with_a_lead_designated_only_later_does_not_count(self):
        lead = trained(PersonnelFactory(is_vip_lead=True, lead_designated_on=TODAY - days(10)))
        person = trained(PersonnelFactory())
        recorded_attempt(person=person, lead=lead, on=TODAY - days(20))
        assert_blocked(person, "DLV-ACCOMP", "SOP 2-64-6 A.2")
        assert not bulk(person).dlv_accompanied
        recorded_attempt(person=person, lead=lead, on=TODAY - days(3))
        assert state(person, "DLV-ACCOMP").ok and bulk(person).dlv_accompanied

    def test_a_hand_entry_with_the_same_officer_as_person_and_lead_never_counts(self):
        # Issue 15 finding 6: such an entry, confirmed in the admin by another user, met
        # DLV-ACCOMP. Written directly, confirmed by someone else, the rule ignores it: it is
        # no accompaniment (no date on the roster), and once the officer is no longer Lead
        # nothing meets the rule.
        officer = trained(PersonnelFactory(is_vip_lead=True, lead_designated_on=TODAY - days(400)))
        confirmed_by_hand(officer, on=TODAY - days(50), lead=officer)
        assert (
            not policy.confirmed_manual_accompaniments_by(moment(TODAY))
            .filter(personnel=officer)
            .exists()
        )
        assert policy.first_accompanied_on(bulk(officer)) is None
        assert state(officer, "DLV-ACCOMP").ok  # met by the designation, not by the entry
        officer.is_vip_lead, officer.lead_designated_on = False, None
        officer.save()
        assert_blocked(officer, "DLV-ACCOMP", "SOP 2-64-6 A.2")
        assert not bulk(officer).dlv_accompanied

    def test_a_hand_entry_confirmed_by_the_person_themselves_does_not_count(self):
        user = UserFactory()
        person = trained(PersonnelFactory(user=user))
        entry = confirmed_by_hand(person)
        entry.confirmed_by = user
        entry.save()
        assert_blocked(person, "DLV-ACCOMP", "SOP 2-64-6 A.2")
        assert not bulk(person).dlv_accompanied


class TestCheckDeliverer:
    def test_it_lists_every_failure_at_once(self):
        person = PersonnelFactory(is_active=False, is_sworn=False)
        assert codes(person) == ["DLV-ACTIVE", "DLV-SWORN", "DLV-TRAIN", "DLV-ACCOMP"]

    def test_an_officer_becomes_eligible_by_training_plus_one_recorded_accompaniment(self):
        person = PersonnelFactory()
        recorded_attempt(person=person, lead=lead_person(), on=TODAY - days(20))
        assert not may_deliver(person)
        trained(person, TODAY - days(10))
        assert codes(person) == []
        assert may_deliver(person)
        # Before the training it was not so.
        assert codes(person, TODAY - days(11)) == ["DLV-TRAIN"]

    def test_the_checklist_names_every_rule_in_order(self):
        ids = [s.id for s in policy.deliverer_states(PersonnelFactory(), moment(TODAY))]
        assert ids == ["DLV-ACTIVE", "DLV-SWORN", "DLV-TRAIN", "DLV-ACCOMP"]


class TestCommandLevelShare:
    """DLV-CMD is reported, never enforced: the share of deliveries by command level."""

    def test_it_counts_deliveries_with_a_command_level_deliverer_or_lead(self):
        command = RankFactory(name="Captain", is_command_level=True)
        officer = RankFactory(name="Officer", is_command_level=False)
        captain = PersonnelFactory(rank=command)
        constable = PersonnelFactory(rank=officer)
        # 1: command-level deliverer; 2: command-level Lead; 3: command-level only
        # accompanying; 4: no command level; 5: not delivered (not located).
        a1 = recorded_attempt(person=captain, lead=None, on=TODAY, role=Role.DELIVERER)
        recorded_attempt(person=constable, lead=captain, on=TODAY, role=Role.DELIVERER)
        recorded_attempt(person=captain, lead=constable, on=TODAY, role=Role.ACCOMPANYING)
        recorded_attempt(person=constable, lead=None, on=TODAY, role=Role.DELIVERER)
        recorded_attempt(
            person=captain, lead=None, on=TODAY, role=Role.DELIVERER, outcome=Outcome.NOT_LOCATED
        )
        # Two command-level people on one attempt still make one delivery.
        TeamMemberForPersonnelFactory(
            attempt=a1, role=Role.LEAD, personnel=PersonnelFactory(rank=command)
        )
        assert policy.command_level_share(DeliveryAttempt.objects.all()) == (2, 4)

    def test_alternate_recipient_counts_as_delivered_and_ended_does_not(self):
        captain = PersonnelFactory(rank=RankFactory(name="Captain", is_command_level=True))
        recorded_attempt(
            person=captain, lead=None, on=TODAY, role=Role.DELIVERER, outcome=Outcome.ALTERNATE
        )
        recorded_attempt(
            person=captain,
            lead=None,
            on=TODAY,
            role=Role.DELIVERER,
            outcome=Outcome.ENDED_BY_CANDIDATE,
        )
        assert policy.command_level_share(DeliveryAttempt.objects.all()) == (1, 1)

    def test_no_deliveries_gives_zero_of_zero(self):
        assert policy.command_level_share(DeliveryAttempt.objects.all()) == (0, 0)

    def test_per_person_counts(self):
        captain = PersonnelFactory(rank=RankFactory(name="Captain", is_command_level=True))
        other = PersonnelFactory(rank=RankFactory(name="Commander", is_command_level=True))
        recorded_attempt(person=captain, lead=None, on=TODAY, role=Role.DELIVERER)
        recorded_attempt(person=PersonnelFactory(), lead=captain, on=TODAY, role=Role.DELIVERER)
        rows = {p.pk: p.delivered for p in policy.command_level_deliverers(DeliveryAttempt.objects)}
        assert rows == {captain.pk: 2, other.pk: 0}


class TestBulkAgreesWithTheCheck:
    """The roster's one-query answer equals deliverer_states for every person and date."""

    def build_every_state(self):
        lead = trained(lead_person())
        future_lead = PersonnelFactory(is_vip_lead=True, lead_designated_on=TODAY + days(2))
        undated_lead = PersonnelFactory(is_vip_lead=True, lead_designated_on=None)
        people = [lead, future_lead, undated_lead, eligible_person()]
        people.append(eligible_person(is_active=False))
        people.append(eligible_person(is_sworn=False))
        people.append(trained(PersonnelFactory(), TODAY + days(1)))
        p = trained(PersonnelFactory())
        recorded_attempt(person=p, lead=lead, on=TODAY)
        people.append(p)
        p = PersonnelFactory()
        recorded_attempt(person=p, lead=lead, on=TODAY - days(3), confirmed=False)
        people.append(p)
        p = trained(PersonnelFactory())
        recorded_attempt(person=p, lead=None, on=TODAY - days(3))
        recorded_attempt(person=p, lead=lead, on=TODAY - days(3), outcome=Outcome.NOT_LOCATED)
        people.append(p)
        p = trained(PersonnelFactory())
        ManualAccompanimentFactory(personnel=p, lead=lead, accompanied_on=TODAY - days(9))
        people.append(p)
        p = trained(PersonnelFactory())
        confirmed_by_hand(p, on=TODAY + days(1), lead=lead)
        recorded_attempt(person=p, lead=lead, on=TODAY - days(1))
        people.append(p)
        return people

    @pytest.mark.parametrize("offset", [-30, -1, 0, 1, 2, 400])
    def test_bulk_and_single_answers_agree(self, offset):
        self.build_every_state()
        on = moment(TODAY + days(offset))
        annotated = policy.annotate_deliverer_states(Personnel.objects.all(), on)
        assert len(annotated) > 10
        for person in annotated:
            single = {s.id: s.ok for s in policy.deliverer_states(person, on)}
            bulk = {
                "DLV-ACTIVE": person.dlv_active,
                "DLV-SWORN": person.dlv_sworn,
                "DLV-TRAIN": person.dlv_trained,
                "DLV-ACCOMP": person.dlv_accompanied,
            }
            assert bulk == single, person
            assert person.dlv_eligible == policy.may_deliver(person, on)
            assert policy.missing_rule_ids(person) == [k for k, ok in single.items() if not ok]

    @pytest.mark.parametrize("offset", [-1, 0, 2])
    def test_answers_loaded_for_a_team_equal_the_rules_own(self, offset):
        """load_deliverer_states (one query for a page's officers) gives every rule the same
        answer and message as the rule's own queries, and the rules then query nothing."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.build_every_state()
        on = moment(TODAY + days(offset))
        loaded = list(Personnel.objects.all())
        policy.load_deliverer_states(loaded, on)
        for person in loaded:
            with CaptureQueriesContext(connection) as ctx:
                from_loaded = [
                    (s.id, s.ok, s.messages) for s in policy.deliverer_states(person, on)
                ]
            assert not ctx.captured_queries, person
            fresh = Personnel.objects.get(pk=person.pk)
            own = [(s.id, s.ok, s.messages) for s in policy.deliverer_states(fresh, on)]
            assert from_loaded == own, person
        elsewhere = loaded[0]
        # Answers loaded for one moment are never used for another.
        assert policy._known(elsewhere, on + days(1), "dlv_trained") is None

    def test_bulk_and_single_answers_agree_on_the_demo_data(self, settings):
        settings.DEMO_MODE = True
        call_command("load_demo_data", stdout=open("/dev/null", "w"))
        self.build_every_state()
        today = timezone.now()
        seen = {"eligible": 0, "DLV-ACTIVE": 0, "DLV-SWORN": 0, "DLV-TRAIN": 0, "DLV-ACCOMP": 0}
        for person in policy.annotate_deliverer_states(Personnel.objects.all(), today):
            single = policy.deliverer_states(person, today)
            assert person.dlv_eligible == all(s.ok for s in single), person
            assert policy.missing_rule_ids(person) == [s.id for s in single if not s.ok]
            seen["eligible"] += person.dlv_eligible
            for rule_id in policy.missing_rule_ids(person):
                seen[rule_id] += 1
        assert all(seen.values()), seen  # every state is represented

    def test_dates_shown_on_the_roster(self):
        lead = trained(lead_person())
        p = PersonnelFactory()
        TrainingAttendanceFactory(personnel=p, attended_on=TODAY - days(40))
        TrainingAttendanceFactory(personnel=p, attended_on=TODAY - days(20))
        TrainingAttendanceFactory(personnel=p, attended_on=TODAY + days(20))
        recorded_attempt(person=p, lead=lead, on=TODAY - days(15))
        confirmed_by_hand(p, on=TODAY - days(25), lead=lead)
        ManualAccompanimentFactory(personnel=p, lead=lead, accompanied_on=TODAY - days(90))
        q = Personnel.objects.filter(pk=p.pk)
        row = policy.annotate_deliverer_states(q, moment(TODAY)).get()
        assert row.last_training_on == TODAY - days(20)
        # The unconfirmed one is ignored.
        assert policy.first_accompanied_on(row) == TODAY - days(25)
        only_recorded = policy.annotate_deliverer_states(q, moment(TODAY - days(20))).get()
        assert policy.first_accompanied_on(only_recorded) == TODAY - days(25)
        none_yet = policy.annotate_deliverer_states(q, moment(TODAY - days(26))).get()
        assert policy.first_accompanied_on(none_yet) is None
        assert none_yet.last_training_on == TODAY - days(40)
