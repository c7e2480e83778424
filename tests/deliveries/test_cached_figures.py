"""The dashboard and the compliance audit are computed once per state of the data (issue 9):
re-used while nothing changes, recomputed as soon as any record changes, never shared between
users who may see different records; the audit's attempts come a page at a time."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deliveries import models as dm
from deliveries.views import reports as report_views
from tests import factories as f
from tests.conftest import login_as
from vipcn import freshness

pytestmark = pytest.mark.django_db


def _get(client, name, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(name), params or {})
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_the_data_version_changes_with_every_write(lead_user):
    before = freshness.data_version()
    case = f.CaseFactory()
    created = freshness.data_version()
    assert created != before
    case.no_letter_reason = "Verbal notice only."
    case.save()
    changed = freshness.data_version()
    assert changed != created
    case.delete()
    assert freshness.data_version() != changed
    assert freshness.data_version() == freshness.data_version()  # reading changes nothing


def test_the_dashboard_is_reused_until_a_record_changes(lead_client):
    case = f.CaseFactory()  # in preparation, waiting for P-THREAT among others
    first, cold = _get(lead_client, "reports:dashboard")
    waiting = {r["rule_id"]: r["count"] for r in first.context["pipeline"]["waiting"]}
    assert waiting["P-THREAT"] == 1 and not first.context["figures"].cached
    again, warm = _get(lead_client, "reports:dashboard")
    assert again.context["figures"].cached and warm < cold
    assert again.content.decode().count("P-THREAT") == first.content.decode().count("P-THREAT")

    f.ThreatAssessmentFactory(case=case)  # any write: the next view recomputes
    fresh, _queries = _get(lead_client, "reports:dashboard")
    assert not fresh.context["figures"].cached
    waiting = {r["rule_id"]: r["count"] for r in fresh.context["pipeline"]["waiting"]}
    assert waiting["P-THREAT"] == 0


def test_figures_are_not_shared_between_users_who_see_different_records(
    client, lead_user, manager_user, settings
):
    from django.contrib.auth.models import Permission

    f.CaseFactory(candidate=f.JuvenileCandidateFactory())
    login_as(client, lead_user)
    lead_view, _q = _get(client, "reports:dashboard")
    lead_states = {r["state"]: r["count"] for r in lead_view.context["pipeline"]["states"]}
    assert lead_states["preparing"] == 1
    # A user without the juvenile permission must not be served the Lead's cached counts.
    for group in manager_user.groups.all():
        group.permissions.remove(Permission.objects.get(codename="view_juvenile_records"))
    manager_user = type(manager_user).objects.get(pk=manager_user.pk)  # no permission cache
    login_as(client, manager_user)
    manager_view, _q = _get(client, "reports:dashboard")
    states = {r["state"]: r["count"] for r in manager_view.context["pipeline"]["states"]}
    assert states["preparing"] == 0 and not manager_view.context["figures"].cached


def test_figures_follow_the_language(lead_client, settings):
    _get(lead_client, "reports:dashboard")
    lead_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    spanish, _q = _get(lead_client, "reports:dashboard")
    assert not spanish.context["figures"].cached
    assert "Cifras a las" in spanish.content.decode()


def test_the_clock_steps_bound_how_old_time_based_figures_get():
    t = timezone.make_aware(datetime.datetime(2026, 11, 28, 10, 44, 59))
    assert freshness.clock(t) == timezone.make_aware(datetime.datetime(2026, 11, 28, 10, 40))
    assert freshness.clock(t + datetime.timedelta(seconds=1)) == timezone.make_aware(
        datetime.datetime(2026, 11, 28, 10, 45)
    )


def test_the_audit_pages_attempts_and_exceptions_but_totals_the_period(lead_client, monkeypatch):
    monkeypatch.setattr(report_views, "AUDIT_PAGE_SIZE", 1)
    now = timezone.now()
    attempts = [
        f.report_compliant_attempt(contact_at=now - datetime.timedelta(days=d)) for d in (3, 2)
    ]
    for attempt in attempts:
        dm.AfterAction.objects.filter(attempt=attempt).update(cad_number=None)
        f.judge(attempt)  # the audit reads the cells the rules store for each attempt
    first, _q = _get(lead_client, "reports:compliance")
    totals = {t["rule"].id: t for t in first.context["audit"]["totals"]}
    assert totals["A-CAD"]["not_met"] == 2  # the whole period
    assert [r.attempt.pk for r in first.context["rows"]] == [attempts[0].pk]
    assert len(first.context["exceptions_page"]) == 1
    html = first.content.decode()
    assert "2 attempts in the period." in html and "2 exceptions in the period." in html
    second, _q = _get(lead_client, "reports:compliance", {"page": 2, "exceptions_page": 2})
    assert second.context["figures"].cached
    assert [r.attempt.pk for r in second.context["rows"]] == [attempts[1].pk]
    assert second.context["exceptions_page"][0]["case_number"] == attempts[1].case.number


def test_only_figures_measured_from_now_follow_the_clock():
    calls = []

    def compute(as_of):
        calls.append(as_of)
        return len(calls)

    t = timezone.make_aware(datetime.datetime(2026, 11, 28, 10, 41))
    later = t + datetime.timedelta(minutes=10)  # another clock step, the same day
    assert freshness.cached_figures("t", compute, key=[], now=t, uses_clock=False).value == 1
    again = freshness.cached_figures("t", compute, key=[], now=later, uses_clock=False)
    assert again.cached and again.value == 1 and again.as_of == t
    assert freshness.cached_figures("c", compute, key=[], now=t).value == 2
    assert freshness.cached_figures("c", compute, key=[], now=later).value == 3


def test_the_generation_advances_when_a_write_commits_not_before(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            f.CaseFactory()
            before = freshness.data_version().split(".")[0]  # written, not committed
    assert callbacks  # run at the commit
    assert freshness.data_version().split(".")[0] != before

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                f.CaseFactory()
                raise RuntimeError
        except RuntimeError:
            pass
    assert not callbacks  # a rolled-back write advances nothing


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_after_a_later_one_still_changes_the_version():
    """History ids are drawn at the write: a transaction that wrote first but commits last
    holds a lower id than one already committed. The version must still change when it
    commits (the largest history id alone would not)."""
    import threading

    from django.db import connection, transaction

    wrote, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                f.CaseFactory()  # draws the lower history id
                wrote.set()
                release.wait(timeout=10)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert wrote.wait(timeout=10)
    f.CaseFactory()  # a higher history id, committed at once
    seen = freshness.data_version()
    release.set()
    assert done.wait(timeout=10)
    thread.join(timeout=10)
    assert freshness.data_version() != seen


@pytest.mark.parametrize(
    "name, params",
    [
        ("reports:cases", {"end": "9999-12-31"}),
        ("reports:dashboard", {"start": "9999-01-01", "end": "9999-12-31"}),
        ("reports:compliance", {"start": "9999-01-01", "end": "9999-12-31"}),
    ],
)
def test_the_last_possible_day_is_a_period_end_like_any_other(lead_client, name, params):
    f.ReportAttemptFactory()
    assert lead_client.get(reverse(name), params).status_code == 200


def test_a_transaction_advances_the_generation_once(django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            for _ in range(3):
                f.CaseFactory()
    assert len(callbacks) == 1
