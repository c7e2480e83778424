"""Personnel services: writes record the actor, refuse stale or wrong input with a reason."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deliveries.models import ManualAccompaniment, Personnel, TrainingAttendance
from deliveries.policy import personnel as policy
from deliveries.services import personnel as services
from tests.factories import (
    ManualAccompanimentFactory,
    PersonnelFactory,
    RankFactory,
    TrainingAttendanceFactory,
    TrainingFactory,
)
from vipcn.policy import as_of_day

pytestmark = pytest.mark.django_db


def days(n):
    return datetime.timedelta(days=n)


def new_fields(**extra):
    fields = {
        "first_name": "Dana",
        "last_name": "Ortiz",
        "badge_number": "X-1",
        "rank": RankFactory(),
        "unit": "Gang Unit",
        "is_sworn": True,
        "is_active": True,
        "is_vip_lead": False,
        "lead_designated_on": None,
        "user": None,
    }
    fields.update(extra)
    return fields


class TestPersonnelCreateAndUpdate:
    def test_it_creates_with_the_actor_and_history(self, lead_user):
        person = services.personnel_create(actor=lead_user, **new_fields())
        assert person.created_by == lead_user
        assert person.version == 1
        assert person.history.count() == 1
        assert person.history.get().history_user == lead_user  # even outside a request

    def test_it_refuses_a_duplicate_badge(self, lead_user):
        PersonnelFactory(badge_number="X-1")
        with pytest.raises(ValidationError) as exc:
            services.personnel_create(actor=lead_user, **new_fields())
        assert "badge_number" in exc.value.error_dict

    def test_a_lead_needs_a_designation_date(self, lead_user):
        with pytest.raises(ValidationError) as exc:
            services.personnel_create(actor=lead_user, **new_fields(is_vip_lead=True))
        assert "lead_designated_on" in exc.value.error_dict
        # The designation meets DLV-ACCOMP only from its date: the refusal names the rule.
        assert rule_codes(exc.value, "lead_designated_on") == ["DLV-ACCOMP"]
        assert not Personnel.objects.exists()

    def test_a_designation_date_in_the_future_is_refused(self, lead_user):
        tomorrow = timezone.localdate() + days(1)
        with pytest.raises(ValidationError):
            services.personnel_create(
                actor=lead_user, **new_fields(is_vip_lead=True, lead_designated_on=tomorrow)
            )

    def test_a_designation_date_is_dropped_when_not_a_lead(self, lead_user):
        person = services.personnel_create(
            actor=lead_user, **new_fields(lead_designated_on=timezone.localdate())
        )
        assert person.lead_designated_on is None

    def test_update_bumps_the_version(self, lead_user):
        person = PersonnelFactory()
        services.personnel_update(person=person, version=1, actor=lead_user, unit="Traffic")
        person.refresh_from_db()
        assert (person.unit, person.version) == ("Traffic", 2)

    def test_update_with_a_stale_version_overwrites_nothing(self, lead_user):
        person = PersonnelFactory()
        services.personnel_update(person=person, version=1, actor=lead_user, unit="First")
        with pytest.raises(ValidationError) as exc:
            services.personnel_update(person=person, version=1, actor=lead_user, unit="Second")
        assert exc.value.code == "stale"
        person.refresh_from_db()
        assert person.unit == "First"

    def test_update_refuses_unknown_fields(self, lead_user):
        with pytest.raises(TypeError):
            services.personnel_update(
                person=PersonnelFactory(), version=1, actor=lead_user, version_bogus=3
            )


def rule_codes(exc, field):
    """The codes of a refusal's errors on one form field."""
    return [e.code for e in exc.error_dict[field]]


