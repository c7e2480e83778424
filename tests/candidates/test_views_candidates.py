import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidates import services
from candidates.models import (
    Candidate,
    Group,
    GroupMembership,
    GVISMeeting,
    IdentificationBasis,
    Relationship,
    Shooting,
    ShootingInvolvement,
)
from tests.factories import (
    BasisFactory,
    CandidateFactory,
    GroupFactory,
    JuvenileCandidateFactory,
    ShootingFactory,
    years_ago,
)

pytestmark = pytest.mark.django_db
Code = IdentificationBasis.Code


def indexed(**kwargs):
    """A candidate created through the service, so its search text is filled in."""
    data = {
        "first_name": "Test",
        "middle_name": "",
        "last_name": "Person",
        "date_of_birth": years_ago(30),
        "sex": "M",
        "phone": "",
        "rms_id": "",
        "preferred_language": "en",
        "assigned_to": None,
        "notes": "",
    }
    aliases = kwargs.pop("aliases", [])
    data.update(kwargs)
    return services.candidate_create(actor=None, aliases=aliases, **data)


def create_post(**extra):
    data = {
        "first_name": "Jonathan",
        "middle_name": "",
        "last_name": "Smithers",
        "date_of_birth": years_ago(24).isoformat(),
        "sex": "M",
        "phone": "",
        "rms_id": "",
        "preferred_language": "en",
        "assigned_to": "",
        "notes": "",
        "aliases": "",
    }
    data.update(extra)
    return data


# --- list and search


def test_it_lists_candidates_for_staff_and_manager(staff_client, manager_user, client):
    indexed(first_name="Alma", last_name="Reyes")
    assert b"Reyes" in staff_client.get(reverse("candidates:list")).content
    from tests.conftest import login_as

    login_as(client, manager_user)
    assert b"Reyes" in client.get(reverse("candidates:list")).content


def test_it_finds_a_misspelled_name_in_any_word_order(staff_client):
    assert connection.vendor == "postgresql"
    wanted = indexed(first_name="Jonathan", last_name="Smithers")
    indexed(first_name="Alma", last_name="Reyes")
    for query in ("Jonathon Smithers", "smithers jonathan", "Smiters", "Jonatan"):
        page = staff_client.get(reverse("candidates:list"), {"q": query}).context["page"]
        assert [c.pk for c in page] == [wanted.pk], query


def test_it_finds_a_candidate_by_alias_and_identifier(staff_client):
    wanted = indexed(first_name="Luis", last_name="Ortega", aliases=["Flaco"], rms_id="RMS-77")
    indexed(first_name="Alma", last_name="Reyes")
    for query in ("flaco", "RMS-77", str(wanted.pk)):
        page = staff_client.get(reverse("candidates:list"), {"q": query}).context["page"]
        assert wanted.pk in [c.pk for c in page], query
        assert len(page) == 1


def test_it_filters_by_age_group_basis_group_staff_and_eligibility(staff_client, staff_user):
    adult = BasisFactory(code=Code.DRIVER, shooting=None, justification="x").candidate
    juvenile = JuvenileCandidateFactory(assigned_to=staff_user, status="eligible")
    GroupMembership.objects.create(group=GroupFactory(name="Crew"), candidate=juvenile)
    url = reverse("candidates:list")

    def pks(**params):
        return {c.pk for c in staff_client.get(url, params).context["page"]}

    assert pks(age_group="adult") == {adult.pk}
    assert pks(age_group="juvenile") == {juvenile.pk}
    assert pks(basis="ID-3") == {adult.pk}
    assert pks(group=juvenile.groups.get().pk) == {juvenile.pk}
    assert pks(assigned_to=staff_user.pk) == {juvenile.pk}
    assert pks(eligible="yes") == {juvenile.pk}
    assert pks(eligible="no") == {adult.pk}
    assert pks(status="eligible") == {juvenile.pk}


def test_it_ignores_bad_filter_values_without_error(staff_client):
    CandidateFactory()
    response = staff_client.get(
        reverse("candidates:list"), {"group": "abc", "sort": "evil", "page": "x"}
    )
    assert response.status_code == 200
    assert len(response.context["page"]) == 1


