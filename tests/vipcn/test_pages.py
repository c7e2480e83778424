import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import TEST_PASSWORD


def test_it_answers_the_health_check(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_shows_the_system_use_notice_on_login(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"System-use notice" in response.content
    assert b"criminal-justice" in response.content


def test_it_refuses_login_without_acknowledging_the_notice(client, staff_user):
    response = client.post(
        reverse("login"), {"username": staff_user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert b"acknowledge the system-use notice" in response.content
    assert "_auth_user_id" not in client.session


def test_it_logs_in_with_the_notice_acknowledged(client, staff_user):
    response = client.post(
        reverse("login"),
        {"username": staff_user.username, "password": TEST_PASSWORD, "acknowledge": "on"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_it_shows_the_base_layout_with_local_styles(staff_client):
    html = staff_client.get("/").content.decode()
    assert "/static/css/bootstrap.min.css" in html
    assert "/static/js/bootstrap.bundle.min.js" in html
    for outside in ("http://", "https://", "//cdn"):
        for attr in ('src="', 'href="'):
            assert attr + outside not in html


def test_it_renders_friendly_404(staff_client):
    response = staff_client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_it_remembers_the_chosen_language(staff_client, staff_user):
    staff_client.post(reverse("set_language"), {"language": "es", "next": "/"})
    staff_user.profile.refresh_from_db()
    assert staff_user.profile.language == "es"
    assert staff_client.get("/").headers["Content-Language"] == "es"


def test_it_refuses_an_offsite_redirect_after_switching_language(staff_client):
    response = staff_client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_demo_data_is_idempotent(settings):
    from django.apps import apps

    settings.DEMO_MODE = True
    call_command("load_demo_data", stdout=open("/dev/null", "w"))
    counts = {m._meta.label: m.objects.count() for m in apps.get_models()}
    call_command("load_demo_data", stdout=open("/dev/null", "w"))
    assert counts == {m._meta.label: m.objects.count() for m in apps.get_models()}
    assert counts["auth.User"] >= 4


@pytest.mark.django_db
def test_demo_data_refuses_a_live_system(settings):
    from django.core.management.base import CommandError

    settings.DEMO_MODE = False
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo_data")