class TestTrainingAttendance:
    def test_it_records_with_the_actor(self, lead_user):
        person = PersonnelFactory()
        attendance = services.training_attendance_record(
            person=person,
            training=TrainingFactory(),
            attended_on=timezone.localdate(),
            evidence=" Sign-in sheet ",
            actor=lead_user,
        )
        assert attendance.created_by == lead_user
        assert attendance.evidence == "Sign-in sheet"
        assert policy.deliverer_states(person, timezone.now())[2].ok

    def test_a_future_date_is_refused(self, lead_user):
        with pytest.raises(ValidationError) as exc:
            services.training_attendance_record(
                person=PersonnelFactory(),
                training=TrainingFactory(),
                attended_on=timezone.localdate() + days(1),
                evidence="x",
                actor=lead_user,
            )
        assert "attended_on" in exc.value.error_dict

    def test_blank_evidence_is_refused_naming_the_rule(self, lead_user):
        person = PersonnelFactory()
        with pytest.raises(ValidationError) as exc:
            services.training_attendance_record(
                person=person,
                training=TrainingFactory(),
                attended_on=timezone.localdate(),
                evidence="  ",
                actor=lead_user,
            )
        assert rule_codes(exc.value, "evidence") == ["DLV-TRAIN"]
        assert not TrainingAttendance.objects.filter(personnel=person).exists()

    def test_the_same_attendance_twice_is_refused(self, lead_user):
        kwargs = {
            "person": PersonnelFactory(),
            "training": TrainingFactory(),
            "attended_on": timezone.localdate(),
            "evidence": "x",
            "actor": lead_user,
        }
        services.training_attendance_record(**kwargs)
        with pytest.raises(ValidationError) as exc:
            services.training_attendance_record(**kwargs)
        # Personnel-step refusals name their rule (issue 15 finding 7): DLV-TRAIN.
        assert exc.value.code == "DLV-TRAIN"
        assert "(DLV-TRAIN)" in exc.value.messages[0]
        assert TrainingAttendance.objects.filter(personnel=kwargs["person"]).count() == 1


class TestAccompanimentEnterAndConfirm:
    def enter(self, actor, **extra):
        kwargs = {
            "person": PersonnelFactory(),
            "accompanied_on": timezone.localdate() - days(100),
            "lead": PersonnelFactory(is_vip_lead=True),
            "evidence": "CAD 25-0001234",
            "actor": actor,
        }
        kwargs.update(extra)
        return services.accompaniment_enter(**kwargs)

    def test_an_entry_does_not_count_until_a_lead_confirms_it(self, staff_user, lead_user):
        entry = self.enter(staff_user)
        assert entry.created_by == staff_user
        assert not policy.deliverer_states(entry.personnel, timezone.now())[3].ok
        services.accompaniment_confirm(accompaniment=entry, actor=lead_user)
        entry.refresh_from_db()
        assert entry.confirmed_by == lead_user
        assert entry.confirmed_at is not None
        assert entry.version == 2
        assert entry.history.first().history_user == lead_user
        assert policy.deliverer_states(entry.personnel, timezone.now())[3].ok

    def test_only_a_lead_can_confirm(self, staff_user, manager_user):
        entry = self.enter(staff_user)
        for actor in (staff_user, manager_user):
            with pytest.raises(ValidationError) as exc:
                services.accompaniment_confirm(accompaniment=entry, actor=actor)
            # Personnel-step refusals name their rule (issue 15 finding 7): DLV-ACCOMP.
            assert exc.value.code == "DLV-ACCOMP"
        entry.refresh_from_db()
        assert entry.confirmed_at is None

    def test_it_cannot_be_confirmed_twice(self, lead_user):
        entry = self.enter(lead_user)
        services.accompaniment_confirm(accompaniment=entry, actor=lead_user)
        with pytest.raises(ValidationError) as exc:
            services.accompaniment_confirm(accompaniment=entry, actor=lead_user)
        assert exc.value.code == "already_confirmed"

    def test_a_lead_cannot_confirm_their_own_accompaniment(self, lead_user):
        own = PersonnelFactory(user=lead_user)
        entry = self.enter(lead_user, person=own)
        with pytest.raises(ValidationError) as exc:
            services.accompaniment_confirm(accompaniment=entry, actor=lead_user)
        # Personnel-step refusals name their rule (issue 15 finding 7): DLV-ACCOMP.
        assert exc.value.code == "DLV-ACCOMP"
        entry.refresh_from_db()
        assert (entry.confirmed_at, entry.confirmed_by) == (None, None)

    def test_the_lead_accompanied_must_be_recorded_as_lead(self, lead_user):
        with pytest.raises(ValidationError) as exc:
            self.enter(lead_user, lead=PersonnelFactory())
        assert "lead" in exc.value.error_dict
        assert rule_codes(exc.value, "lead") == ["DLV-ACCOMP"]
        assert not ManualAccompaniment.objects.exists()

    def test_a_person_cannot_accompany_themselves(self, lead_user):
        lead = PersonnelFactory(is_vip_lead=True)
        with pytest.raises(ValidationError) as exc:
            self.enter(lead_user, person=lead, lead=lead)
        assert "lead" in exc.value.error_dict
        assert rule_codes(exc.value, "lead") == ["DLV-ACCOMP"]
        assert "Blocked by SOP 2-64-6 A.2 (DLV-ACCOMP)" in exc.value.error_dict["lead"][0].message
        assert not ManualAccompaniment.objects.exists()

    def test_an_accompaniment_dated_before_the_leads_designation_is_refused(self, lead_user):
        # Issue 15 finding 7: it counted. Only a Lead designated on that date counts.
        lead = PersonnelFactory(
            is_vip_lead=True, lead_designated_on=timezone.localdate() - days(30)
        )
        with pytest.raises(ValidationError) as exc:
            self.enter(lead_user, lead=lead, accompanied_on=timezone.localdate() - days(31))
        assert rule_codes(exc.value, "lead") == ["DLV-ACCOMP"]
        assert not ManualAccompaniment.objects.exists()
        entry = self.enter(lead_user, lead=lead, accompanied_on=timezone.localdate() - days(30))
        assert ManualAccompaniment.objects.get() == entry

    def test_a_future_date_is_refused(self, lead_user):
        with pytest.raises(ValidationError) as exc:
            self.enter(lead_user, accompanied_on=timezone.localdate() + days(1))
        assert "accompanied_on" in exc.value.error_dict
        assert not ManualAccompaniment.objects.exists()

    def test_blank_evidence_is_refused(self, lead_user):
        with pytest.raises(ValidationError) as exc:
            self.enter(lead_user, evidence="   ")
        assert "evidence" in exc.value.error_dict
        assert rule_codes(exc.value, "evidence") == ["DLV-ACCOMP"]
        assert not ManualAccompaniment.objects.exists()

    def test_a_lead_can_reject_an_unconfirmed_entry_and_history_keeps_it(
        self, staff_user, lead_user
    ):
        entry = self.enter(staff_user)
        services.accompaniment_reject(accompaniment=entry, actor=lead_user)
        assert not ManualAccompaniment.objects.filter(pk=entry.pk).exists()
        removed = ManualAccompaniment.history.filter(id=entry.pk).first()
        assert (removed.history_type, removed.history_user) == ("-", lead_user)

    def test_staff_cannot_reject_and_a_confirmed_entry_cannot_be_rejected(
        self, staff_user, lead_user
    ):
        entry = self.enter(staff_user)
        with pytest.raises(ValidationError) as exc:
            services.accompaniment_reject(accompaniment=entry, actor=staff_user)
        # Personnel-step refusals name their rule (issue 15 finding 7): DLV-ACCOMP.
        assert exc.value.code == "DLV-ACCOMP"
        services.accompaniment_confirm(accompaniment=entry, actor=lead_user)
        with pytest.raises(ValidationError) as exc:
            services.accompaniment_reject(accompaniment=entry, actor=lead_user)
        assert exc.value.code == "already_confirmed"
        assert ManualAccompaniment.objects.filter(pk=entry.pk).exists()


