"""The admin is not a back door (issues 15 and 16): case data and every SOP rule input are
read-only there for everyone, superusers included, history revert too; reference data stays
editable by administrators, and deleting it never touches a case or a history row."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from candidates.models import Candidate
from deliveries.models import CNCase, LetterVersion, Penalty, Rank, Training
from tests import factories as f
from tests.conftest import login_as
from vipcn.admin_base import HistoryAdmin, ReferenceDataAdmin
from vipcn.admin_site import VipcnAdminSite

pytestmark = pytest.mark.django_db

DATA_APPS = ("candidates", "deliveries")
# The agreed design (issues 15 and 16): read-only in the admin, for everyone.
CASE_DATA = [
    "candidates.Candidate",
    "candidates.Alias",
    "candidates.Address",
    "candidates.Group",
    "candidates.GroupMembership",
    "candidates.Shooting",
    "candidates.ShootingInvolvement",
    "candidates.GVISMeeting",
    "candidates.IdentificationBasis",
    "candidates.EligibilityDetermination",
    "candidates.Relationship",
    "deliveries.CNCase",
    "deliveries.CaseTransition",
    "deliveries.ThreatAssessment",
    "deliveries.BackgroundCheck",
    "deliveries.LetterVersion",
    "deliveries.TeamAssignment",
    "deliveries.SocialServicesPlan",
    "deliveries.JPOCheck",
    "deliveries.JuvenileDecision",
    "deliveries.GuardianContact",
    "deliveries.DeliveryAttempt",
    "deliveries.AttemptTeamMember",
    "deliveries.AfterAction",
    "deliveries.AttemptException",
    "deliveries.AttemptCheck",
    "deliveries.FollowUp",
    "deliveries.Personnel",
    "deliveries.TrainingAttendance",
    "deliveries.ManualAccompaniment",
    "deliveries.ExportRecord",
]
REFERENCE_DATA = [
    "deliveries.Rank",
    "deliveries.Training",
    "deliveries.Penalty",
    "deliveries.LetterTemplate",
]
# History-tracked models kept out of the admin on purpose: sealings are read by the custodian
# and the auditor on their own pages.
NOT_IN_ADMIN = {"candidates.SealingEvent"}


def _history_models():
    return [
        model
        for app in DATA_APPS
        for model in apps.get_app_config(app).get_models()
        if hasattr(model, "history") and not model.__name__.startswith("Historical")
    ]


def _request(user, method="get"):
    request = getattr(RequestFactory(), method)("/admin/")
    request.user = user
    return request


@pytest.fixture
def superuser_without_role(db):
    return f.UserFactory(username="root_no_role", is_staff=True, is_superuser=True)


@pytest.fixture
def plain_admin(admin_user):
    admin_user.is_superuser = False
    admin_user.save()
    return type(admin_user).objects.get(pk=admin_user.pk)


def test_every_history_tracked_model_has_a_history_admin():
    missing = [
        model._meta.label
        for model in _history_models()
        if model._meta.label not in NOT_IN_ADMIN
        and not isinstance(admin.site._registry.get(model), HistoryAdmin)
    ]
    assert missing == []
    for label in NOT_IN_ADMIN:
        assert apps.get_model(label) not in admin.site._registry


def test_the_design_lists_every_model_of_the_data_apps():
    """A new model of candidates or deliveries must be put on one list or the other."""
    listed = set(CASE_DATA) | set(REFERENCE_DATA) | NOT_IN_ADMIN
    models = {
        m._meta.label
        for app in DATA_APPS
        for m in apps.get_app_config(app).get_models()
        if not m.__name__.startswith("Historical")
    }
    assert models - listed == set()


def test_case_data_is_read_only_for_everyone(
    admin_user, plain_admin, superuser_without_role, lead_user
):
    lead_user.is_staff = True
    for label in CASE_DATA:
        model_admin = admin.site._registry.get(apps.get_model(label))
        if model_admin is None:
            continue  # not in the admin at all (ExportRecord)
        for user in (admin_user, plain_admin, superuser_without_role, lead_user):
            request = _request(user)
            assert not model_admin.has_add_permission(request), (label, user)
            assert not model_admin.has_change_permission(request), (label, user)
            assert not model_admin.has_delete_permission(request), (label, user)
            assert not model_admin.get_actions(request), (label, user)


def test_reference_data_is_editable_by_administrators(
    admin_user, plain_admin, superuser_without_role, lead_user
):
    for label in REFERENCE_DATA:
        model_admin = admin.site._registry[apps.get_model(label)]
        assert isinstance(model_admin, ReferenceDataAdmin), label
        for user in (admin_user, plain_admin):
            assert model_admin.has_add_permission(_request(user)), label
            assert model_admin.has_change_permission(_request(user)), label
            assert model_admin.has_delete_permission(_request(user)), label
        # Deleting is the Administrator role's, not a bare superuser's.
        assert not model_admin.has_delete_permission(_request(superuser_without_role)), label
        assert "delete_selected" not in model_admin.get_actions(_request(admin_user)), label


def test_read_only_is_the_default_for_a_model_registered_later():
    """Registering with the project's base class, or with Django's for a model of a data
    app, gives a read-only admin; only ReferenceDataAdmin opts in to editing."""
    superuser = f.UserFactory(username="root_default", is_staff=True, is_superuser=True)
    for admin_class, editable in (
        (HistoryAdmin, False),
        (admin.ModelAdmin, False),
        (ReferenceDataAdmin, True),
    ):
        site = VipcnAdminSite(name=f"site_{admin_class.__name__}")
        site.register(Training, admin_class)

        class Override(admin_class):
            def has_change_permission(self, request, obj=None):
                return True  # an admin class cannot open what the design locks

        site.register(Rank, Override)
        for model in (Training, Rank):
            model_admin = site._registry[model]
            assert model_admin.has_change_permission(_request(superuser)) is editable
            assert model_admin.has_add_permission(_request(superuser)) is editable


def test_inlines_are_read_only(admin_user):
    for model in _history_models():
        model_admin = admin.site._registry.get(model)
        for inline in getattr(model_admin, "inlines", ()):
            instance = inline(model, admin.site)
            assert not instance.has_add_permission(_request(admin_user), None), inline
            assert not instance.has_change_permission(_request(admin_user)), inline
            assert not instance.has_delete_permission(_request(admin_user)), inline


def test_it_refuses_a_change_a_delete_and_an_add_posted_to_case_data(admin_client):
    candidate = f.CandidateFactory(last_name="Voss")
    before = Candidate.history.count()
    change = reverse("admin:candidates_candidate_change", args=[candidate.pk])
    data = {"first_name": "Other", "last_name": "Changed", "sex": "M", "status": "eligible"}
    assert admin_client.post(change, data).status_code == 403
    delete = reverse("admin:candidates_candidate_delete", args=[candidate.pk])
    assert admin_client.post(delete, {"post": "yes", "reason": "x" * 20}).status_code == 403
    add = reverse("admin:candidates_candidate_add")
    assert admin_client.post(add, data).status_code == 403
    candidate.refresh_from_db()
    assert candidate.last_name == "Voss"
    assert Candidate.objects.count() == 1 and Candidate.history.count() == before


def test_it_refuses_a_history_revert_and_shows_no_revert_button(admin_client):
    """Finding 1: posting the history form reverted (and so unsealed) a record."""
    candidate = f.CandidateFactory(last_name="Before")
    old = candidate.history.earliest()
    candidate.last_name = "After"
    candidate.save()
    rows = Candidate.history.count()
    url = reverse("admin:candidates_candidate_simple_history", args=[candidate.pk, old.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # no Revert button
    assert b'name="last_name"' not in page.content  # every field read-only
    data = {"first_name": candidate.first_name, "last_name": "Before", "sex": "M"}
    assert admin_client.post(url, data).status_code == 403
    candidate.refresh_from_db()
    assert candidate.last_name == "After" and Candidate.history.count() == rows


def test_it_refuses_a_state_change_posted_to_the_case_admin(admin_client):
    case = f.CaseFactory()
    url = reverse("admin:deliveries_cncase_change", args=[case.pk])
    response = admin_client.post(url, {"state": CNCase.State.READY, "number": case.number})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CNCase.State.PREPARING


def test_a_superuser_without_the_role_may_not_delete_reference_data(client, superuser_without_role):
    rank = f.RankFactory()
    login_as(client, superuser_without_role)
    url = reverse("admin:deliveries_rank_delete", args=[rank.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes", "reason": "Obsolete rank"}).status_code == 403
    assert Rank.objects.filter(pk=rank.pk).exists()


def test_reference_data_deletion_asks_a_reason_and_keeps_it(admin_client, admin_user):
    rank = f.RankFactory()
    url = reverse("admin:deliveries_rank_delete", args=[rank.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and b'name="reason"' in page.content
    for reason in ("", "   "):
        assert admin_client.post(url, {"post": "yes", "reason": reason}).status_code == 200
        assert Rank.objects.filter(pk=rank.pk).exists()
    assert admin_client.post(url, {"post": "yes", "reason": "Obsolete rank"}).status_code == 302
    deletion = rank.history.model.objects.get(id=rank.pk, history_type="-")
    assert deletion.history_change_reason == "Obsolete rank"
    assert deletion.history_user == admin_user


def test_it_refuses_to_delete_a_penalty_a_letter_names(admin_client):
    """Deleting a penalty removed it from letters already accepted (their M2M rows)."""
    penalty = f.PenaltyFactory()
    letter = f.LetterVersionFactory()
    letter.penalties.add(penalty)
    url = reverse("admin:deliveries_penalty_delete", args=[penalty.pk])
    page = admin_client.get(url)
    assert "referred to by case records" in page.content.decode()
    assert letter.case.number not in page.content.decode()  # no record is named
    admin_client.post(url, {"post": "yes", "reason": "No longer in the statute"})
    assert Penalty.objects.filter(pk=penalty.pk).exists()
    assert list(LetterVersion.objects.get(pk=letter.pk).penalties.all()) == [penalty]


def test_it_refuses_to_delete_a_user_whose_name_is_on_case_records(admin_client):
    """Deleting a user blanked case records' "assigned to" and their history's "changed by",
    and its confirmation named the (sealed) records that stopped it."""
    clerk = f.UserFactory(username="clerk")
    sealed = f.JuvenileCandidateFactory(last_name="Hiddenperson", sealed=True, assigned_to=clerk)
    url = reverse("admin:auth_user_delete", args=[clerk.pk])
    page = admin_client.get(url).content.decode()
    assert "referred to by case records" in page and "Hiddenperson" not in page
    admin_client.post(url, {"post": "yes"})
    sealed.refresh_from_db()
    assert sealed.assigned_to == clerk


def test_it_deletes_a_user_who_left_no_trace(admin_client):
    newcomer = f.UserFactory(username="newcomer")
    url = reverse("admin:auth_user_delete", args=[newcomer.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not type(newcomer).objects.filter(pk=newcomer.pk).exists()


def test_no_admin_edits_a_lifecycle_field(admin_user):
    """A case's state, a candidate's status and the approval are set by services only."""
    owned = {"approved_by", "approved_at", "merged_into", "closed_at"}
    editable = []
    for model in _history_models():
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue
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


def test_a_stale_reference_data_edit_is_refused(client, admin_user):
    """The admin refuses a stale edit like the services (vipcn.concurrency): someone saved
    the penalty after the page was loaded; nothing of the second save is written."""
    from tests.conftest import login_as
    from tests.factories import PenaltyFactory

    penalty = PenaltyFactory(maximum_penalty="9 years")
    login_as(client, admin_user)
    url = reverse("admin:deliveries_penalty_change", args=[penalty.pk])
    page = client.get(url)
    assert 'name="loaded_version"' in page.content.decode()
    form = {
        "statute": penalty.statute,
        "description_en": penalty.description_en,
        "description_es": penalty.description_es,
        "maximum_penalty": "12 years",
        "is_active": "on",
        "loaded_version": str(penalty.version),
    }
    assert client.post(url, form).status_code == 302  # the first save
    form["maximum_penalty"] = "15 years"  # a second tab, still showing the old version
    response = client.post(url, form)
    assert response.status_code == 200
    assert "while you were editing it" in response.content.decode()
    penalty.refresh_from_db()
    assert penalty.maximum_penalty == "12 years"
