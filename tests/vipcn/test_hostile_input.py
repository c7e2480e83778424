"""Random and hostile input at the security forms and filters: never a 500, never markup
echoed back unescaped, every refusal explained."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login_as
from tests.vipcn.test_hostile_forms import _pages as form_pages

pytestmark = pytest.mark.django_db

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=50),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "'; DROP TABLE vipcn_accesslogentry; --",
            "\x00",
            "2026-02-30",
            "9" * 400,
            "-1",
            "../../etc/passwd",
            '"><img src=x onerror=alert(1)>',
            "\u202e\ufeff",
        ]
    ),
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


def assert_safe(response):
    assert response.status_code < 500
    body = response.content.decode(errors="replace")
    for markup in MARKUP:
        assert markup not in body


def has_nul(*values):
    return any("\x00" in (v or "") for v in values)


@FUZZ
@given(username=HOSTILE, password=HOSTILE)
def test_login_form(client, username, password):
    response = client.post(
        reverse("login"), {"username": username, "password": password, "acknowledge": "on"}
    )
    assert_safe(response)
    if has_nul(username, password):
        assert response.status_code == 400  # bad input, before any lookup
    else:
        assert response.status_code in (200, 403)  # refused with the form, or locked out


@FUZZ
@given(token=HOSTILE, next_url=HOSTILE)
def test_second_factor_form(client, staff_user, token, next_url):
    client.force_login(staff_user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("mfa_setup"), {"token": token, "next": next_url})
    assert_safe(response)
    if has_nul(token, next_url):
        assert response.status_code == 400
    elif response.status_code == 200:
        assert b"invalid-feedback" in response.content or b"is-invalid" in response.content


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "username",
                "action",
                "outcome",
                "object_type",
                "object_id",
                "ip_address",
                "date_from",
                "date_to",
                "page",
            ]
        ),
        HOSTILE,
        max_size=5,
    )
)
def test_access_log_filters(client, auditor_user, params):
    login_as(client, auditor_user)
    response = client.get(reverse("audit:log"), params)
    assert_safe(response)
    assert (response.status_code == 400) == has_nul(*params.values())


@FUZZ
@given(reason=HOSTILE)
def test_sealed_record_reason(client, custodian_user, reason):
    from tests.factories import JuvenileCandidateFactory

    sealed = JuvenileCandidateFactory(sealed=True)
    login_as(client, custodian_user)
    response = client.post(reverse("audit:sealed_record", args=[sealed.pk]), {"reason": reason})
    assert_safe(response)


@FUZZ
@given(language=HOSTILE, next_url=HOSTILE)
def test_language_switch(client, staff_user, language, next_url):
    login_as(client, staff_user)
    response = client.post(reverse("set_language"), {"language": language, "next": next_url})
    assert_safe(response)
    if has_nul(language, next_url):
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert not response["Location"].startswith(("http:", "https:", "//"))


# --- bad bytes are bad input (issue 16, finding 6) -------------------------------------------
# A NUL (PostgreSQL cannot hold one in text) anywhere in a request: 400 before any view, never
# a 500 and never a write. vipcn/security/bad_input.py.

BAD = st.builds(
    lambda before, bad, after: before + bad + after,
    st.text(max_size=8).filter(lambda v: "\x00" not in v),
    st.sampled_from(["\x00", "\x00\x00", "%00\x00"]),
    st.text(max_size=8),
)
# Parameters every list may read, whether or not the page shows a link with them today.
GENERIC_KEYS = ("q", "page", "sort", "o", "p", "status", "date_from", "date_to", "next")
LIST_FUZZ = settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize(
    "name", ["candidates:list", "cases:list", "candidates:groups", "candidates:shootings"]
)
def test_a_nul_in_a_search_is_bad_input(client, lead_user, name):
    login_as(client, lead_user)
    response = client.get(reverse(name) + "?q=%00")
    assert response.status_code == 400
    assert b"NUL" in response.content


def _argument_free_pages():
    from tests.vipcn.urlwalk import argument_free_patterns
    from vipcn import access

    pages = []
    for name, _route, callback in argument_free_patterns():
        if name.startswith("django-admindocs") or name in ("admin:login", "admin:logout"):
            continue
        if name.startswith("admin:") and not name.endswith(("_changelist", "index")):
            continue
        public = not getattr(callback, "login_required", True)
        if not public and not access.is_delegated(name) and not access.roles_for(name):
            continue
        pages.append(name)
    return pages


def _reader_for(name, users_by_role):
    from vipcn import access, roles

    if name == "admin:vipcn_accesslogentry_changelist":
        return users_by_role[roles.AUDITOR]
    if access.is_delegated(name):
        return users_by_role[roles.ADMINISTRATOR]
    allowed = access.roles_for(name)
    if allowed is None:
        return None  # a public page
    order = (roles.LEAD, roles.STAFF, roles.ADMINISTRATOR, roles.MANAGER, roles.AUDITOR)
    return next(users_by_role[r] for r in (*order, roles.CUSTODIAN) if r in allowed)


@pytest.mark.parametrize("name", _argument_free_pages())
def test_every_get_parameter_of_every_list_refuses_bad_bytes(
    client, users_by_role, lead_user, name
):
    """Over the URL conf: each page opened without a record id, each parameter it offers (its
    GET forms, its links to itself) and the usual ones: a NUL is a 400, anything else < 500."""
    from tests.vipcn.test_hostile_forms import _world
    from tests.vipcn.urlwalk import query_keys

    _world(lead_user)
    reader = _reader_for(name, users_by_role)
    if reader is not None:
        login_as(client, reader)
    url = reverse(name)
    page = client.get(url)
    assert page.status_code < 500
    is_html = page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode(errors="replace") if is_html else ""
    keys = sorted(query_keys(html, url) | set(GENERIC_KEYS))

    @LIST_FUZZ
    @given(data=st.data())
    def attack(data):
        chosen = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True))
        poisoned = data.draw(st.sampled_from(chosen), label="poisoned")
        params = {k: data.draw(HOSTILE.filter(lambda v: "\x00" not in v), label=k) for k in chosen}
        params[poisoned] = data.draw(BAD, label=poisoned)
        response = client.get(url, params)
        assert response.status_code == 400, (name, params)
        del params[poisoned]
        if is_html:  # the same without the NUL: handled, whatever it is (exports: too slow)
            assert_safe(client.get(url, params))

    attack()


def _counts():
    from django.apps import apps

    return {
        m._meta.label: m._default_manager.count()
        for app in ("candidates", "deliveries")
        for m in apps.get_app_config(app).get_models()
    }


@pytest.mark.parametrize("name,route", form_pages())
def test_every_form_field_refuses_bad_bytes_and_saves_nothing(
    client, users_by_role, lead_user, name, route
):
    """Over every form the app renders (the pages of the URL conf, as in test_hostile_forms):
    a NUL in any field is a 400 and nothing is written."""
    from tests.vipcn import test_hostile_forms as forms_walk

    objects = forms_walk._world(lead_user)
    login_as(client, forms_walk._user_for(name, users_by_role))
    url = reverse(name, kwargs=forms_walk._kwargs(name, route, objects))
    page = client.get(url)
    if page.status_code != 200 or not page.get("Content-Type", "").startswith("text/html"):
        pytest.skip(f"{name}: no page with a form on GET ({page.status_code})")
    targets = [
        t
        for t in forms_walk._forms(page, url)
        if t[1] not in (reverse("logout"), reverse("set_language"))
    ]
    if not targets:
        pytest.skip(f"{name}: renders no form")
    before = _counts()

    @LIST_FUZZ
    @given(data=st.data())
    def attack(data):
        for method, action, fields in targets:
            poisoned = data.draw(st.sampled_from(fields), label="poisoned")
            values = {f: data.draw(HOSTILE.filter(lambda v: "\x00" not in v)) for f in fields}
            values[poisoned] = data.draw(BAD, label=poisoned)
            send = client.get if method == "get" else client.post
            response = send(action, values)
            assert response.status_code == 400, (action, poisoned)

    attack()
    # Every field, one at a time, too (the draws above pick some of them).
    for method, action, fields in targets:
        for field in fields:
            send = client.get if method == "get" else client.post
            assert send(action, {field: "a\x00b"}).status_code == 400, (action, field)
    assert _counts() == before


def test_a_nul_in_a_cookie_or_header_is_bad_input(client, staff_user):
    login_as(client, staff_user)
    # A quoted cookie's octal escape becomes a NUL in the session key looked up in the database.
    cookie = 'sessionid="abcdefghijklmnop\\000"'
    assert client.get("/", HTTP_COOKIE=cookie).status_code == 400
    login_as(client, staff_user)
    assert client.get("/", HTTP_USER_AGENT="x\x00y").status_code == 400
    assert client.get("/").status_code == 200


def test_unpaired_surrogates_are_invalid_too():
    from vipcn.security.bad_input import has_invalid_character

    assert has_invalid_character("a\ud800b")
    assert has_invalid_character("\x00")
    assert not has_invalid_character("Zoë \u202e\ufeff \t\n tab")
