"""Issue 16, findings 1 and 6: every view of a record is logged as that record.

The URL list comes from the URL conf (tests/vipcn/urlwalk.py): every page whose URL names a
record, every admin object page of every registered model (change, history list, history form,
revert, delete, and the others a ModelAdmin adds), every download. A URL added without an
expectation here fails the test until it has one.
"""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests import factories as f
from tests.conftest import login_as
from tests.vipcn.urlwalk import named_patterns
from vipcn import access, roles
from vipcn.models import AccessLogEntry
from vipcn.security.records import _model_admin

pytestmark = pytest.mark.django_db
Action = AccessLogEntry.Action

# view name -> (URL argument, record type) pairs; the record the page is about comes last.
PAGES = {
    "audit:sealed_record": (("candidate_pk", "candidate"),),
    "audit:seal": (("candidate_pk", "candidate"),),
    "audit:unseal": (("candidate_pk", "candidate"),),
    **{
        f"candidates:{name}": (("pk", "candidate"),)
        for name in (
            "detail",
            "edit",
            "basis_add",
            "determination",
            "relationship_add",
            "aliases",
            "alias_add",
            "address_add",
            "duplicates",
            "merge",
        )
    },
    "candidates:basis_withdraw": (("pk", "candidate"), ("basis_pk", "basis")),
    "candidates:relationship_edit": (("pk", "candidate"), ("rel_pk", "relationship")),
    "candidates:alias_remove": (("pk", "candidate"), ("alias_pk", "alias")),
    "candidates:address_edit": (("pk", "candidate"), ("address_pk", "address")),
    "candidates:address_remove": (("pk", "candidate"), ("address_pk", "address")),
    "candidates:shooting_detail": (("pk", "shooting"),),
    "candidates:shooting_edit": (("pk", "shooting"),),
    "candidates:involvement_add": (("pk", "shooting"),),
    "candidates:involvement_remove": (("pk", "shooting"), ("involvement_pk", "involvement")),
    "candidates:gvis_detail": (("pk", "gvis_meeting"),),
    "candidates:gvis_edit": (("pk", "gvis_meeting"),),
    "candidates:group_detail": (("pk", "group"),),
    "candidates:group_edit": (("pk", "group"),),
    "candidates:group_member_add": (("pk", "group"),),
    "candidates:group_member_remove": (("pk", "group"), ("membership_pk", "membership")),
    "cases:open": (("candidate_pk", "candidate"),),
    **{
        f"cases:{name}": (("pk", "case"),)
        for name in (
            "detail",
            "approve",
            "withdraw",
            "threat",
            "background",
            "letter_draft",
            "letter_accept",
            "no_letter",
            "team_add",
            "team_remove",
            "social",
            "jpo",
            "juvenile_decision",
            "guardian_contact",
            "planned_guardian",
        )
    },
    # The letter pages show one version of the case's letter: the view names it.
    "cases:letter_preview": (("pk", "case"), (None, "letter")),
    "cases:letter_pdf": (("pk", "case"), (None, "letter")),
    "attempts:record": (("case_pk", "case"),),
    "attempts:follow_up": (("case_pk", "case"),),
    **{
        f"attempts:{name}": (("pk", "attempt"),)
        for name in ("detail", "edit", "after_action", "confirm")
    },
    **{
        f"personnel:{name}": (("pk", "personnel"),)
        for name in ("detail", "edit", "training_add", "accompaniment_add")
    },
    "personnel:accompaniment_confirm": (("pk", "accompaniment"),),
    "personnel:accompaniment_reject": (("pk", "accompaniment"),),
}
# URLs with arguments that name no record: an auditor's look is an audit read, not a view.
NOT_RECORDS = {"audit:object"}
# Pages that serve a file; the ones that write an export record name it.
DOWNLOADS = {
    "cases:letter_pdf": "letter",
    "reports:cases_export": "export",
    "reports:candidates_export": "export",
    "reports:compliance_csv": "export",
    "reports:compliance_pdf": "export",
    "reports:transparency_csv": "",
}
# Records that belong to no one candidate.
SHARED = {"shooting", "gvis_meeting", "group", "personnel", "accompaniment"}
# Records of these types belong to a candidate: his views list them.
OWNED_BY_CANDIDATE = {
    "candidates.alias",
    "candidates.address",
    "candidates.identificationbasis",
    "candidates.relationship",
    "candidates.groupmembership",
    "candidates.shootinginvolvement",
    "candidates.eligibilitydetermination",
    "deliveries.cncase",
    "deliveries.letterversion",
    "deliveries.deliveryattempt",
    "deliveries.threatassessment",
    "deliveries.teamassignment",
}