class TestRoster:
    def test_filters(self, lead_user):
        today = timezone.localdate()
        command = RankFactory(name="Captain", is_command_level=True)
        ready = PersonnelFactory(last_name="Ready")
        TrainingAttendanceFactory(personnel=ready, attended_on=today - days(5))
        ManualAccompanimentFactory(
            personnel=ready, confirmed_at=timezone.now(), confirmed_by=lead_user
        )
        untrained = PersonnelFactory(last_name="Untrained")
        ManualAccompanimentFactory(
            personnel=untrained, confirmed_at=timezone.now(), confirmed_by=lead_user
        )
        pending = PersonnelFactory(last_name="Pending", rank=command)
        TrainingAttendanceFactory(personnel=pending, attended_on=today - days(5))
        ManualAccompanimentFactory(personnel=pending)
        PersonnelFactory(last_name="Gone", is_active=False)
        PersonnelFactory(last_name="Civilian", is_sworn=False)
        mine = {"Ready", "Untrained", "Pending", "Gone", "Civilian"}

        def names(show, search=""):
            rows = services.roster(user=lead_user, on_date=today, show=show, search=search)
            return {p.last_name for p in rows} & mine

        assert names("eligible") == {"Ready"}
        assert names("missing_training") == {"Untrained"}
        assert names("missing_accompaniment") == {"Pending"}
        assert names("command_level") == {"Pending"}
        assert names("inactive") == {"Gone"}
        assert names("awaiting_confirmation") == {"Pending"}
        assert names("all") == mine
        assert names("all", search="untra") == {"Untrained"}

    @pytest.mark.parametrize("back", [0, 30])
    def test_the_roster_and_the_dashboard_agree_on_who_may_deliver(self, lead_user, back):
        """Issue 15 finding 5: the dashboard said 1 person may deliver while the roster showed
        5. Both now read the DLV rules' one database form; each equals the Python rules."""
        from deliveries.selectors.reports import deliverer_summary

        today = timezone.localdate()
        people = roster_of_every_state(lead_user)
        on_date = today - days(back)
        as_of = as_of_day(on_date)
        rows = list(services.roster(user=lead_user, on_date=on_date, show="all"))
        eligible = list(services.roster(user=lead_user, on_date=on_date, show="eligible"))
        summary = deliverer_summary(lead_user, today - days(365), today, as_of=as_of)
        assert summary["eligible"] == len(eligible)
        assert summary["active"] == sum(1 for p in rows if p.is_active)
        assert summary["trained"] == sum(1 for p in rows if p.is_active and p.dlv_trained)
        assert {p.pk for p in eligible} == {p.pk for p in people if policy.may_deliver(p, as_of)}
        # Not trivially equal: some may deliver and some may not, on both dates.
        assert 0 < len(eligible) < len(people)


