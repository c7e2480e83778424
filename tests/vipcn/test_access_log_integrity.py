"""Issue 16, finding 4: the access log holds against its own database roles.

Each bypass found against the log is tried here with real PostgreSQL roles, created in the
test database inside the test's transaction (``vipcn.dbroles.setup_roles``, as
``manage.py setup_database_roles`` runs it): as the application role every one is refused; as
the tables' owner TRUNCATE, UPDATE and DELETE are refused by the triggers, and what the owner
can still do by disabling them (delete, alter, back-date, truncate, rebuild the chain) is
reported by ``verify_access_log``.
"""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import sql

from tests.vipcn.chain_tools import acting_as, execute, refused, triggers_lifted
from vipcn import dbroles
from vipcn.models import AccessLogAnchor, AccessLogEntry
from vipcn.security import audit, chain

pytestmark = pytest.mark.django_db
Action = AccessLogEntry.Action
LOG = sql.Identifier(dbroles.ACCESS_LOG_TABLE)


def role_names():
    """Per test database (roles are shared by the whole PostgreSQL server)."""
    base = connection.settings_dict["NAME"].removeprefix("test_")
    return f"{base}_t_owner", f"{base}_t_app"


@pytest.fixture
def roles(db):
    """The two roles, set up by the same code as the command, undone with the transaction."""
    owner, app = role_names()
    with connection.cursor() as cursor:
        dbroles.setup_roles(cursor, owner=owner, app=app)
    return owner, app


@pytest.fixture
def entries(db):
    """Five entries, the oldest first."""
    return [
        audit.record(Action.VIEW, username=f"user{n}", object_type="case", object_id=n)
        for n in range(5)
    ]


def log_state():
    return list(AccessLogEntry.objects.order_by("id").values_list("id", "username", "entry_hash"))


def verify(*args):
    out = io.StringIO()
    call_command("verify_access_log", *args, stdout=out)
    return out.getvalue()


def broken(*args):
    with pytest.raises(CommandError) as caught:
        verify(*args)
    return str(caught.value)


# --- refused ---------------------------------------------------------------------------------


def test_truncate_is_refused_by_a_statement_trigger(entries):
    before = log_state()
    for table in ("vipcn_accesslogentry", "vipcn_accessloganchor"):
        error = refused(None, sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
        assert "TRUNCATE is refused" in error
    assert log_state() == before


def test_session_replication_role_no_longer_silences_the_triggers(entries):
    """A superuser's replica mode skips ordinary triggers; the log's fire ALWAYS."""
    before = log_state()
    for statement in (
        "DELETE FROM vipcn_accesslogentry",
        "UPDATE vipcn_accesslogentry SET username = 'x'",
        "TRUNCATE vipcn_accesslogentry",
    ):
        with pytest.raises(DatabaseError, match="append-only|kept"), transaction.atomic():
            execute("SET LOCAL session_replication_role = replica")
            execute(statement)
    assert log_state() == before


def test_the_application_role_reads_and_appends_and_nothing_more(roles, entries):
    owner, app = roles
    before = log_state()
    first = entries[0].pk
    for statement, params in (
        ("UPDATE vipcn_accesslogentry SET username = 'x' WHERE id = %s", [first]),
        ("DELETE FROM vipcn_accesslogentry WHERE id = %s", [first]),
        ("TRUNCATE vipcn_accesslogentry", None),
        ("ALTER TABLE vipcn_accesslogentry DISABLE TRIGGER vipcn_accesslog_append_only", None),
        ("ALTER TABLE vipcn_accesslogentry DISABLE TRIGGER ALL", None),
        ("SET session_replication_role = replica", None),
        ("DROP TABLE vipcn_accesslogentry", None),
        (
            "INSERT INTO vipcn_accessloganchor (created_at, cutoff, last_pruned_id, "
            "last_pruned_at, last_pruned_hash, pruned_count) "
            "VALUES (now(), now(), 1, now(), 'x', 1)",
            None,
        ),
        ("INSERT INTO django_migrations (app, name, applied) VALUES ('vipcn', 'x', now())", None),
    ):
        error = refused(app, statement, params)
        assert "permission denied" in error or "must be owner" in error, (statement, error)
    assert log_state() == before
    # A member of no role, so it cannot become the owner (SET ROLE is tried over a real
    # login in test_database_roles.py: here the session is a superuser's).
    assert execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app, owner]) == [(False,)]
    # What the application does need still works, through the model and the chain.
    with acting_as(app):
        entry = audit.record(Action.LOGIN, username="through the app role")
        assert AccessLogEntry.objects.filter(pk=entry.pk).exists()
        execute("UPDATE auth_user SET first_name = first_name")
    assert entry.prev_hash == before[-1][2]
    verify()


