"""The admin never loses case data: only administrators delete, one record at a time, giving a
reason that the deletion's history row keeps; lifecycle-owned fields are never edited there."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from candidates.models import Alias, Candidate
from deliveries.models import CNCase
from tests import factories as f
from tests.conftest import login_as
from vipcn.admin_base import HistoryAdmin

pytestmark = pytest.mark.django_db

DATA_APPS = ("candidates", "deliveries")
# Case records whose every change is a lifecycle step (services only).
CASE_RECORDS = [
    "CNCase",
    "ThreatAssessment",
    "BackgroundCheck",
    "LetterVersion",
    "TeamAssignment",
    "SocialServicesPlan",
    "JPOCheck",
    "JuvenileDecision",
    "GuardianContact",
    "DeliveryAttempt",
    "AttemptTeamMember",
    "AfterAction",
    "FollowUp",
]


def _history_models():
    return [
        model
        for app in DATA_APPS
        for model in apps.get_app_config(app).get_models()
        if hasattr(model, "history") and not model.__name__.startswith("Historical")
    ]


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.fixture
def superuser_without_role(db):
    return f.UserFactory(username="root_no_role", is_staff=True, is_superuser=True)


def test_every_history_tracked_model_has_a_history_admin():
    missing = [
        model.__name__
        for model in _history_models()
        if not isinstance(admin.site._registry.get(model), HistoryAdmin)
    ]
    assert missing == []


def test_only_administrators_may_delete(admin_user, superuser_without_role, lead_user):
    lead_user.is_staff = True
    for model in _history_models():
        model_admin = admin.site._registry[model]
        assert model_admin.has_delete_permission(_request(admin_user)), model
        assert not model_admin.has_delete_permission(_request(superuser_without_role)), model
        assert not model_admin.has_delete_permission(_request(lead_user)), model


def test_no_bulk_delete_action(admin_user):
    for model in _history_models():
        actions = admin.site._registry[model].get_actions(_request(admin_user))
        assert "delete_selected" not in actions, model


def test_inlines_do_not_delete():
    for model in _history_models():
        for inline in admin.site._registry[model].inlines:
            assert inline.can_delete is False, inline


def test_it_refuses_the_delete_page_to_a_superuser_without_the_role(client, superuser_without_role):
    candidate = f.CandidateFactory()
    login_as(client, superuser_without_role)
    url = reverse("admin:candidates_candidate_delete", args=[candidate.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes", "reason": "x"}).status_code == 403
    assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_it_asks_for_a_reason_and_deletes_nothing_without_one(admin_client):
    candidate = f.CandidateFactory()
    url = reverse("admin:candidates_candidate_delete", args=[candidate.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and b'name="reason"' in page.content
    for reason in ("", "   "):
        response = admin_client.post(url, {"post": "yes", "reason": reason})
        assert response.status_code == 200
        assert b"errorlist" in response.content
        assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_the_reason_is_kept_on_the_deletion_history_with_everything_deleted_along(
    admin_client, admin_user
):
    candidate = f.CandidateFactory(last_name="Voss")
    alias = f.AliasFactory(candidate=candidate)
    candidate.first_name = "Changed"
    candidate.save()
    url = reverse("admin:candidates_candidate_delete", args=[candidate.pk])
    response = admin_client.post(url, {"post": "yes", "reason": "Entered twice; see the other"})
    assert response.status_code == 302
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    rows = Candidate.history.filter(id=candidate.pk).order_by("history_date")
    assert [r.history_type for r in rows] == ["+", "~", "-"]  # the history is kept
    deletion = rows.last()
    assert deletion.history_change_reason == "Entered twice; see the other"
    assert deletion.history_user == admin_user
    alias_deletion = Alias.history.filter(id=alias.pk, history_type="-").get()
    assert alias_deletion.history_change_reason == "Entered twice; see the other"
    assert alias_deletion.history_user == admin_user


def test_reference_data_deletion_asks_a_reason_too(admin_client):
    rank = f.RankFactory()
    url = reverse("admin:deliveries_rank_delete", args=[rank.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 200
    assert admin_client.post(url, {"post": "yes", "reason": "Obsolete rank"}).status_code == 302
    assert rank.history.model.objects.get(id=rank.pk, history_type="-").history_change_reason == (
        "Obsolete rank"
    )


def test_case_records_are_read_only_in_the_admin(admin_user):
    for name in CASE_RECORDS:
        model_admin = admin.site._registry[apps.get_model("deliveries", name)]
        assert not model_admin.has_change_permission(_request(admin_user)), name
        assert not model_admin.has_add_permission(_request(admin_user)), name


def test_no_admin_edits_a_lifecycle_field(admin_user):
    """A case's state, a candidate's status and the approval are set by services only."""
    owned = {"approved_by", "approved_at", "merged_into", "closed_at"}
    editable = []
    for model in _history_models():
        model_admin = admin.site._registry[model]
        request = _request(admin_user)
        if not model_admin.has_change_permission(request):
            continue
        readonly = set(model_admin.get_readonly_fields(request))
        fields = {
            field.name
            for field in model._meta.fields
            # a lifecycle's state or status is a choice field (an address's US state is not)
            if field.name in owned or (field.name in ("state", "status") and field.choices)
        }
        editable += [f"{model.__name__}.{n}" for n in fields - readonly]
    assert editable == []


def test_it_refuses_a_state_change_posted_to_the_case_admin(admin_client):
    case = f.CaseFactory()
    url = reverse("admin:deliveries_cncase_change", args=[case.pk])
    response = admin_client.post(url, {"state": CNCase.State.READY, "number": case.number})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CNCase.State.PREPARING