def test_it_sorts_and_paginates(staff_client):
    for name in ("Cole", "Abbott", "Baker"):
        CandidateFactory(last_name=name)
    url = reverse("candidates:list")
    names = [c.last_name for c in staff_client.get(url, {"sort": "-name"}).context["page"]]
    assert names == ["Cole", "Baker", "Abbott"]
    for i in range(30):
        CandidateFactory(last_name=f"Zed{i:02d}")
    second = staff_client.get(url, {"page": 2}).context["page"]
    assert second.number == 2 and len(second) == 8


def test_it_lists_without_a_query_per_row(staff_client, staff_user):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = staff_client.get(reverse("candidates:list"), {"q": "smith"})
        assert response.status_code == 200
        return len(ctx)

    group = GroupFactory()
    for _i in range(2):
        c = indexed(last_name="Smith", assigned_to=staff_user)
        BasisFactory(candidate=c)
        GroupMembership.objects.create(group=group, candidate=c)
    few = count_queries()
    for _i in range(15):
        c = indexed(last_name="Smith", assigned_to=staff_user)
        BasisFactory(candidate=c)
        GroupMembership.objects.create(group=group, candidate=c)
    assert count_queries() == few


# --- visibility


def test_it_hides_a_sealed_record_everywhere(staff_client):
    sealed = CandidateFactory(sealed=True, last_name="Sealed")
    assert staff_client.get(reverse("candidates:detail", args=[sealed.pk])).status_code == 404
    assert staff_client.get(reverse("candidates:edit", args=[sealed.pk])).status_code == 404
    assert b"Sealed" not in staff_client.get(reverse("candidates:list")).content


def test_it_answers_404_for_a_missing_candidate(staff_client):
    assert staff_client.get(reverse("candidates:detail", args=[999999])).status_code == 404


# --- candidate page


