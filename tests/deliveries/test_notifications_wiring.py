"""The services send the notifications, after their transaction commits, once per event."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from deliveries.models import CNCase
from deliveries.services import preparation as services
from tests import factories as f

pytestmark = pytest.mark.django_db
S = CNCase.State


@pytest.fixture(autouse=True)
def locmem(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.VIPCN = {**settings.VIPCN, "SITE_URL": "https://vipcn.example.org/app"}


@pytest.fixture
def almost_ready(lead_user):
    """Every preparation rule met except the social services plan (P-SOCIAL)."""
    case = f.prepared_case(lead_user=lead_user)
    case.social_services.delete()
    case = CNCase.objects.get(pk=case.pk)
    case.version = 3
    case.save()
    return case


def _plan(case, actor, **extra):
    services.social_services_record(
        case=case,
        version=case.version,
        organization=extra.get("organization", "Community Outreach Partners"),
        contact_person="Dana Reyes",
        actor=actor,
    )


def test_it_tells_the_leads_when_a_step_makes_the_case_ready_for_approval(
    almost_ready, staff_user, lead_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _plan(almost_ready, staff_user)
    assert [m.to for m in mail.outbox] == [[lead_user.email]]
    assert almost_ready.number in mail.outbox[0].subject
    assert f"https://vipcn.example.org/app/cases/{almost_ready.pk}/" in mail.outbox[0].body


def test_it_sends_nothing_before_the_commit(almost_ready, staff_user, lead_user):
    # Inside the test's transaction nothing commits: no email announces an uncommitted step.
    _plan(almost_ready, staff_user)
    assert mail.outbox == []


def test_it_does_not_tell_again_while_the_case_still_waits(
    almost_ready, staff_user, lead_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _plan(almost_ready, staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        _plan(almost_ready, staff_user, organization="Another provider")
    assert len(mail.outbox) == 1


def test_it_does_not_tell_while_rules_are_still_unmet(
    staff_user, lead_user, django_capture_on_commit_callbacks
):
    case = services.case_open(candidate=f.EligibleCandidateFactory(), actor=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        _plan(case, staff_user)
    assert mail.outbox == []


def test_a_refused_step_tells_nobody(
    almost_ready, staff_user, lead_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            services.social_services_record(
                case=almost_ready,
                version=almost_ready.version - 1,  # stale
                organization="X",
                contact_person="Y",
                actor=staff_user,
            )
    assert callbacks == []
    assert mail.outbox == []


def test_approval_tells_the_team_and_a_lapse_tells_the_leads_again(
    lead_user, staff_user, django_capture_on_commit_callbacks
):
    officer = f.UserFactory(username="officer_on_team")
    officer.groups.add(staff_user.groups.first())
    case = f.prepared_case(lead_user=lead_user, deliverer=f.eligible_deliverer(user=officer))
    with django_capture_on_commit_callbacks(execute=True):
        services.case_approve(case=case, version=case.version, actor=lead_user)
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert "approved" in mail.outbox[0].subject
    mail.outbox.clear()
    # An edit after the approval makes it lapse; the case waits for the Lead again.
    with django_capture_on_commit_callbacks(execute=True):
        _plan(case, staff_user, organization="Changed provider")
    case.refresh_from_db()
    assert case.state == S.PREPARING
    assert [m.to for m in mail.outbox] == [[lead_user.email]]
    assert "approval" in mail.outbox[0].subject
