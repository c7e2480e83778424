"""Named personas, one per role (healthchecks' alice/bob/charlie idea)."""

import io

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory
from vipcn import roles


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Login tests post real passwords; the production hasher's cost is not under test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page requested in Spanish leaves Spanish
    active in the thread (LocaleMiddleware does not reset it after the response)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached figures are keyed on the data version,
    but a test's rolled-back rows must not leave figures behind for the next)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_access_log_guard():
    """Transactional tests end with Django's flush, a TRUNCATE of every table, which the
    access log's statement-level trigger refuses (migration vipcn 0006). The test run lifts
    the refusal for that one statement, as the tables' owner could, inside the flush's own
    transaction; at every other moment the triggers stand as in production."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    from vipcn.dbroles import TRUNCATE_TRIGGERS

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        qn = self.quote_name
        guarded = [
            (qn(table), qn(trigger))
            for table, trigger in TRUNCATE_TRIGGERS.items()
            if any(qn(table) in sql for sql in sql_list)
        ]
        lift = [f"ALTER TABLE {t} DISABLE TRIGGER {g};" for t, g in guarded]
        restore = [f"ALTER TABLE {t} ENABLE ALWAYS TRIGGER {g};" for t, g in guarded]
        return original(self, [*lift, *sql_list, *restore])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _access_log_chain_holds(request):
    """After every test that used the database, before its rollback or flush, the access
    log's hash chain verifies (``manage.py verify_access_log``) over every entry the test
    wrote, on top of those written before it: the suite's own writes are the check's data.

    A test that tampers with the log on purpose says so: ``@pytest.mark.access_log_tampered``.
    """
    uses_db = (
        request.node.get_closest_marker("django_db") is not None
        or "_django_db_helper" in request.fixturenames
    )
    if not uses_db or request.node.get_closest_marker("access_log_tampered"):
        yield
        return
    # Set up the database first, so that it is torn down (rolled back, flushed) after this.
    request.getfixturevalue("db")
    yield
    from django.core.management import call_command
    from django.db import connection

    if connection.needs_rollback:
        return  # the test broke its transaction; its own failure says why
    call_command("verify_access_log", stdout=io.StringIO())


def login_as(client, user):
    """Log a test client in as ``user`` with every factor a real login would have.

    Use this (or the *_client fixtures), never ``client.force_login`` directly, so that
    tests keep passing when login requires more than a session (e.g. a second factor).
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    # The second factor, as django_otp.login records it after a verified code.
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="test authenticator", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _user_with_role(username, role, **extra):
    user = UserFactory(username=username, **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def staff_user(db):
    return _user_with_role("sam_staff", roles.STAFF, first_name="Sam", last_name="Staff")


@pytest.fixture
def lead_user(db):
    return _user_with_role("lee_lead", roles.LEAD, first_name="Lee", last_name="Lead")


@pytest.fixture
def manager_user(db):
    return _user_with_role("morgan_pm", roles.MANAGER, first_name="Morgan", last_name="PM")


@pytest.fixture
def admin_user(db):
    return _user_with_role("ada_admin", roles.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def auditor_user(db):
    return _user_with_role("audra_auditor", roles.AUDITOR, first_name="Audra", last_name="Auditor")


@pytest.fixture
def custodian_user(db):
    return _user_with_role("cary_custodian", roles.CUSTODIAN, first_name="Cary", last_name="Keeper")


@pytest.fixture
def users_by_role(staff_user, lead_user, manager_user, admin_user, auditor_user, custodian_user):
    return {
        roles.STAFF: staff_user,
        roles.LEAD: lead_user,
        roles.MANAGER: manager_user,
        roles.ADMINISTRATOR: admin_user,
        roles.AUDITOR: auditor_user,
        roles.CUSTODIAN: custodian_user,
    }


@pytest.fixture
def staff_client(client, staff_user):
    return login_as(client, staff_user)


@pytest.fixture
def lead_client(client, lead_user):
    return login_as(client, lead_user)


@pytest.fixture
def manager_client(client, manager_user):
    return login_as(client, manager_user)


@pytest.fixture
def admin_client(client, admin_user):
    return login_as(client, admin_user)


@pytest.fixture
def auditor_client(client, auditor_user):
    return login_as(client, auditor_user)
