"""Every admin URL of every registered model, as each role, with sealed and juvenile records
present (issue 16, "Records limits hold in every view, the admin's included"; issue 15, "The
admin is not a back door").

The URL list is built from the admin registry (each ModelAdmin's own URL patterns, and the
site's), not by hand: a model or an admin URL added later is walked without anyone writing a
line here, and a URL of a kind the walk does not know fails the test until it is taught. For
every page (changelist with search, filters and popups; add; change; delete; history list;
history detail; the revert POST; autocomplete; the index and app pages) it fails when:

- any text of the sealed person's records, or a link to one of them, appears;
- a juvenile's record appears to a user without ``candidates.view_juvenile_records``;
- a threat-assessment or background-check summary appears to a user not granted
  ``deliveries.view_sensitive`` (being a superuser does not grant it);
- any row of case data or of an SOP rule input, or of their history, changes in the database
  (every such table is fingerprinted before and after each form posted);
- a page answers 500.
"""

import datetime
import logging
import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from candidates.visibility import candidate_path
from deliveries import models as dm
from tests import factories as f
from tests.conftest import login_as
from vipcn import roles
from vipcn.admin_limits import is_case_data, may_read_sensitive

pytestmark = pytest.mark.django_db

SEALED = "zqsealed"  # in every text field of the sealed person's records
SEALED_CASE = "CN-2026-97531"
JUVENILE = "zqjuvenile"
SENSITIVE = "zqsensitive"
ADULT = "zqadult"

# The last part of a ModelAdmin URL name -> what the walk does with it.
KNOWN_MODEL_URLS = {
    "changelist",
    "add",
    "change",
    "delete",
    "history",
    "simple_history",
    "password_change",
    # django-otp's authenticator pages (shown to administrators with the secret hidden).
    "config",
    "qrcode",
}
KNOWN_SITE_URLS = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
}


# --- the records -------------------------------------------------------------------------


def _person_records(candidate, tag, number, *, group, shooting, meeting, penalty, deliverer, user):
    """One of each record about ``candidate``; every text field carries ``tag``."""
    f.AliasFactory(candidate=candidate, name=f"{tag} alias")
    f.AddressFactory(candidate=candidate, line1=f"1 {tag} street", notes=tag)
    f.BasisFactory(candidate=candidate, shooting=shooting, justification=tag, link_analysis=tag)
    f.DeterminationFactory(candidate=candidate, note=tag, determined_by=user)
    guardian = f.RelationshipFactory(candidate=candidate, name=f"{tag} guardian", notes=tag)
    f.GroupMembershipFactory(group=group, candidate=candidate, notes=tag)
    f.InvolvementFactory(shooting=shooting, candidate=candidate, person_name=tag)
    meeting.candidates.add(candidate)
    case = f.CaseFactory(candidate=candidate, number=number, end_reason=tag, no_letter_reason=tag)
    f.ThreatAssessmentFactory(case=case, summary=f"{tag} {SENSITIVE} threat")
    f.BackgroundCheckFactory(case=case, summary=f"{tag} {SENSITIVE} background")
    letter = f.LetterVersionFactory(case=case, body=f"Dear {tag}")
    letter.penalties.add(penalty)
    f.TeamAssignmentFactory(case=case, personnel=deliverer)
    f.SocialServicesPlanFactory(case=case, contact_person=tag, notes=tag)
    f.JPOCheckFactory(case=case, notes=tag)
    f.ReportDecisionFactory(case=case, services_status=tag, probation_relationship=tag)
    f.GuardianContactFactory(case=case, guardian=guardian, notes=tag)
    f.ReportTransitionFactory(case=case, note=tag)
    attempt = f.AttemptFactory(case=case, notes=tag, address=f"1 {tag} street", abort_reason=tag)
    f.TeamMemberForPersonnelFactory(attempt=attempt, personnel=deliverer)
    f.AfterActionFactory(attempt=attempt, ecc_outcome_advised_by=tag)
    dm.AttemptException.objects.create(
        attempt=attempt, rule_id="C-ECC", explanation=tag, recorded_by=user
    )
    f.ReportFollowUpFactory(case=case, services_offered=tag, referral_made=tag)
    return case


