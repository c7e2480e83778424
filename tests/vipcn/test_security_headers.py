"""Response headers on every page: CSP without inline code, no framing, no caching of
signed-in pages, HSTS for a year, secure HttpOnly cookies."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/admin/", "/accounts/password/"])
def test_it_sends_a_strict_csp_on_signed_in_pages(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 200
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(admin_client, client):
    import re

    for c, path in ((admin_client, "/"), (admin_client, "/admin/"), (client, "/accounts/login/")):
        html = c.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def test_signed_in_pages_are_not_stored(staff_client):
    cache_control = staff_client.get("/")["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_the_logout_response_is_not_stored_either(staff_client):
    assert "no-store" in staff_client.post(reverse("logout"))["Cache-Control"]


def test_hsts_for_a_year_and_secure_cookies(settings):
    # Production values (tests run with DEBUG off, like production).
    assert settings.SECURE_HSTS_SECONDS == 31_536_000
    assert settings.SESSION_COOKIE_SECURE and settings.SESSION_COOKIE_HTTPONLY
    assert settings.CSRF_COOKIE_SECURE and settings.CSRF_COOKIE_HTTPONLY


def test_the_hsts_header_is_sent_over_https(staff_client):
    response = staff_client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_session_cookie_is_secure_and_httponly(client, staff_user):
    from tests.factories import TEST_PASSWORD

    response = client.post(
        reverse("login"),
        {"username": staff_user.username, "password": TEST_PASSWORD, "acknowledge": "on"},
        secure=True,
    )
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"
