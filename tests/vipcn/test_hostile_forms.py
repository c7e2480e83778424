"""Hostile input at every form of the application (issue #8 "Bad input").

The URL conf is walked; each page that a role may open is fetched with real objects; every
form it renders (and the URL that form posts to) gets random and hostile values for each of its
fields: long strings, control characters with NUL, SQL and HTML fragments, impossible dates,
huge numbers. Never a 500, and markup never comes back unescaped, neither on the answer nor
when the page is shown again. Pages added later are covered without touching this file.
"""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories as f
from tests.conftest import login_as
from tests.vipcn.urlwalk import named_patterns
from vipcn import access, roles

pytestmark = pytest.mark.django_db

MARKUP = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
HOSTILE = st.one_of(
    st.sampled_from(
        [
            *MARKUP,
            "'; DROP TABLE candidates_candidate; --",
            "1 OR 1=1",
            "\x00",
            "a\x00b",
            "2026-02-30",
            "0000-00-00",
            "31/31/2031",
            "9" * 400,
            "-99999999999999999999",
            "1e308",
            "NaN",
            "{{ 7|add:1 }}{% now 'Y' %}",
            "%(name)s %s",
            "\u202e\ufeff\u200b",
            "../../etc/passwd",
            "",
        ]
    ),
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),
    st.text(min_size=1000, max_size=1200, alphabet="x<>&'\""),
)
# Role order: the role most likely to see every form first.
ROLE_ORDER = (
    roles.LEAD,
    roles.STAFF,
    roles.ADMINISTRATOR,
    roles.MANAGER,
    roles.CUSTODIAN,
    roles.AUDITOR,
)
SKIP_NAMESPACES = ("admin:", "audit:")  # the audit forms: tests/vipcn/test_hostile_input.py
FUZZ = settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _pages():
    pages = []
    for name, route, callback in named_patterns():
        if name.startswith(SKIP_NAMESPACES) or access.is_delegated(name):
            continue
        if not getattr(callback, "login_required", True) or not access.roles_for(name):
            continue
        if route.endswith((".pdf", ".csv", ".svg")):
            continue
        pages.append((name, route))
    return pages


def _world(lead_user):
    candidate = f.EligibleCandidateFactory()
    shooting = f.ShootingFactory()
    group = f.GroupFactory()
    person = f.PersonnelFactory()
    case = f.prepared_case(lead_user=lead_user, juvenile=True)
    ready = f.ReadyCaseFactory()
    attempt = f.AttemptFactory(created_by=lead_user)
    objects = {
        "candidate": candidate,
        "shooting": shooting,
        "gvis": f.GVISMeetingFactory(),
        "group": group,
        "personnel": person,
        "accompaniment": f.ManualAccompanimentFactory(personnel=person),
        "case": case,
        "ready": ready,
        "attempt": attempt,
        "rel_pk": f.RelationshipFactory(candidate=candidate),
        "address_pk": f.AddressFactory(candidate=candidate),
        "alias_pk": f.AliasFactory(candidate=candidate),
        "basis_pk": f.BasisFactory(candidate=candidate, shooting=shooting),
        "involvement_pk": f.InvolvementFactory(shooting=shooting, candidate=candidate),
        "membership_pk": f.GroupMembershipFactory(group=group, candidate=candidate),
    }
    return objects


def _kwargs(name, route, objects):
    namespace, _sep, short = name.rpartition(":")
    kwargs = {}
    for kwarg in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if kwarg in objects:
            obj = objects[kwarg]
        elif kwarg == "candidate_pk":
            obj = objects["candidate"]
        elif kwarg == "case_pk":
            obj = objects["ready"]
        elif namespace == "cases":
            obj = objects["case"]
        elif namespace == "attempts":
            obj = objects["attempt"]
        elif namespace == "personnel":
            accompaniment = short in ("accompaniment_confirm", "accompaniment_reject")
            obj = objects["accompaniment" if accompaniment else "personnel"]
        elif short.startswith(("shooting_", "involvement_")):
            obj = objects["shooting"]
        elif short.startswith("gvis_"):
            obj = objects["gvis"]
        elif short.startswith("group_"):
            obj = objects["group"]
        else:
            obj = objects["candidate"]
        kwargs[kwarg] = obj.pk
    return kwargs