@pytest.fixture
def world(admin_user):
    group = f.GroupFactory(name="Westside walkers")
    shooting = f.ShootingFactory(location="Central and 4th")
    meeting = f.GVISMeetingFactory()
    penalty = f.PenaltyFactory()
    deliverer = f.eligible_deliverer(first_name="Dee", last_name="Liverer")
    creator = f.UserFactory(username="record_keeper")
    shared = {
        "group": group,
        "shooting": shooting,
        "meeting": meeting,
        "penalty": penalty,
        "deliverer": deliverer,
        "user": creator,
    }
    adult = f.CandidateFactory(first_name=ADULT, last_name="Openwalk", notes=ADULT)
    _person_records(adult, ADULT, "CN-2026-11111", **shared)
    juvenile = f.JuvenileCandidateFactory(
        first_name=JUVENILE, last_name="Youngwalk", notes=JUVENILE, rms_id=f"{JUVENILE}-1"
    )
    _person_records(juvenile, JUVENILE, "CN-2026-22222", **shared)
    sealed = f.JuvenileCandidateFactory(
        first_name=f"Old{SEALED}",
        last_name=f"{SEALED}walk",
        notes=SEALED,
        rms_id=f"{SEALED}-1",
        phone=f"{SEALED} phone",
        created_by=creator,
        assigned_to=creator,
    )
    sealed.first_name = f"{SEALED}first"  # a second history row, with the old name in it
    sealed.save()
    _person_records(sealed, SEALED, SEALED_CASE, **shared)
    sealed.sealed = True
    sealed.save()
    # A visible person's relationship that links to the sealed record.
    f.RelationshipFactory(candidate=adult, name="Kin contact", related_candidate=sealed)
    # A record merged into the sealed one (sealing covers the person's every record).
    f.CandidateFactory(
        first_name=f"{SEALED}merged",
        last_name=f"{SEALED}walk",
        status="merged",
        merged_into=sealed,
        sealed=True,
    )
    # The admin's own log remembers the name the sealed person had.
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(sealed),
        object_id=str(sealed.pk),
        object_repr=f"{SEALED}first {SEALED}walk",
        action_flag=CHANGE,
    )
    return {"adult": adult, "juvenile": juvenile, "sealed": sealed, "must_walk": [creator]}


def _sealed_rows(sealed):
    """(model, pk) of every registered record about the sealed person."""
    rows = []
    for model in admin.site._registry:
        path = candidate_path(model)
        if path is None:
            continue
        lookup = {"pk": sealed.pk} if path == "" else {path: sealed}
        rows += [
            (model, pk)
            for pk in model._default_manager.filter(**lookup).values_list("pk", flat=True)
        ]
    return rows


# --- the personas ------------------------------------------------------------------------


@pytest.fixture
def personas(users_by_role, admin_user):
    plain_admin = f.UserFactory(username="ada_plain", is_staff=True)
    plain_admin.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    root = f.UserFactory(username="root_walk", is_staff=True, is_superuser=True)
    lead_staff = f.UserFactory(username="lee_staff", is_staff=True)
    lead_staff.groups.add(Group.objects.get(name=roles.LEAD))
    return {
        **users_by_role,
        "Administrator, not a superuser": plain_admin,
        "superuser without a role": root,
        "Lead with admin access": lead_staff,
    }


# --- the URLs, from the registry ---------------------------------------------------------


def _patterns(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns)
        elif isinstance(p, URLPattern):
            yield p


