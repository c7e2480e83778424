"""The Django admin applies the same record limits as the pages: a sealed record is absent,
and juvenile records need the juvenile-records permission (issue #8, "Who sees what")."""

import pytest
from django.contrib.auth.models import Permission

from candidates.models import Candidate
from candidates.visibility import candidate_path
from deliveries.models import AfterAction, CaseTransition, CNCase, Rank
from tests.conftest import login_as
from tests.factories import (
    AliasFactory,
    CandidateFactory,
    CaseFactory,
    JuvenileCandidateFactory,
)

pytestmark = pytest.mark.django_db


def test_every_record_about_a_person_knows_its_way_to_the_candidate():
    assert candidate_path(Candidate) == ""
    assert candidate_path(CNCase) == "candidate"
    assert candidate_path(CaseTransition) == "case__candidate"
    assert candidate_path(AfterAction) == "attempt__case__candidate"
    assert candidate_path(Rank) is None


def test_it_hides_sealed_and_juvenile_records_from_the_admin_lists(client, admin_user):
    # An administrator who is not a superuser (a superuser holds every permission).
    admin_user.is_superuser = False
    admin_user.save()
    admin_client = login_as(client, admin_user)
    adult = CandidateFactory(last_name="Openrecord")
    sealed = CandidateFactory(last_name="Sealedrecord", sealed=True)
    juvenile = JuvenileCandidateFactory(last_name="Youngrecord")
    AliasFactory(candidate=sealed, name="Hiddenalias")
    CaseFactory(candidate=sealed, number="CN-2026-99999")

    html = admin_client.get("/admin/candidates/candidate/").content.decode()
    assert "Openrecord" in html
    assert "Sealedrecord" not in html
    assert "Youngrecord" not in html
    assert "Hiddenalias" not in admin_client.get("/admin/candidates/alias/").content.decode()
    assert "CN-2026-99999" not in admin_client.get("/admin/deliveries/cncase/").content.decode()
    assert admin_client.get(f"/admin/candidates/candidate/{sealed.pk}/change/").status_code in (
        302,
        404,
    )

    admin_user.user_permissions.add(Permission.objects.get(codename="view_juvenile_records"))
    admin_user = type(admin_user).objects.get(pk=admin_user.pk)  # fresh permission cache
    html = admin_client.get("/admin/candidates/candidate/").content.decode()
    assert "Youngrecord" in html
    assert "Sealedrecord" not in html
    assert adult.pk and juvenile.pk
