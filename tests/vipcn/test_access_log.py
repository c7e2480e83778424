"""Access log (CJIS AU-2, AU-3, AU-9, AU-11): what is logged, that entries cannot be changed
or deleted, that only auditors read it, and that reading it is logged too."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login_as
from tests.factories import CandidateFactory, UserFactory
from tests.vipcn.chain_tools import triggers_lifted
from vipcn import access, roles
from vipcn.models import AccessLogAnchor, AccessLogEntry
from vipcn.security import audit

pytestmark = pytest.mark.django_db
Action = AccessLogEntry.Action


@pytest.fixture
def new_entries(db):
    """Entries written during the test (migrate and fixtures log role changes too)."""
    start = timezone.now()
    return lambda: AccessLogEntry.objects.filter(at__gte=start)


@pytest.fixture
def only_new_entries(db):
    """An empty log, as on the first day: the entries migrate wrote are set aside, as the
    tables' owner could, inside the test's transaction (rolled back with it)."""
    with triggers_lifted():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM vipcn_accesslogentry")


@pytest.fixture
def probe_pages(settings, monkeypatch):
    """Two record pages nobody has written yet: covered by default."""
    settings.ROOT_URLCONF = "tests.vipcn.security_urls"
    monkeypatch.setitem(access.MATRIX, "cases:probe_detail", frozenset({roles.STAFF}))
    monkeypatch.setitem(access.MATRIX, "cases:probe_letter", frozenset({roles.STAFF}))


def test_it_logs_every_view_of_a_record_page(client, staff_user, probe_pages):
    login_as(client, staff_user)
    assert client.get("/probe-cases/42/", REMOTE_ADDR="203.0.113.9").status_code == 200
    entry = AccessLogEntry.objects.get(action=Action.VIEW)
    assert entry.user == staff_user
    assert entry.username == staff_user.username
    assert (entry.object_type, entry.object_id) == ("case", "42")
    assert entry.view_name == "cases:probe_detail"
    assert entry.ip_address == "203.0.113.9"
    assert entry.outcome == AccessLogEntry.Outcome.SUCCESS
    assert entry.path == "/probe-cases/42/"
    assert entry.at.tzinfo is not None and entry.at.utcoffset() == timedelta(0)


def test_it_logs_every_download(client, staff_user, probe_pages):
    login_as(client, staff_user)
    response = client.get("/probe-cases/7/letters/3/")
    assert response["Content-Disposition"].startswith("attachment")
    entry = AccessLogEntry.objects.get(action=Action.DOWNLOAD)
    assert entry.object_refs == {"case": "7", "cases:probe_letter": "3"}
    assert (entry.object_type, entry.object_id) == ("cases:probe_letter", "3")
    assert not AccessLogEntry.objects.filter(action=Action.VIEW).exists()


def test_it_logs_refusals(client, manager_user, probe_pages):
    login_as(client, manager_user)
    assert client.get("/probe-cases/42/").status_code == 403
    assert client.get("/no/such/page/").status_code == 404
    denied = AccessLogEntry.objects.filter(action=Action.DENIED).order_by("at")
    assert [(e.status_code, e.object_type, e.user_id) for e in denied] == [
        (403, "case", manager_user.pk),
        (404, "", manager_user.pk),
    ]
    assert all(e.outcome == AccessLogEntry.Outcome.DENIED for e in denied)


def test_a_password_only_session_is_not_logged_as_a_view(client, staff_user, probe_pages):
    client.force_login(staff_user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/probe-cases/42/").status_code == 302
    assert not AccessLogEntry.objects.filter(action=Action.VIEW).exists()


def test_it_logs_logins_and_logouts(client, staff_user, new_entries):
    from tests.factories import TEST_PASSWORD

    client.post(
        reverse("login"),
        {"username": staff_user.username, "password": TEST_PASSWORD, "acknowledge": "on"},
    )
    client.post(reverse("logout"))
    actions = list(new_entries().order_by("at").values_list("action", flat=True))
    assert actions == [Action.LOGIN, Action.LOGOUT]
    for row in AccessLogEntry.objects.values():
        assert TEST_PASSWORD not in str(row)


def test_it_logs_group_and_permission_changes_with_the_actor(
    admin_client, admin_user, staff_user, new_entries
):
    lead = Group.objects.get(name=roles.LEAD)
    response = admin_client.post(
        reverse("admin:auth_user_change", args=[staff_user.pk]),
        {
            "username": staff_user.username,
            "first_name": "Sam",
            "last_name": "Staff",
            "email": "",
            "is_active": "on",
            "groups": [lead.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    changes = new_entries().filter(action=Action.PERMISSION_CHANGE)
    assert changes.exists()
    assert all(c.user == admin_user for c in changes)
    details = " ".join(changes.values_list("detail", flat=True))
    assert roles.LEAD in details


def test_it_logs_direct_group_permission_and_flag_changes(staff_user, new_entries):
    staff_user.groups.add(Group.objects.get(name=roles.AUDITOR))
    staff_user.user_permissions.add(Permission.objects.get(codename="view_juvenile_records"))
    Group.objects.get(name=roles.MANAGER).permissions.remove(
        Permission.objects.get(codename="view_juvenile_records")
    )
    staff_user.groups.clear()
    staff_user.is_superuser = True
    staff_user.save()
    details = list(
        new_entries()
        .filter(action=Action.PERMISSION_CHANGE)
        .order_by("at")
        .values_list("detail", flat=True)
    )
    assert len(details) == 5
    assert roles.AUDITOR in details[0]
    assert "view_juvenile_records" in details[1] and "view_juvenile_records" in details[2]
    assert "cleared" in details[3] and roles.STAFF in details[3]
    assert "is_superuser: False -> True" in details[4]


class TestAppendOnly:
    def entry(self, **kwargs):
        return audit.record(Action.LOGIN, username="someone", **kwargs)

    def test_save_refuses_a_change(self):
        entry = self.entry()
        entry.username = "someone else"
        with pytest.raises(PermissionError):
            entry.save()

    def test_delete_is_refused(self):
        entry = self.entry()
        with pytest.raises(PermissionError):
            entry.delete()
        with pytest.raises(PermissionError):
            AccessLogEntry.objects.all().delete()
        with pytest.raises(PermissionError):
            AccessLogEntry.objects.filter(pk=entry.pk).update(username="x")
        assert AccessLogEntry.objects.filter(pk=entry.pk, username="someone").exists()

    def test_the_database_refuses_raw_changes(self):
        entry = self.entry()
        for sql in (
            "UPDATE vipcn_accesslogentry SET username = 'x' WHERE id = %s",
            "DELETE FROM vipcn_accesslogentry WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, [entry.pk])
        assert AccessLogEntry.objects.filter(pk=entry.pk, username="someone").exists()

    def test_the_admin_is_read_only_even_for_superusers(self, admin_client, admin_user):
        entry = self.entry()
        assert admin_client.get(reverse("admin:vipcn_accesslogentry_changelist")).status_code == 403
        admin_user.groups.add(Group.objects.get(name=roles.AUDITOR))
        assert admin_client.get(reverse("admin:vipcn_accesslogentry_changelist")).status_code == 200
        change = reverse("admin:vipcn_accesslogentry_change", args=[entry.pk])
        assert admin_client.post(change, {"username": "x"}).status_code == 403
        delete = reverse("admin:vipcn_accesslogentry_delete", args=[entry.pk])
        assert admin_client.post(delete, {"post": "yes"}).status_code == 403
        assert admin_client.get(reverse("admin:vipcn_accesslogentry_add")).status_code == 403
        assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


class TestPruning:
    def test_it_refuses_anything_younger_than_a_year(self):
        with pytest.raises(CommandError, match="365"):
            call_command("prune_access_log", "--older-than-days", "364")
        with pytest.raises(PermissionError):
            AccessLogEntry.objects.prune_older_than(timezone.now() - timedelta(days=300))

    def test_it_prunes_entries_older_than_asked(self, only_new_entries):
        for days in (800, 700):
            AccessLogEntry(
                action=Action.LOGIN,
                outcome="success",
                username=f"ancient-{days}",
                at=timezone.now() - timedelta(days=days),
            ).save()
        audit.record(Action.LOGIN, username="old")
        call_command("prune_access_log", "--older-than-days", "400", stdout=open("/dev/null", "w"))
        names = set(AccessLogEntry.objects.values_list("username", flat=True))
        assert names == {"old"}
        # The first entry kept links to the anchor of the pruning: the chain still verifies.
        anchor = AccessLogAnchor.objects.get()
        assert anchor.pruned_count == 2
        assert AccessLogEntry.objects.get().prev_hash == anchor.last_pruned_hash
        call_command("verify_access_log", stdout=open("/dev/null", "w"))


class TestAuditorPages:
    def test_only_auditors_read_the_log(self, client, users_by_role):
        for role, user in users_by_role.items():
            login_as(client, user)
            status = client.get(reverse("audit:log")).status_code
            assert status == (200 if role == roles.AUDITOR else 403), role

    def test_reading_the_log_is_logged(self, auditor_client, auditor_user):
        audit.record(Action.LOGIN, username="someone")
        response = auditor_client.get(reverse("audit:log"), {"username": "someone"})
        assert response.status_code == 200
        assert b"someone" in response.content
        read = AccessLogEntry.objects.get(action=Action.AUDIT_READ)
        assert read.user == auditor_user
        assert "username=someone" in read.detail

    def test_filters_narrow_the_list_and_bad_input_is_explained(self, auditor_client):
        audit.record(Action.LOGIN, username="alpha")
        audit.record(Action.LOGOUT, username="beta")
        response = auditor_client.get(reverse("audit:log"), {"action": "logout"})
        assert b"beta" in response.content and b"alpha" not in response.content
        response = auditor_client.get(
            reverse("audit:log"), {"date_from": "2026-02-30", "ip_address": "x<script>"}
        )
        assert response.status_code == 200
        assert b"<script>" not in response.content
        assert b"Enter a valid" in response.content

    def test_who_viewed_and_who_changed_a_candidate(self, client, auditor_user, staff_user):
        candidate = CandidateFactory()
        candidate.notes = "changed"
        candidate.save()
        audit.record(Action.VIEW, user=staff_user, object_type="candidate", object_id=candidate.pk)
        audit.record(
            Action.DOWNLOAD,
            user=staff_user,
            object_type="letter",
            object_id=9,
            object_refs={"candidate": str(candidate.pk), "letter": "9"},
        )
        audit.record(Action.VIEW, user=staff_user, object_type="candidate", object_id=999999)
        login_as(client, auditor_user)
        response = client.get(reverse("audit:object", args=["candidate", candidate.pk]))
        assert response.status_code == 200
        assert len(response.context["viewed_page"].object_list) == 2
        assert len(response.context["changes"]) == 2
        assert client.get(reverse("audit:object", args=["nonsense", 1])).status_code == 404
        assert AccessLogEntry.objects.filter(
            action=Action.AUDIT_READ, object_type="candidate", object_id=str(candidate.pk)
        ).exists()


def test_disable_inactive_accounts(settings):
    stale = UserFactory(last_login=timezone.now() - timedelta(days=91))
    never = UserFactory()
    never.date_joined = timezone.now() - timedelta(days=120)
    never.save()
    recent = UserFactory(last_login=timezone.now() - timedelta(days=89))
    new = UserFactory()
    call_command("disable_inactive_accounts", "--dry-run", stdout=open("/dev/null", "w"))
    stale.refresh_from_db()
    assert stale.is_active
    call_command("disable_inactive_accounts", stdout=open("/dev/null", "w"))
    for user, active in ((stale, False), (never, False), (recent, True), (new, True)):
        user.refresh_from_db()
        assert user.is_active is active, user
    logged = AccessLogEntry.objects.filter(action=Action.ACCOUNT_DISABLED)
    assert set(logged.values_list("user", flat=True)) == {stale.pk, never.pk}


def test_the_access_log_is_in_the_auditors_menu_only(client, auditor_user, admin_user):
    login_as(client, auditor_user)
    assert reverse("audit:log").encode() in client.get("/").content
    login_as(client, admin_user)
    assert reverse("audit:log").encode() not in client.get("/").content


def test_who_viewed_and_who_changed_a_case(client, auditor_user, staff_user):
    from tests.factories import CaseFactory

    case = CaseFactory()
    audit.record(Action.VIEW, user=staff_user, object_type="case", object_id=case.pk)
    login_as(client, auditor_user)
    response = client.get(reverse("audit:object", args=["case", case.pk]))
    assert response.status_code == 200
    assert [e.username for e in response.context["viewed_page"].object_list] == [
        staff_user.username
    ]
    assert len(response.context["changes"]) == 1


def test_the_admin_never_shows_an_authenticator_secret(admin_client, staff_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=staff_user, name="phone", confirmed=True)
    page = admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key.encode() not in page.content


# These two write entries dated months ago, after today's: back-dated, as the chain reports.
@pytest.mark.access_log_tampered
def test_the_log_page_shows_utc_with_microseconds(auditor_client):
    import datetime

    entry = AccessLogEntry(
        action=Action.LOGIN,
        outcome="success",
        username="timed",
        at=datetime.datetime(2026, 7, 1, 18, 4, 5, 123456, tzinfo=datetime.UTC),
    )
    entry.save()
    html = auditor_client.get(reverse("audit:log"), {"username": "timed"}).content.decode()
    assert "2026-07-01 18:04:05.123456" in html  # not the local (Denver) time


@pytest.mark.access_log_tampered
def test_the_date_filter_uses_whole_utc_days(auditor_client):
    import datetime

    for name, hour in (("before", 23), ("inside", 0)):
        day = 1 if name == "before" else 2
        AccessLogEntry(
            action=Action.LOGIN,
            outcome="success",
            username=f"utc-{name}",
            at=datetime.datetime(2026, 7, day, hour, 30, tzinfo=datetime.UTC),
        ).save()
    response = auditor_client.get(
        reverse("audit:log"), {"date_from": "2026-07-02", "date_to": "2026-07-02"}
    )
    names = {e.username for e in response.context["page"].object_list}
    assert names == {"utc-inside"}