@pytest.fixture
def records(lead_user):
    candidate = f.EligibleCandidateFactory()
    shooting = f.ShootingFactory()
    group = f.GroupFactory()
    # A case prepared in order (its threat assessment, team and accepted letter included).
    case = f.ReadyCaseFactory(candidate=candidate, state="attempted")
    letter = case.letter_versions.get()
    attempt = f.AttemptFactory(case=case)
    personnel = f.PersonnelFactory()
    f.DeterminationFactory(candidate=candidate)
    return {
        "candidate": candidate,
        "basis": f.BasisFactory(candidate=candidate, shooting=shooting),
        "relationship": f.RelationshipFactory(candidate=candidate),
        "alias": f.AliasFactory(candidate=candidate),
        "address": f.AddressFactory(candidate=candidate),
        "shooting": shooting,
        "involvement": f.InvolvementFactory(shooting=shooting, candidate=candidate),
        "gvis_meeting": f.GVISMeetingFactory(),
        "group": group,
        "membership": f.GroupMembershipFactory(group=group, candidate=candidate),
        "case": case,
        "letter": letter,
        "attempt": attempt,
        "personnel": personnel,
        "accompaniment": f.ManualAccompanimentFactory(personnel=personnel),
    }


def user_for(view_name, users_by_role):
    allowed = access.roles_for(view_name) or {roles.LEAD}
    for role in (roles.LEAD, roles.STAFF, roles.MANAGER, roles.CUSTODIAN, roles.AUDITOR):
        if role in allowed:
            return users_by_role[role]
    raise AssertionError(f"no persona may open {view_name}")