def test_the_owner_cannot_truncate_update_or_delete_either(roles, entries):
    owner, _app = roles
    before = log_state()
    assert "TRUNCATE is refused" in refused(owner, "TRUNCATE vipcn_accesslogentry")
    assert "append-only" in refused(owner, "UPDATE vipcn_accesslogentry SET username = 'x'")
    assert "kept" in refused(owner, "DELETE FROM vipcn_accesslogentry")
    assert "permission denied" in refused(owner, "SET session_replication_role = replica")
    assert log_state() == before


# --- detected --------------------------------------------------------------------------------


@pytest.mark.access_log_tampered
def test_an_entry_deleted_by_the_owner_is_reported(roles, entries):
    owner, _app = roles
    verify()
    with acting_as(owner), triggers_lifted():
        execute("DELETE FROM vipcn_accesslogentry WHERE id = %s", [entries[2].pk])
    message = broken()
    assert f"entry #{entries[3].pk}" in message and "(missing)" in message
    assert f"does not follow entry #{entries[1].pk}" in message


@pytest.mark.access_log_tampered
def test_an_entry_altered_by_the_owner_is_reported(roles, entries):
    owner, _app = roles
    with acting_as(owner), triggers_lifted():
        execute(
            "UPDATE vipcn_accesslogentry SET username = 'someone else' WHERE id = %s",
            [entries[1].pk],
        )
    message = broken()
    assert f"broken at entry #{entries[1].pk} (altered)" in message


@pytest.mark.access_log_tampered
def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(roles, entries):
    owner, _app = roles
    row = AccessLogEntry.objects.values("id", "prev_hash", *chain.FIELDS).get(pk=entries[1].pk)
    row["username"] = "someone else"
    with acting_as(owner), triggers_lifted():
        execute(
            "UPDATE vipcn_accesslogentry SET username = %s, entry_hash = %s WHERE id = %s",
            ["someone else", chain.entry_hash(row["prev_hash"], row), row["id"]],
        )
    assert f"broken at entry #{entries[2].pk} (missing)" in broken()


@pytest.mark.access_log_tampered
def test_a_back_dated_entry_is_reported_and_deleting_it_later_too(roles, entries):
    """The issue's "insert a back-dated row and delete it": the row is old enough for the
    retention trigger to let it go, but neither its insertion nor its removal is silent."""
    owner, app = roles
    with acting_as(owner):
        forged = AccessLogEntry(
            action=Action.SEALED_OPENED,
            outcome="success",
            username="framed",
            at=timezone.now() - timedelta(days=400),
        )
        forged.save()  # linked properly: only its date gives it away
    assert f"broken at entry #{forged.pk} (back-dated)" in broken()
    with acting_as(app):
        later = audit.record(Action.LOGIN, username="after the forgery")
    with acting_as(owner):
        execute("DELETE FROM vipcn_accesslogentry WHERE id = %s", [forged.pk])  # > 365 days
    assert not AccessLogEntry.objects.filter(pk=forged.pk).exists()
    assert f"broken at entry #{later.pk} (missing)" in broken()


@pytest.mark.access_log_tampered
def test_a_forged_entry_added_by_hand_is_reported(roles, entries):
    """A copy of an earlier entry, hash and all, written after the newest one."""
    owner, _app = roles
    with acting_as(owner):
        ((forged,),) = execute(
            "INSERT INTO vipcn_accesslogentry (at, username, action, object_type, object_id, "
            "object_refs, outcome, method, path, view_name, detail, prev_hash, entry_hash) "
            "SELECT now(), username, action, object_type, object_id, object_refs, outcome, "
            "method, path, view_name, detail, prev_hash, entry_hash FROM vipcn_accesslogentry "
            "WHERE id = %s RETURNING id",
            [entries[2].pk],
        )
    assert f"broken at entry #{forged} (missing)" in broken()


@pytest.mark.access_log_tampered
def test_a_truncated_and_restarted_log_is_caught_by_the_checkpoint(roles, entries, tmp_path):
    owner, app = roles
    checkpoint = tmp_path / "access-log.checkpoint"
    assert "verified" in verify("--checkpoint", str(checkpoint))
    with acting_as(owner), triggers_lifted():
        execute("DELETE FROM vipcn_accesslogentry")  # or TRUNCATE, the triggers lifted
    with acting_as(app):
        audit.record(Action.LOGIN, username="a fresh start")
    assert "verified" in verify()  # a new chain from the genesis is a chain...
    message = broken("--checkpoint", str(checkpoint))  # ...but not the one checkpointed
    assert f"entry #{entries[-1].pk} is gone" in message