def _post_data(obj):
    data = {}
    for name, value in model_to_dict(obj).items():
        if value is None:
            data[name] = ""
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, (datetime.date, datetime.datetime)):
            data[name] = value.isoformat()
        elif isinstance(value, models.Model):
            data[name] = value.pk
        else:
            data[name] = value
    # Also the split date/time widgets, and a change that would show.
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname, None)
        if isinstance(value, datetime.datetime):
            local = timezone.localtime(value)
            data[f"{field.name}_0"] = local.date().isoformat()
            data[f"{field.name}_1"] = local.time().strftime("%H:%M:%S")
        elif isinstance(field, models.CharField) and not field.choices and not field.unique:
            data[field.name] = f"walk {data.get(field.name, '')}"[: field.max_length]
    return data


def _own(obj, user):
    """Rows whose change or deletion would lock the walking user out of the rest of the walk;
    and the juvenile's records (their forms are refused as the adult's are: the database
    check is made on the adult's and the sealed person's)."""
    if JUVENILE in str(getattr(obj, "notes", "")) + str(getattr(obj, "candidate", "")):
        return True
    if obj == user:
        return True
    if getattr(obj, "user_id", None) == user.pk:
        return True
    return isinstance(obj, Group) and user.groups.filter(pk=obj.pk).exists()


def _objects(model, world, *, per_model):
    """The rows to walk: for a record about people, one about each person (the open adult,
    the juvenile, the sealed one); for anything else the first few, and anyone who must be
    there (the sealed record's creator, whose deletion must be refused)."""
    path = candidate_path(model)
    manager = model._default_manager
    if path is not None:
        rows = []
        for person in (world["adult"], world["juvenile"], world["sealed"]):
            lookup = {"pk": person.pk} if path == "" else {path: person}
            rows += list(manager.filter(**lookup).order_by("pk")[:per_model])
        return rows
    rows = list(manager.order_by("pk")[: per_model * 2])
    for extra in world["must_walk"]:
        if isinstance(extra, model) and extra not in rows:
            rows.append(extra)
    return rows


def admin_requests(user, world, *, per_model=1):
    """(method, url, data) for every admin URL of every registered model and of the site,
    from the registry; deletions last. ``per_model`` rows of each kind (see _objects)."""
    requests, deletions = [], []
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLPattern) and pattern.name:  # the site's own pages
            assert pattern.name in KNOWN_SITE_URLS, f"the walk does not know {pattern}"
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}_"
        objs = _objects(model, world, per_model=per_model)
        history = []
        manager = getattr(opts, "simple_history_manager_attribute", None)
        if manager:
            rows = getattr(model, manager).values_list(opts.pk.attname, "history_id")
            history = list(rows.filter(**{f"{opts.pk.attname}__in": [o.pk for o in objs]}))
        for pattern in _patterns(model_admin.get_urls()):
            if pattern.name is None:
                continue  # Django's redirect from <id>/ to <id>/change/
            assert pattern.name.startswith(prefix), pattern.name
            kind = pattern.name[len(prefix) :]
            assert kind in KNOWN_MODEL_URLS, f"the walk does not know admin:{pattern.name}"
            name = f"admin:{pattern.name}"
            if kind == "changelist":
                url = reverse(name)
                # Searches that would find the sealed person (parts of the markers: the page
                # repeats the search term), the facet counts, and the raw-id lookup popup.
                popup = f"_popup=1&_to_field={opts.pk.name}"
                for query in ("", "?q=qsealed&_facets=1", f"?q=97531&{popup}"):
                    requests.append(("get", url + query, None))
            elif kind == "add":
                requests.append(("get", reverse(name), None))
                if objs:
                    requests.append(("post", reverse(name), _post_data(objs[0])))
            elif kind == "change":
                for obj in objs:
                    url = reverse(name, args=[obj.pk])
                    requests.append(("get", url, None))
                    if not _own(obj, user):
                        requests.append(("post", url, _post_data(obj)))
            elif kind == "history":
                for obj in objs:
                    requests.append(("get", reverse(name, args=[obj.pk]), None))
            elif kind == "simple_history":
                by_pk = {o.pk: o for o in objs}
                for pk, history_id in history:
                    url = reverse(name, args=[pk, history_id])
                    requests.append(("get", url, None))
                    if not _own(by_pk[pk], user):
                        requests.append(("post", url, _post_data(by_pk[pk])))  # a revert
            elif kind == "delete":
                for obj in objs:
                    url = reverse(name, args=[obj.pk])
                    requests.append(("get", url, None))
                    if not _own(obj, user):
                        deletions.append(("post", url, {"post": "yes", "reason": "Walk reason"}))
            elif kind in ("config", "qrcode"):
                for obj in objs:
                    requests.append(("get", reverse(name, args=[obj.pk]), None))
            elif kind == "password_change":
                for obj in objs:
                    url = reverse(name, args=[obj.pk])
                    requests.append(("get", url, None))
                    mismatch = {"password1": "x" * 16, "password2": "y" * 16}
                    requests.append(("post", url, mismatch))
        # Related-object lookups: autocomplete over every relation to a registered model.
        for field in [*opts.concrete_fields, *opts.many_to_many]:
            if field.is_relation and field.related_model in admin.site._registry:
                query = (
                    f"app_label={opts.app_label}&model_name={opts.model_name}"
                    f"&field_name={field.name}&term="
                )
                requests.append(("get", f"{reverse('admin:autocomplete')}?{query}", None))
        if objs:
            content_type = ContentType.objects.get_for_model(model)
            url = reverse("admin:view_on_site", args=[content_type.pk, objs[-1].pk])
            requests.append(("get", url, None))
    requests.append(("get", reverse("admin:index"), None))
    for app_label in {m._meta.app_label for m in admin.site._registry}:
        requests.append(("get", reverse("admin:app_list", args=[app_label]), None))
    for name in ("admin:password_change", "admin:jsi18n", "admin:login"):
        requests.append(("get", reverse(name), None))
    requests.append(("get", f"{reverse('admin:index')}no/such/page/", None))  # the catch-all
    return requests + deletions


