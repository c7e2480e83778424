"""Notifications go to the person who must act, and only to them; no case details."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from deliveries import notifications
from tests import factories as f
from vipcn import roles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def locmem(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.VIPCN = {**settings.VIPCN, "SITE_URL": "https://vipcn.example.org"}


def _recipients():
    return sorted(address for m in mail.outbox for address in m.to)


def test_awaiting_approval_goes_to_the_leads_only(lead_user, staff_user, manager_user):
    other_lead = f.ReportUserFactory(username="lead2", email="lead2@example.invalid")
    other_lead.groups.add(Group.objects.get(name=roles.LEAD))
    no_email = f.ReportUserFactory(username="lead3", email="")
    no_email.groups.add(Group.objects.get(name=roles.LEAD))
    case = f.report_prepared_case(candidate=f.CandidateFactory(last_name="Quintrell"))
    assert notifications.notify_awaiting_approval(case) == 2
    assert _recipients() == sorted([lead_user.email, other_lead.email])
    message = mail.outbox[0]
    assert case.number in message.subject
    # The link opens the case page itself (cases:detail), nothing more in the text.
    assert f"https://vipcn.example.org/cases/{case.pk}/" in message.body
    # No case details: no name, no address, no date of birth.
    assert "Quintrell" not in message.body + message.subject
    assert case.candidate.date_of_birth.isoformat() not in message.body


def test_approved_goes_to_team_members_with_a_login(lead_user):
    # An approved team (built in time): a deliverer with a login, and the Lead without one
    # (nobody to email).
    officer = f.ReportUserFactory(username="officer1", email="officer1@example.invalid")
    case = f.opened_case()
    f.prepare(case, deliverer=f.eligible_deliverer(user=officer), lead=f.VipLeadPersonnelFactory())
    f.approve(case)
    assert case.team.count() == 2
    assert notifications.notify_approved(case) == 1
    assert _recipients() == [officer.email]


def test_overdue_goes_to_the_recorder_and_the_leads(lead_user, staff_user):
    recorder = f.ReportUserFactory(username="rec", email="rec@example.invalid")
    attempt = f.ReportAttemptFactory(created_by=recorder)
    assert notifications.notify_overdue(attempt) == 2
    assert _recipients() == sorted([recorder.email, lead_user.email])
    assert "overdue" in mail.outbox[0].subject


def test_nobody_is_told_about_a_sealed_record(lead_user):
    case = f.report_prepared_case(candidate=f.CandidateFactory(sealed=True))
    assert notifications.notify_awaiting_approval(case) == 0
    assert mail.outbox == []


def test_the_digest_lists_each_users_waiting_work(lead_user, staff_user):
    approval = f.report_prepared_case()
    # Approved in time, the officer on its approved team: a case merely set to "ready" with a
    # team added afterwards is not approved (the approval of facts lapses, P-APPROVE).
    officer = f.ReportUserFactory(username="officer2", email="officer2@example.invalid")
    ready = f.ready_case(deliverer=f.eligible_deliverer(user=officer))
    mine = f.CaseFactory(state="preparing", assigned_to=staff_user)
    f.CaseFactory(state="preparing")  # nobody's: not in any digest
    call_command("send_daily_digest")
    by_user = {m.to[0]: m.body for m in mail.outbox}
    assert approval.number in by_user[lead_user.email]
    assert ready.number in by_user[officer.email]
    assert approval.number not in by_user[officer.email]
    assert mine.number in by_user[staff_user.email]
    assert approval.number not in by_user[staff_user.email]


def test_the_digest_skips_users_with_nothing_waiting(staff_user):
    call_command("send_daily_digest")
    assert mail.outbox == []


def test_overdue_notices_are_sent_once_per_window(lead_user, settings):
    now = timezone.now()
    hours = settings.VIPCN["AFTER_ACTION_OVERDUE_HOURS"]
    just_overdue = f.ReportAttemptFactory(
        contact_at=now - datetime.timedelta(hours=hours, minutes=30)
    )
    f.ReportAttemptFactory(contact_at=now - datetime.timedelta(hours=hours + 5))  # announced before
    f.ReportAttemptFactory(contact_at=now - datetime.timedelta(hours=hours - 1))  # not yet
    call_command("send_daily_digest", "--no-digest", "--overdue-window-hours", "1")
    assert len(mail.outbox) == 1
    assert just_overdue.case.number in mail.outbox[0].subject
