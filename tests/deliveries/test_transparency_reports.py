"""POL-TRANSPARENCY: counts against a hand-counted fixture, small-count suppression and its
complement, and outcomes after a CN."""

import datetime

import pytest
from django.utils import timezone

from deliveries import models as dm
from deliveries.selectors import after_cn
from deliveries.selectors import transparency as tr
from deliveries.selectors.reports import default_period
from tests import factories as f

OUTCOME = dm.DeliveryAttempt.Outcome


class TestSuppression:
    def test_nothing_is_hidden_when_every_count_is_five_or_more(self):
        assert tr.suppress([5, 9, 12], with_total=True) == (set(), False)

    def test_a_small_count_is_hidden(self):
        hidden, total_hidden = tr.suppress([3, 9, 12], with_total=False)
        assert hidden == {0} and not total_hidden

    def test_a_lone_hidden_cell_gets_a_complement_so_the_total_does_not_reveal_it(self):
        # 3 alone hidden: 24 - 9 - 12 = 3 would give it away; the next smallest (9) goes too.
        hidden, total_hidden = tr.suppress([3, 9, 12], with_total=True)
        assert hidden == {0, 1} and not total_hidden

    def test_hidden_cells_summing_below_five_get_a_complement(self):
        # 0 and 2 hidden sum to 2: total minus the shown cell tells they are tiny; hide 7.
        hidden, _ = tr.suppress([0, 2, 7, 20], with_total=True)
        assert hidden == {0, 1, 2}

    def test_zero_cells_are_protected_too(self):
        hidden, _ = tr.suppress([0, 0, 10], with_total=True)
        assert hidden == {0, 1, 2}

    def test_a_total_below_five_is_hidden_with_every_cell(self):
        assert tr.suppress([1, 2, 0], with_total=True) == ({0, 1, 2}, True)

    def test_no_published_figure_lets_a_hidden_cell_be_recovered(self):
        for counts in ([3, 9, 12], [1, 1, 30], [4, 5, 6, 7], [0, 6], [2, 2, 2, 50]):
            hidden, total_hidden = tr.suppress(counts, with_total=True)
            assert not total_hidden
            assert all(counts[i] >= 5 for i in range(len(counts)) if i not in hidden)
            # Hidden cells' sum is known from the total: at least two of them, summing to 5+.
            assert len(hidden) != 1
            assert not hidden or sum(counts[i] for i in hidden) >= 5

    def test_the_table_shows_fewer_than_5(self):
        t = tr.table("T", [("a", 3), ("b", 9), ("c", 12)], with_total=True)
        assert [r.display for r in t["rows"]] == ["fewer than 5", "fewer than 5", "12"]
        assert t["total"].display == "24"


@pytest.mark.django_db
class TestReport:
    def build(self):
        for _ in range(6):
            f.ReportAttemptFactory(outcome=OUTCOME.DELIVERED)
        for _ in range(2):
            f.ReportAttemptFactory(outcome=OUTCOME.NOT_LOCATED)
        for _ in range(5):
            f.ReportAttemptFactory(outcome=OUTCOME.ENDED_BY_CANDIDATE)
        case = f.CaseFactory(state="attempted", candidate=f.JuvenileCandidateFactory())
        f.ReportAttemptFactory(case=case, outcome=OUTCOME.DELIVERED)

    def test_it_counts_and_suppresses(self, lead_user):
        self.build()
        start, end = default_period()
        report = tr.transparency_report(lead_user, start, end)
        outcomes = report["tables"][0]
        shown = {r.label: r.display for r in outcomes["rows"]}
        assert shown[str(OUTCOME.DELIVERED.label)] == "7"
        # not located (2) and the zeros are hidden; they sum to 2, which the total (14) minus
        # the shown cells would reveal, so the next smallest (ended, 5) is hidden as well.
        assert shown[str(OUTCOME.NOT_LOCATED.label)] == "fewer than 5"
        assert shown[str(OUTCOME.ENDED_BY_CANDIDATE.label)] == "fewer than 5"
        assert outcomes["total"].display == "14"
        ages = {r.label: r for r in report["tables"][1]["rows"]}
        assert (
            ages["Juvenile (17 or younger when identified or at the attempt)"].count == 1
            and ages["Juvenile (17 or younger when identified or at the attempt)"].suppressed
        )
        # The factory's adults turn 25 today; on the day of the attempt they were 24.
        # Hidden cells would sum to 1 (14 - 13): the 13 is hidden too, so nothing leaks.
        assert ages["18 to 24"].count == 13 and ages["18 to 24"].suppressed
        assert all(r.suppressed for r in ages.values())
        assert report["tables"][1]["total"].display == "14"

    def test_it_exposes_no_personal_data(self, lead_user):
        self.build()
        start, end = default_period()
        text = repr(tr.transparency_report(lead_user, start, end))
        for case in dm.CNCase.objects.select_related("candidate"):
            assert case.number not in text
            assert case.candidate.last_name not in text
            assert case.candidate.date_of_birth.isoformat() not in text

    @pytest.mark.parametrize("size", [1, 5])
    def test_it_runs_a_fixed_number_of_queries(self, size, lead_user, django_assert_num_queries):
        for _ in range(size):
            self.build()
        start, end = default_period()
        lead_user.has_perm("candidates.view_juvenile_records")
        with django_assert_num_queries(7):
            tr.transparency_report(lead_user, start, end)


@pytest.mark.django_db
class TestAfterCN:
    def test_it_measures_involvement_after_the_cn_only(self, lead_user):
        today = timezone.localdate()
        attempt = f.ReportAttemptFactory(contact_at=timezone.now() - datetime.timedelta(days=40))
        notified = attempt.case.candidate
        f.ReportInvolvementFactory(
            candidate=notified, shooting__occurred_on=today - datetime.timedelta(days=60)
        )  # before the CN: not counted
        f.ReportInvolvementFactory(
            candidate=notified,
            role="suspect",
            shooting__occurred_on=today - datetime.timedelta(days=10),
        )
        quiet = f.ReportAttemptFactory().case.candidate
        not_notified = f.CandidateFactory()
        f.ReportDeterminationFactory(
            candidate=not_notified, determined_on=today - datetime.timedelta(days=50)
        )
        f.ReportInvolvementFactory(
            candidate=not_notified, shooting__occurred_on=today - datetime.timedelta(days=5)
        )
        f.ReportDeterminationFactory(candidate=f.CandidateFactory())
        rows = {c.pk: c for c in after_cn.notified_candidates(lead_user)}
        assert rows[notified.pk].next_role == "suspect"
        # From the local date of the CN (a day later than 40 days ago when a daylight-saving
        # change lies between, late in the evening) to the shooting's date.
        days_to = (
            today - datetime.timedelta(days=10) - timezone.localdate(attempt.contact_at)
        ).days
        assert days_to in (29, 30)
        assert rows[notified.pk].days_to.days == days_to
        assert rows[quiet.pk].next_on is None
        summary = after_cn.after_cn_summary(lead_user)
        assert summary["notified"] == {
            "people": 2,
            "involved": 1,
            "victims": 0,
            "suspects": 1,
            "mean_days": days_to,
            "percent": 50,
        }
        assert summary["not_notified"]["people"] == 2
        assert summary["not_notified"]["involved"] == 1
        assert summary["not_notified"]["victims"] == 1
        assert summary["not_notified"]["mean_days"] == 45
