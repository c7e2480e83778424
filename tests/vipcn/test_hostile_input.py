"""Random and hostile input at the security forms and filters: never a 500, never markup
echoed back unescaped, every refusal explained."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login_as

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


@FUZZ
@given(username=HOSTILE, password=HOSTILE)
def test_login_form(client, username, password):
    response = client.post(
        reverse("login"), {"username": username, "password": password, "acknowledge": "on"}
    )
    assert_safe(response)
    assert response.status_code in (200, 403)  # refused with the form, or locked out


@FUZZ
@given(token=HOSTILE, next_url=HOSTILE)
def test_second_factor_form(client, staff_user, token, next_url):
    client.force_login(staff_user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("mfa_setup"), {"token": token, "next": next_url})
    assert_safe(response)
    if response.status_code == 200:
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
        HOSTILE.filter(lambda v: "\x00" not in v),
        max_size=5,
    )
)
def test_access_log_filters(client, auditor_user, params):
    login_as(client, auditor_user)
    assert_safe(client.get(reverse("audit:log"), params))


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
    assert response.status_code == 302
    assert not response["Location"].startswith(("http:", "https:", "//"))