def request(client, url):
    """GET the page; a POST-only step is posted (empty: a form error, or refused)."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def logged(path, method=None):
    entries = AccessLogEntry.objects.filter(path=path).exclude(action=Action.AUDIT_READ)
    if method:
        entries = entries.filter(method=method)
    return list(entries.order_by("-id"))


def test_every_page_is_logged_as_the_record_it_serves(client, records, users_by_role):
    seen, files = set(), set()
    for view_name, route, _callback in named_patterns():
        if view_name.startswith(("admin:", "django-admindocs")):
            continue
        has_arguments = "<" in route
        if has_arguments and view_name in NOT_RECORDS:
            continue
        if has_arguments:
            assert view_name in PAGES, f"{view_name}: say which record it serves (PAGES)"
            expected = PAGES[view_name]
            kwargs = {arg: records[kind].pk for arg, kind in expected if arg}
            url = reverse(view_name, kwargs=kwargs)
        elif view_name in DOWNLOADS:
            url, expected = reverse(view_name), ()
        else:
            continue
        login_as(client, user_for(view_name, users_by_role))
        response = request(client, url)
        assert response.status_code < 500, (view_name, response.status_code)
        entries = logged(url)
        assert entries, f"{view_name}: nothing logged for {url} ({response.status_code})"
        entry = entries[0]
        if expected:
            kind = expected[-1][1]
            assert (entry.object_type, entry.object_id) == (kind, str(records[kind].pk)), view_name
            for _arg, named in expected:
                assert entry.object_refs.get(named) == str(records[named].pk), (view_name, named)
            if kind not in SHARED:
                # Everything else belongs to the candidate: his auditor's page lists it.
                assert entry.object_refs.get("candidate") == str(records["candidate"].pk), view_name
        if response.has_header("Content-Disposition"):
            files.add(view_name)
            assert entry.action == Action.DOWNLOAD, view_name
            if DOWNLOADS.get(view_name):
                assert entry.object_type == DOWNLOADS[view_name], view_name
        seen.add(view_name)
    assert set(PAGES) <= seen, set(PAGES) - seen
    assert files == set(DOWNLOADS), files ^ set(DOWNLOADS)


def test_a_shooting_group_or_meeting_is_never_filed_as_a_candidate(client, staff_user):
    """The same number for a candidate and a shooting, a group, a GVIS meeting."""
    number = 7_654_321
    f.CandidateFactory(pk=number)
    f.ShootingFactory(pk=number)
    f.GroupFactory(pk=number)
    f.GVISMeetingFactory(pk=number)
    login_as(client, staff_user)
    for name, kind in (
        ("candidates:shooting_detail", "shooting"),
        ("candidates:group_detail", "group"),
        ("candidates:gvis_detail", "gvis_meeting"),
    ):
        url = reverse(name, args=[number])
        assert client.get(url).status_code == 200
        (entry,) = logged(url)
        assert (entry.object_type, entry.object_id) == (kind, str(number))
        assert "candidate" not in entry.object_refs
    client.get(reverse("candidates:detail", args=[number]))
    auditor = f.UserFactory()
    from django.contrib.auth.models import Group

    auditor.groups.add(Group.objects.get(name=roles.AUDITOR))
    login_as(client, auditor)
    page = client.get(reverse("audit:object", args=["candidate", number]))
    viewed = [e.view_name for e in page.context["viewed_page"].object_list]
    assert viewed == ["candidates:detail"]


def admin_object_urls():
    """(model admin, view name, route) of every admin URL that names one object."""
    for view_name, route, callback in named_patterns():
        if not view_name.startswith("admin:"):
            continue
        model_admin = _model_admin(callback)
        if model_admin is None or not re.search(r"<[^>]*(object_id|id|pk)>|\(", route):
            continue
        yield model_admin, view_name, route


def admin_url(route, object_id, history_id):
    values = iter((str(object_id), str(history_id)))
    path = re.sub(r"<[^>]+>|\([^)]*\)", lambda _m: next(values), route)
    return "/" + path.replace("^", "").replace("$", "")


def test_every_admin_object_page_is_logged_as_its_object(admin_client, records):
    """Change, history, history form (and its revert), delete, password, authenticator."""
    checked = set()
    for model_admin, view_name, route in admin_object_urls():
        model = model_admin.model
        instance = model._default_manager.order_by("pk").first()
        object_id = instance.pk if instance else 987654321
        history = getattr(model, "history", None)
        history_id = 1
        if history is not None and instance is not None:
            rows = history.filter(**{model._meta.pk.attname: instance.pk})
            history_id = rows.values_list("history_id", flat=True).first() or 1
        url = admin_url(route, object_id, history_id)
        response = admin_client.get(url)
        assert response.status_code < 500, (view_name, url)
        entries = logged(url)
        assert entries, f"{view_name}: nothing logged for {url} ({response.status_code})"
        entry = entries[0]
        label = model._meta.label_lower
        assert (entry.object_type, entry.object_id) == (label, str(object_id)), view_name
        if instance is not None and label in OWNED_BY_CANDIDATE:
            # The fixture's records all belong to its one candidate.
            assert entry.object_refs.get("candidate") == str(records["candidate"].pk), view_name
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        checked.add(view_name.removeprefix(prefix))
    assert {"change", "history", "simple_history", "delete", "password_change"} <= checked, checked


def test_the_admin_history_form_and_its_revert_are_logged(admin_client, records):
    """The form that shows a past version, and posting it back (the revert)."""
    candidate = records["candidate"]
    address = records["address"]
    for obj in (candidate, address, records["letter"]):
        model = type(obj)
        history_id = model.history.filter(id=obj.pk).values_list("history_id", flat=True)[0]
        info = model._meta.app_label, model._meta.model_name
        url = reverse(f"admin:{info[0]}_{info[1]}_simple_history", args=[obj.pk, history_id])
        admin_client.get(url)
        admin_client.post(url, {})  # the revert (refused or not, it is logged)
        for method in ("GET", "POST"):
            (entry, *_rest) = logged(url, method)
            assert (entry.object_type, entry.object_id) == (model._meta.label_lower, str(obj.pk))
            assert entry.object_refs[f"{model._meta.label_lower}.history"] == str(history_id)
            assert entry.object_refs["candidate"] == str(candidate.pk)
    # The auditor's page for the candidate lists them: the letter's and the address's too.
    from django.contrib.auth.models import Group

    auditor = f.UserFactory()
    auditor.groups.add(Group.objects.get(name=roles.AUDITOR))
    client = admin_client
    login_as(client, auditor)
    page = client.get(reverse("audit:object", args=["candidate", candidate.pk]))
    pages = {e.view_name for e in page.context["viewed_page"].object_list}
    assert {
        "admin:candidates_candidate_simple_history",
        "admin:candidates_address_simple_history",
        "admin:deliveries_letterversion_simple_history",
    } <= pages
    assert admin.site.is_registered(type(records["letter"]))