# --- what must not change ----------------------------------------------------------------


def _guarded_tables():
    """Every table of case data, rule inputs and their history (reference data excluded):
    through tables and history tables are judged by the model they belong to."""
    from django.apps import apps

    tables = set()
    for model in apps.get_models(include_auto_created=True):
        base = model.instance_type if getattr(model, "instance_type", None) else model
        if is_case_data(base, admin.site):
            tables.add(model._meta.db_table)
    return sorted(tables)


def fingerprint(tables):
    """Each table's rows, hashed in one query (PostgreSQL)."""
    row_hash = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
    # Table names from the models (quoted), never from input.
    parts = ", ".join(f"(SELECT {row_hash} FROM {connection.ops.quote_name(t)} t)" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _changed(before, after):
    return sorted(t for t in before if before[t] != after[t])


# --- the walk ----------------------------------------------------------------------------


def _forbidden(user):
    words = [SEALED, SEALED_CASE.lower()]
    if not user.has_perm("candidates.view_juvenile_records"):
        words.append(JUVENILE)
    if not may_read_sensitive(user):
        words.append(SENSITIVE)
    return words


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace") + response.get("Location", "")


def walk(client, user, world, sealed_links, tables):
    forbidden = _forbidden(user)
    problems, seen = [], {}
    shapes = set()
    for method, url, data in admin_requests(user, world):
        # Someone without admin access is turned away before any admin view runs: one URL
        # of each shape (pattern) shows it for all.
        shape = (method, re.sub(r"/\d+/", "/N/", url.split("?")[0]))
        if not user.is_staff and shape in shapes:
            continue
        shapes.add(shape)
        before = fingerprint(tables) if method == "post" else None
        response = getattr(client, method)(url, data or {})
        body = _body(response).lower()
        if response.status_code >= 500:
            problems.append(f"{response.status_code} {method} {url}")
        for word in forbidden:
            if word in body:
                problems.append(f"{word!r} in {method} {url}")
        for link in sealed_links:
            if link in body:
                problems.append(f"link {link} in {method} {url}")
        if before is not None:
            changed = _changed(before, fingerprint(tables))
            if changed:
                problems.append(f"{method} {url} changed {changed}")
        seen[(method, url)] = body
    return problems, seen


def test_every_admin_url_as_every_role(client, world, personas, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")  # thousands of 403s and 404s
    sealed = world["sealed"]
    rows = _sealed_rows(sealed)
    about_people = {m for m in admin.site._registry if candidate_path(m) is not None}
    assert {m for m, _pk in rows} == about_people  # every kind of record about the person
    sealed_links = sorted(
        {
            reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_change", args=[pk])
            for m, pk in rows
        }
    )
    tables = _guarded_tables()
    assert {
        "candidates_candidate",
        "candidates_historicalcandidate",
        "deliveries_letterversion_penalties",
        "deliveries_casetransition",
        "deliveries_personnel",
        "deliveries_historicaltrainingattendance",
    } <= set(tables)
    assert "deliveries_penalty" not in tables  # reference data stays editable
    start = fingerprint(tables)
    report = {}
    for role, user in personas.items():
        login_as(client, user)
        with transaction.atomic():
            problems, seen = walk(client, user, world, sealed_links, tables)
            transaction.set_rollback(True)
        report[role] = problems
        if user.is_staff:
            # The walk saw the pages, not only refusals: the open record is listed.
            changelist = seen[("get", reverse("admin:candidates_candidate_changelist"))]
            assert ADULT in changelist, role
        client.logout()
    assert {role: p for role, p in report.items() if p} == {}
    assert _changed(start, fingerprint(tables)) == []


def test_the_walk_sees_what_each_role_may_see(client, world, personas):
    """The walk can fail: juvenile records and sensitive summaries do appear where allowed."""
    lead_staff = personas["Lead with admin access"]
    login_as(client, lead_staff)
    threat = dm.ThreatAssessment.objects.get(case__candidate=world["adult"])
    page = client.get(reverse("admin:deliveries_threatassessment_change", args=[threat.pk]))
    assert SENSITIVE in page.content.decode().lower()
    page = client.get(reverse("admin:candidates_candidate_changelist"))
    assert JUVENILE in page.content.decode().lower()
    login_as(client, personas["Administrator, not a superuser"])
    page = client.get(reverse("admin:deliveries_threatassessment_change", args=[threat.pk]))
    assert page.status_code == 200 and "CN-2026-11111" in page.content.decode()
    assert SENSITIVE not in page.content.decode().lower()


def test_no_editable_model_refers_to_people():
    """Unseen references are blanked on in-memory objects only for display: that is safe
    only because no model the admin may save has a relation to a record about a person."""
    offenders = []
    for model in admin.site._registry:
        if is_case_data(model, admin.site):
            continue
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            if field.is_relation and candidate_path(field.related_model) is not None:
                offenders.append(f"{model._meta.label}.{field.name}")
    assert offenders == []


def test_the_sealed_record_leaks_nowhere_in_its_own_history(client, world, admin_user):
    """Finding 1, directly: the sealed person's history list and history form were shown."""
    sealed = world["sealed"]
    login_as(client, admin_user)
    history = reverse("admin:candidates_candidate_history", args=[sealed.pk])
    assert client.get(history).status_code == 404
    row = sealed.history.earliest()
    form = reverse("admin:candidates_candidate_simple_history", args=[sealed.pk, row.pk])
    assert client.get(form).status_code == 404
    assert client.post(form, {"sealed": ""}).status_code == 404
    sealed.refresh_from_db()
    assert sealed.sealed
    letter = dm.LetterVersion.objects.get(case__candidate=sealed)
    url = reverse("admin:deliveries_letterversion_history", args=[letter.pk])
    assert client.get(url).status_code == 404