def roster_of_every_state(lead_user):
    """People in every DLV state, their facts recorded in time (weeks ago)."""
    from tests.factories import (
        AfterActionForPersonnelFactory,
        AttemptForPersonnelFactory,
        TeamMemberForPersonnelFactory,
        confirmed,
    )

    today = timezone.localdate()
    lead = PersonnelFactory(is_vip_lead=True, lead_designated_on=today - days(400))
    TrainingAttendanceFactory(personnel=lead, attended_on=today - days(200))

    def person(*, trained=True, accompanied=True, **extra):
        p = PersonnelFactory(**extra)
        if trained:
            TrainingAttendanceFactory(personnel=p, attended_on=today - days(100))
        if accompanied:
            confirmed(ManualAccompanimentFactory(personnel=p, lead=lead), by=lead_user)
        return p

    people = [
        lead,
        person(),
        person(trained=False),
        person(accompanied=False),
        person(is_active=False),
        person(is_sworn=False),
        PersonnelFactory(is_vip_lead=True, lead_designated_on=today - days(10)),  # untrained
    ]
    late = person(trained=False)  # trained between the two dates asked about
    TrainingAttendanceFactory(personnel=late, attended_on=today - days(5))
    people.append(late)
    recorded = person(accompanied=False)  # accompanied the Lead on a recorded delivery
    contact = timezone.now() - days(40)
    attempt = AttemptForPersonnelFactory(contact_at=contact)
    TeamMemberForPersonnelFactory(attempt=attempt, role="accompanying", personnel=recorded)
    TeamMemberForPersonnelFactory(attempt=attempt, role="lead", personnel=lead)
    AfterActionForPersonnelFactory(attempt=attempt, confirmed_at=contact + days(1))
    people.append(recorded)
    pending = person(accompanied=False)  # an entry not yet confirmed
    ManualAccompanimentFactory(personnel=pending, lead=lead)
    people.append(pending)
    return people


class TestDemoPersonnel:
    def test_it_seeds_every_state_and_four_eligible_deliverers(self, settings):
        from django.core.management import call_command

        from deliveries.demo_personnel import DEMO_DELIVERER_BADGES

        settings.DEMO_MODE = True
        call_command("load_demo_data", stdout=open("/dev/null", "w"))
        now = timezone.now()
        lead = Personnel.objects.get(user__username="lead")
        assert lead.is_vip_lead and policy.may_deliver(lead, now)
        for badge in DEMO_DELIVERER_BADGES:
            person = Personnel.objects.get(badge_number=badge)
            assert policy.may_deliver(person, now), badge
            assert person.is_sworn and person.is_active
            assert person.manual_accompaniments.filter(confirmed_at__isnull=False).exists()
        states = {
            tuple(policy.missing_rule_ids(p))
            for p in policy.annotate_deliverer_states(Personnel.objects.all(), now)
        }
        assert {(), ("DLV-TRAIN",), ("DLV-ACCOMP",), ("DLV-ACTIVE",)} <= states
        assert any("DLV-SWORN" in s for s in states)
        assert Personnel.objects.filter(rank__is_command_level=True, is_vip_lead=False).exists()
        assert ManualAccompaniment.objects.filter(confirmed_at__isnull=True).exists()