@pytest.mark.access_log_tampered
def test_a_rebuilt_chain_is_caught_by_the_checkpoint(roles, entries, tmp_path):
    """The owner deletes an entry and recomputes every later hash: each link holds again."""
    owner, _app = roles
    checkpoint = tmp_path / "access-log.checkpoint"
    verify("--checkpoint", str(checkpoint))
    with acting_as(owner), triggers_lifted():
        execute("DELETE FROM vipcn_accesslogentry WHERE id = %s", [entries[2].pk])
        rows = AccessLogEntry.objects.filter(pk__gt=entries[1].pk).order_by("id")
        previous = entries[1].entry_hash
        for row in rows.values("id", *chain.FIELDS):
            current = chain.entry_hash(previous, row)
            execute(
                "UPDATE vipcn_accesslogentry SET prev_hash = %s, entry_hash = %s WHERE id = %s",
                [previous, current, row["id"]],
            )
            previous = current
    assert "verified" in verify()
    message = broken("--checkpoint", str(checkpoint))
    assert "another hash than when it was checkpointed" in message


def test_the_checkpoint_moves_forward_with_the_log(entries, tmp_path):
    checkpoint = tmp_path / "access-log.checkpoint"
    verify("--checkpoint", str(checkpoint))
    audit.record(Action.LOGIN, username="next day")
    output = verify("--checkpoint", str(checkpoint))
    head = AccessLogEntry.objects.order_by("-id").first()
    assert f"Newest entry #{head.pk}: {head.entry_hash}" in output
    lines = checkpoint.read_text().splitlines()
    assert len(lines) == 2 and lines[-1].endswith(f" {head.pk} {head.entry_hash}")


# --- pruning ---------------------------------------------------------------------------------


@pytest.mark.access_log_tampered
def test_a_broken_chain_is_not_pruned(roles, entries):
    owner, _app = roles
    with acting_as(owner), triggers_lifted():
        execute("DELETE FROM vipcn_accesslogentry WHERE id = %s", [entries[2].pk])
    count = AccessLogEntry.objects.count()
    with pytest.raises(CommandError, match="nothing was pruned"):
        call_command("prune_access_log", "--older-than-days", "400", stdout=io.StringIO())
    assert AccessLogEntry.objects.count() == count
    assert not AccessLogAnchor.objects.exists()


def test_after_pruning_everything_the_next_entry_links_to_the_anchor(db):
    with triggers_lifted():
        execute("DELETE FROM vipcn_accesslogentry")
    for days in (900, 800):
        AccessLogEntry(
            action=Action.LOGIN,
            outcome="success",
            username=f"d{days}",
            at=timezone.now() - timedelta(days=days),
        ).save()
    call_command("prune_access_log", "--older-than-days", "400", stdout=io.StringIO())
    assert not AccessLogEntry.objects.exists()
    anchor = AccessLogAnchor.objects.get()
    entry = audit.record(Action.LOGIN, username="first after the pruning")
    assert entry.prev_hash == anchor.last_pruned_hash
    assert "from the anchor of the last pruning" in verify()
    with pytest.raises(PermissionError):
        anchor.delete()
    assert "append-only" in refused(None, "DELETE FROM vipcn_accessloganchor")


# --- concurrency -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    """Eight threads, each with its own connection, append at the same moment."""
    barrier = threading.Barrier(8)
    errors = []

    def write(n):
        try:
            barrier.wait(timeout=10)
            for i in range(5):
                audit.record(Action.VIEW, username=f"writer{n}", object_id=i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    written = AccessLogEntry.objects.filter(username__startswith="writer")
    assert written.count() == 40
    # Forty distinct predecessors: no two entries link to the same one.
    assert len(set(written.values_list("prev_hash", flat=True))) == 40
    assert "verified" in verify()


# --- the check that refuses to start production ---------------------------------------------


def test_the_check_names_each_unsafe_role(roles, settings):
    owner, app = roles
    settings.DEBUG = False
    ids = [problem.id for problem in dbroles.check_database_role()]
    assert ids == ["vipcn.E101"]  # the test suite connects as a superuser
    with acting_as(owner):
        assert [p.id for p in dbroles.check_database_role()] == ["vipcn.E102"]
    with acting_as(app):
        assert dbroles.check_database_role() == []
        problems = dbroles.role_problems(connection)
    assert problems == []
    execute(sql.SQL("GRANT DELETE ON {} TO {}").format(LOG, sql.Identifier(app)))
    with acting_as(app):
        (problem,) = dbroles.check_database_role()
    assert problem.id == "vipcn.E103" and "DELETE" in problem.msg
    assert "setup_database_roles" in problem.hint
    execute(sql.SQL("REVOKE DELETE ON {} FROM {}").format(LOG, sql.Identifier(app)))
    execute("ALTER TABLE vipcn_accesslogentry DISABLE TRIGGER vipcn_accesslog_no_truncate")
    with acting_as(app):
        assert [p.id for p in dbroles.check_database_role()] == ["vipcn.E104"]
    settings.DATABASE_ROLE_CHECK = False
    assert {p.id for p in dbroles.check_database_role()} == {"vipcn.W101"}
    settings.DEBUG = True
    assert dbroles.check_database_role() == []