class _FormParser(HTMLParser):
    """The forms of a page as rendered: method, action and field names (hidden ones too,
    except the CSRF token, which the test client does not check)."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action")}
            )
            self.forms[-1]["fields"] = []
        elif tag in ("input", "select", "textarea", "button") and self.forms:
            name = attrs.get("name")
            kind = (attrs.get("type") or "").lower()
            if name and name != "csrfmiddlewaretoken" and kind not in ("submit", "button"):
                if name not in self.forms[-1]["fields"]:
                    self.forms[-1]["fields"].append(name)


def _forms(page, url):
    parser = _FormParser()
    parser.feed(page.content.decode(errors="replace"))
    targets = []
    for form in parser.forms:
        action = form["action"] or url
        if form["fields"] and action.startswith("/") and not action.startswith("/admin/"):
            targets.append((form["method"], action, form["fields"]))
    return targets


def assert_safe(response):
    assert response.status_code < 500
    body = response.content.decode(errors="replace")
    for markup in MARKUP:
        assert markup not in body, "markup echoed unescaped"


def _user_for(name, users_by_role):
    allowed = access.roles_for(name)
    return next(users_by_role[role] for role in ROLE_ORDER if role in allowed)


@pytest.mark.parametrize("name,route", _pages(), ids=[n for n, _r in _pages()])
def test_every_form_survives_hostile_input(client, users_by_role, lead_user, name, route):
    objects = _world(lead_user)
    login_as(client, _user_for(name, users_by_role))
    url = reverse(name, kwargs=_kwargs(name, route, objects))
    page = client.get(url)
    assert page.status_code < 500
    if page.status_code != 200 or not page.get("Content-Type", "").startswith("text/html"):
        pytest.skip(f"{name}: no page with a form on GET ({page.status_code})")
    # The logout and language forms of the menu are on every page: tested elsewhere.
    targets = [
        t for t in _forms(page, url) if t[1] not in (reverse("logout"), reverse("set_language"))
    ]
    if not targets:
        pytest.skip(f"{name}: renders no form")

    def send(method, action, values, *, follow=False):
        if method == "get":
            response = client.get(action, values)
        else:
            response = client.post(action, values)
        assert_safe(response)
        if follow and response.status_code == 302 and response["Location"].startswith("/"):
            assert_safe(client.get(response["Location"]))

    # First, markup in every field at once: whatever a form stores is shown escaped below.
    for method, action, fields in targets:
        send(method, action, dict.fromkeys(fields, "".join(MARKUP)), follow=True)

    @FUZZ
    @given(data=st.data())
    def attack(data):
        for method, action, fields in targets:
            send(method, action, {field: data.draw(HOSTILE, label=field) for field in fields})

    attack()
    # Anything stored is shown escaped, on this page and on the records' own pages.
    assert_safe(client.get(url))
    login_as(client, lead_user)
    namespace = name.partition(":")[0]
    details = {
        "candidates": [
            reverse("candidates:detail", args=[objects["candidate"].pk]),
            reverse("candidates:aliases", args=[objects["candidate"].pk]),
            reverse("candidates:shooting_detail", args=[objects["shooting"].pk]),
            reverse("candidates:group_detail", args=[objects["group"].pk]),
        ],
        "cases": [reverse("cases:detail", args=[objects["case"].pk])],
        "attempts": [
            reverse("attempts:detail", args=[objects["attempt"].pk]),
            reverse("cases:detail", args=[objects["ready"].pk]),
        ],
        "personnel": [reverse("personnel:detail", args=[objects["personnel"].pk])],
    }
    for detail in details.get(namespace, []):
        assert_safe(client.get(detail))