def test_it_shows_the_rule_checklist_with_sop_sections_and_the_history(staff_client, lead_user):
    candidate = BasisFactory(candidate=JuvenileCandidateFactory()).candidate
    services.determination_record(candidate=candidate, actor=lead_user)
    candidate.refresh_from_db()
    response = staff_client.get(reverse("candidates:detail", args=[candidate.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for rule in ("J-AGE", "ID-1", "ID-2I", "ID-5", "ID-DET"):
        assert rule in html
    assert "SOP 2-64-5 A" in html
    assert "Juvenile" in html
    assert "rule-ok" in html
    history = response.context["history"]
    assert any(e.what == "Eligibility determination" for e in history)
    assert any(
        e.what == "Candidate" and any(str(ch["field"]) == "status" for ch in e.changes)
        for e in history
    )


def test_it_shows_who_changed_what_in_the_history(staff_client, staff_user):
    staff_client.post(reverse("candidates:create"), create_post())
    candidate = Candidate.objects.get(last_name="Smithers")
    staff_client.post(
        reverse("candidates:edit", args=[candidate.pk]),
        create_post(phone="505-555-0199", version=candidate.version),
    )
    response = staff_client.get(reverse("candidates:detail", args=[candidate.pk]))
    changed = [e for e in response.context["history"] if e.changes]
    assert changed[0].user == staff_user
    assert changed[0].changes[0]["new"] == "505-555-0199"
    assert "505-555-0199" in response.content.decode()


def test_it_shows_a_red_rule_for_a_missing_date_of_birth(staff_client):
    candidate = CandidateFactory(date_of_birth=None)
    html = staff_client.get(reverse("candidates:detail", args=[candidate.pk])).content.decode()
    assert "rule-missing" in html
    assert "cannot pass eligibility" in html


# --- create, duplicates, validation


def test_it_registers_a_candidate_with_aliases(staff_client):
    response = staff_client.post(reverse("candidates:create"), create_post(aliases="JJ\nJ-Smith"))
    candidate = Candidate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:detail", args=[candidate.pk])
    assert set(candidate.aliases.values_list("name", flat=True)) == {"JJ", "J-Smith"}


def test_it_warns_of_a_possible_duplicate_before_saving(staff_client):
    existing = indexed(first_name="Jonathan", last_name="Smithers", date_of_birth=years_ago(24))
    response = staff_client.post(reverse("candidates:create"), create_post(first_name="Jonathon"))
    assert response.status_code == 200
    assert Candidate.objects.count() == 1
    assert [d.candidate for d in response.context["duplicates"]] == [existing]
    html = response.content.decode()
    assert reverse("candidates:detail", args=[existing.pk]) in html
    assert "different person" in html
    confirmed = staff_client.post(
        reverse("candidates:create"), create_post(first_name="Jonathon", different_person="on")
    )
    assert confirmed.status_code == 302
    assert Candidate.objects.count() == 2


def test_it_finds_a_duplicate_by_alias(staff_client):
    existing = indexed(first_name="Luis", last_name="Ortega", aliases=["Flaco Ortega"])
    response = staff_client.post(
        reverse("candidates:create"),
        create_post(first_name="Flaco", last_name="Ortega", date_of_birth=""),
    )
    assert [d.candidate for d in response.context["duplicates"]] == [existing]


def test_it_does_not_warn_for_an_unrelated_name(staff_client):
    indexed(first_name="Alma", last_name="Reyes", date_of_birth=years_ago(40))
    response = staff_client.post(reverse("candidates:create"), create_post())
    assert response.status_code == 302


@pytest.mark.parametrize(
    "dob,message",
    [
        (lambda: timezone.localdate() + datetime.timedelta(days=1), "cannot be in the future"),
        (lambda: years_ago(9), "must give 10 to 100"),
        (lambda: years_ago(101), "must give 10 to 100"),
    ],
)
def test_it_refuses_an_impossible_date_of_birth(staff_client, dob, message):
    response = staff_client.post(
        reverse("candidates:create"), create_post(date_of_birth=dob().isoformat())
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors["date_of_birth"][0]
    assert not Candidate.objects.exists()


def test_it_accepts_the_age_limits(staff_client):
    for age in (10, 100):
        response = staff_client.post(
            reverse("candidates:create"),
            create_post(
                last_name=f"Limit{age}",
                date_of_birth=years_ago(age).isoformat(),
                different_person="on",
            ),
        )
        assert response.status_code == 302, age


def test_it_refuses_a_missing_name(staff_client):
    response = staff_client.post(reverse("candidates:create"), create_post(last_name=""))
    assert "last_name" in response.context["form"].errors


def test_it_refuses_a_stale_edit(staff_client):
    candidate = CandidateFactory(last_name="Before")
    candidate.version = 3
    candidate.save()
    response = staff_client.post(
        reverse("candidates:edit", args=[candidate.pk]), create_post(last_name="After", version=2)
    )
    assert response.status_code == 200
    # One stale-edit check for every service (vipcn.concurrency.ensure_current, issue 15
    # finding 5): its one message.
    assert "Nothing you entered was saved" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.last_name == "Before"


# --- bases and determination


def test_it_adds_a_basis_with_its_evidence(staff_client):
    candidate, shooting = CandidateFactory(), ShootingFactory()
    response = staff_client.post(
        reverse("candidates:basis_add", args=[candidate.pk]),
        {"code": "ID-1", "shooting": shooting.pk},
    )
    assert response.status_code == 302
    assert candidate.bases.get().shooting == shooting


def test_it_refuses_an_influencer_basis_for_a_juvenile_naming_id_2i(staff_client):
    juvenile = JuvenileCandidateFactory()
    form_page = staff_client.get(reverse("candidates:basis_add", args=[juvenile.pk]))
    assert 'value="ID-2I"' not in form_page.content.decode()
    response = staff_client.post(
        reverse("candidates:basis_add", args=[juvenile.pk]),
        {"code": "ID-2I", "shooting": ShootingFactory().pk},
    )
    errors = response.context["form"].errors
    assert "ID-2I" in errors["code"][0]
    assert not juvenile.bases.exists()


def test_it_refuses_a_referral_source_not_allowed_for_an_adult_naming_id_5(staff_client):
    adult = CandidateFactory()
    form_page = staff_client.get(reverse("candidates:basis_add", args=[adult.pk]))
    assert 'value="community"' not in form_page.content.decode()
    response = staff_client.post(
        reverse("candidates:basis_add", args=[adult.pk]),
        {
            "code": "ID-5",
            "referral_source": "community",
            "referred_by": "Pastor",
            "referral_date": timezone.localdate().isoformat(),
        },
    )
    errors = response.context["form"].errors
    assert "ID-5" in errors["referral_source"][0]
    assert not adult.bases.exists()


def test_it_places_a_missing_referral_date_on_its_field(staff_client):
    adult = CandidateFactory()
    response = staff_client.post(
        reverse("candidates:basis_add", args=[adult.pk]),
        {"code": "ID-5", "referral_source": "department", "referred_by": "Sgt. A"},
    )
    assert "ID-5" in response.context["form"].errors["referral_date"][0]


def test_it_withdraws_a_basis(staff_client):
    basis = BasisFactory()
    response = staff_client.post(
        reverse("candidates:basis_withdraw", args=[basis.candidate_id, basis.pk]),
        {"reason": "Entered in error", "version": basis.version},
    )
    assert response.status_code == 302
    basis.refresh_from_db()
    assert basis.withdrawn


def test_it_records_the_determination(staff_client, staff_user):
    candidate = BasisFactory().candidate
    page = staff_client.get(reverse("candidates:determination", args=[candidate.pk]))
    assert "ID-DET" in page.content.decode()
    response = staff_client.post(
        reverse("candidates:determination", args=[candidate.pk]),
        {"determined_on": timezone.localdate().isoformat(), "note": "", "version": 1},
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.ELIGIBLE
    assert candidate.determinations.get().determined_by == staff_user


def test_it_refuses_a_future_determination_date(staff_client):
    candidate = BasisFactory().candidate
    response = staff_client.post(
        reverse("candidates:determination", args=[candidate.pk]),
        {
            "determined_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            "version": 1,
        },
    )
    assert response.status_code == 200
    assert "determined_on" in response.context["form"].errors
    assert not candidate.determinations.exists()


# --- relationships, aliases, addresses


def test_it_adds_and_edits_a_guardian(staff_client):
    juvenile = JuvenileCandidateFactory()
    response = staff_client.post(
        reverse("candidates:relationship_add", args=[juvenile.pk]),
        {"kind": "guardian", "name": "Rosa Diaz", "preferred_language": "es"},
    )
    assert response.status_code == 302
    relationship = Relationship.objects.get()
    response = staff_client.post(
        reverse("candidates:relationship_edit", args=[juvenile.pk, relationship.pk]),
        {
            "kind": "guardian",
            "name": "Rosa Díaz",
            "preferred_language": "es",
            "version": relationship.version,
        },
    )
    assert response.status_code == 302
    relationship.refresh_from_db()
    assert relationship.name == "Rosa Díaz"


def test_it_refuses_a_related_candidate_the_user_cannot_see(staff_client):
    candidate, sealed = CandidateFactory(), CandidateFactory(sealed=True)
    response = staff_client.post(
        reverse("candidates:relationship_add", args=[candidate.pk]),
        {
            "kind": "associate",
            "name": "X",
            "related_candidate": sealed.pk,
            "preferred_language": "en",
        },
    )
    assert "related_candidate" in response.context["form"].errors


def test_it_adds_an_alias_and_an_address(staff_client):
    candidate = indexed(first_name="Ana", last_name="Lopez")
    assert (
        staff_client.post(
            reverse("candidates:alias_add", args=[candidate.pk]), {"name": "La Güera"}
        ).status_code
        == 302
    )
    candidate.refresh_from_db()
    assert "la guera" in candidate.search_text
    response = staff_client.post(
        reverse("candidates:address_add", args=[candidate.pk]),
        {"line1": "1 Main St", "city": "Albuquerque", "state": "NM", "is_delivery_address": "on"},
    )
    assert response.status_code == 302
    page = staff_client.get(reverse("candidates:aliases", args=[candidate.pk])).content.decode()
    assert "La Güera" in page and "1 Main St" in page


# --- duplicates and merge


def test_it_lists_possible_duplicates_and_merges(staff_client):
    dob = years_ago(30)
    kept = indexed(first_name="Jonathan", last_name="Smithers", date_of_birth=dob)
    dup = indexed(first_name="Jonathon", last_name="Smithers", date_of_birth=dob)
    BasisFactory(candidate=dup)
    page = staff_client.get(reverse("candidates:duplicates", args=[dup.pk]))
    assert [d.candidate for d in page.context["duplicates"]] == [kept]
    merge_url = reverse("candidates:merge", args=[dup.pk]) + f"?into={kept.pk}"
    response = staff_client.post(
        merge_url,
        {
            "target": kept.pk,
            "confirm": "on",
            "source_version": dup.version,
            "target_version": kept.version,
        },
    )
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.status == Candidate.Status.MERGED and dup.merged_into == kept
    assert kept.bases.count() == 1
    detail = staff_client.get(reverse("candidates:detail", args=[dup.pk])).content.decode()
    assert "was merged into" in detail


def test_it_refuses_a_merge_without_confirmation(staff_client):
    a, b = CandidateFactory(), CandidateFactory()
    response = staff_client.post(
        reverse("candidates:merge", args=[a.pk]),
        {"target": b.pk, "source_version": a.version},
    )
    assert response.status_code == 200
    assert "confirm" in response.context["form"].errors
    a.refresh_from_db()
    assert a.status != Candidate.Status.MERGED


# --- permissions


def test_it_lets_a_manager_read_but_not_write(manager_client):
    candidate = BasisFactory().candidate
    assert manager_client.get(reverse("candidates:detail", args=[candidate.pk])).status_code == 200
    html = manager_client.get(reverse("candidates:detail", args=[candidate.pk])).content.decode()
    assert reverse("candidates:edit", args=[candidate.pk]) not in html
    for name in ("edit", "basis_add", "determination", "relationship_add", "merge"):
        url = reverse(f"candidates:{name}", args=[candidate.pk])
        assert manager_client.get(url).status_code == 403, name
        assert manager_client.post(url, {}).status_code == 403, name
    assert manager_client.post(reverse("candidates:create"), create_post()).status_code == 403
    assert not candidate.determinations.exists()
    assert Candidate.objects.count() == 1


def test_it_lets_a_lead_write(lead_client):
    assert lead_client.post(reverse("candidates:create"), create_post()).status_code == 302


def test_it_refuses_the_administrator_role(admin_client):
    assert admin_client.get(reverse("candidates:list")).status_code == 403


# --- shootings, GVIS meetings, groups


def test_it_records_a_shooting_and_the_people_involved(staff_client):
    response = staff_client.post(
        reverse("candidates:shooting_create"),
        {"occurred_on": "2026-01-05", "location": "Central Ave", "case_number": "26-0001234"},
    )
    shooting = Shooting.objects.get()
    assert response["Location"] == reverse("candidates:shooting_detail", args=[shooting.pk])
    candidate = CandidateFactory()
    staff_client.post(
        reverse("candidates:involvement_add", args=[shooting.pk]),
        {"role": "victim", "candidate": candidate.pk},
    )
    staff_client.post(
        reverse("candidates:involvement_add", args=[shooting.pk]),
        {"role": "suspect", "person_name": "Unknown male"},
    )
    assert ShootingInvolvement.objects.filter(shooting=shooting).count() == 2
    detail = staff_client.get(reverse("candidates:shooting_detail", args=[shooting.pk]))
    assert candidate.full_name in detail.content.decode()
    page = staff_client.get(reverse("candidates:detail", args=[candidate.pk])).content.decode()
    assert "26-0001234" in page


def test_it_refuses_a_duplicate_case_number_and_a_future_date(staff_client):
    ShootingFactory(case_number="26-0000001")
    response = staff_client.post(
        reverse("candidates:shooting_create"),
        {
            "occurred_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
            "location": "X",
            "case_number": "26-0000001",
        },
    )
    errors = response.context["form"].errors
    assert "case_number" in errors and "occurred_on" in errors


def test_it_records_a_gvis_meeting(staff_client):
    shooting, group, candidate = ShootingFactory(), GroupFactory(), CandidateFactory()
    response = staff_client.post(
        reverse("candidates:gvis_create"),
        {
            "held_on": timezone.localdate().isoformat(),
            "attendees": "VIP\nDA",
            "shootings": [shooting.pk],
            "groups": [group.pk],
            "candidate_numbers": f"{candidate.pk}",
        },
    )
    meeting = GVISMeeting.objects.get()
    assert response["Location"] == reverse("candidates:gvis_detail", args=[meeting.pk])
    assert list(meeting.candidates.all()) == [candidate]
    assert staff_client.get(reverse("candidates:gvis")).status_code == 200
    bad = staff_client.post(
        reverse("candidates:gvis_create"),
        {
            "held_on": timezone.localdate().isoformat(),
            "attendees": "VIP",
            "candidate_numbers": "abc 999999",
        },
    )
    assert "candidate_numbers" in bad.context["form"].errors


def test_it_keeps_hidden_people_on_a_gvis_meeting_when_editing(staff_client):
    sealed = CandidateFactory(sealed=True)
    meeting = GVISMeeting.objects.create(held_on=timezone.localdate(), attendees="VIP")
    meeting.candidates.add(sealed)
    staff_client.post(
        reverse("candidates:gvis_edit", args=[meeting.pk]),
        {
            "held_on": timezone.localdate().isoformat(),
            "attendees": "VIP, DA",
            "candidate_numbers": "",
            "version": meeting.version,
        },
    )
    meeting.refresh_from_db()
    assert meeting.attendees == "VIP, DA"
    assert list(meeting.candidates.all()) == [sealed]


def test_it_manages_a_group_and_its_members(staff_client):
    response = staff_client.post(
        reverse("candidates:group_create"), {"name": "Westside", "kind": "gang"}
    )
    group = Group.objects.get()
    assert response.status_code == 302
    candidate = CandidateFactory()
    staff_client.post(
        reverse("candidates:group_member_add", args=[group.pk]), {"candidate": candidate.pk}
    )
    membership = GroupMembership.objects.get()
    assert membership.candidate == candidate
    listing = staff_client.get(reverse("candidates:groups")).content.decode()
    assert "Westside" in listing
    staff_client.post(reverse("candidates:group_member_remove", args=[group.pk, membership.pk]))
    assert not GroupMembership.objects.exists()


def test_it_shows_the_candidate_page_without_a_query_per_row(staff_client, staff_user):
    from tests.factories import AliasFactory, RelationshipFactory

    candidate = CandidateFactory()

    def add_rows():
        BasisFactory(candidate=candidate, created_by=staff_user)
        RelationshipFactory(candidate=candidate)
        AliasFactory(candidate=candidate)
        GroupMembership.objects.create(group=GroupFactory(), candidate=candidate)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = staff_client.get(reverse("candidates:detail", args=[candidate.pk]))
        assert response.status_code == 200
        return len(ctx)

    add_rows()
    few = count_queries()
    for _i in range(6):
        add_rows()
    assert count_queries() == few


@pytest.mark.parametrize("number", ["²", "9" * 30])
def test_it_answers_odd_record_numbers_without_an_error(staff_client, number):
    candidate = CandidateFactory()
    assert staff_client.get(reverse("candidates:list"), {"q": number}).status_code == 200
    merge = reverse("candidates:merge", args=[candidate.pk])
    assert staff_client.get(merge, {"into": number}).status_code == 200
    response = staff_client.post(
        reverse("candidates:gvis_create"),
        {
            "held_on": timezone.localdate().isoformat(),
            "attendees": "VIP",
            "candidate_numbers": number,
        },
    )
    assert "candidate_numbers" in response.context["form"].errors
