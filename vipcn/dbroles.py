"""Two PostgreSQL roles (README, "Security", database roles).

- The **owner** owns the database, its schema and every table. Migrations run as the owner
  (``MIGRATION_DATABASE_URL``; ``manage.py migrate`` switches to it), and so does
  ``prune_access_log``, the one sanctioned deletion from the access log.
- The **application** role (``DATABASE_URL``) reads and writes case data, but on the access
  log it may only read and append: no UPDATE, DELETE or TRUNCATE, and, owning nothing, it
  cannot disable a trigger or bypass them (``session_replication_role`` needs a superuser).

``setup_roles`` creates or updates both (``manage.py setup_database_roles``, run once with an
administrator's connection, and again whenever in doubt: it is idempotent). The privileges are
granted again after every migration (``grant_application_privileges``, run by the owner), so a
table a migration adds is covered at once. ``role_problems`` is the check that refuses to start
production as a superuser or as the log's owner (``check --deploy`` and the WSGI start-up).
"""

import base64
import hashlib
import hmac
import secrets
from contextlib import contextmanager

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

ACCESS_LOG_TABLE = "vipcn_accesslogentry"
ANCHOR_TABLE = "vipcn_accessloganchor"
# Tables the application role may only read (and append to): table -> privileges it keeps.
RESTRICTED_TABLES = {
    ACCESS_LOG_TABLE: ("SELECT", "INSERT"),
    ANCHOR_TABLE: ("SELECT",),
    # Only migrations record migrations.
    "django_migrations": ("SELECT",),
}
ACCESS_LOG_TRIGGERS = ("vipcn_accesslog_append_only", "vipcn_accesslog_no_truncate")
# The statement-level refusals of TRUNCATE (migration vipcn 0006), table -> trigger.
TRUNCATE_TRIGGERS = {
    ACCESS_LOG_TABLE: "vipcn_accesslog_no_truncate",
    ANCHOR_TABLE: "vipcn_accessloganchor_no_truncate",
}
FIX_HINT = (
    "Create the owner and application roles with `manage.py setup_database_roles`, set "
    "MIGRATION_DATABASE_URL to the owner and DATABASE_URL to the application role "
    '(README, "Security": database roles).'
)
# Connection settings that differ between the owner's URL and the application's.
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


# --- running as the owner -------------------------------------------------------------------


def owner_configured(alias=DEFAULT_DB_ALIAS):
    return alias == DEFAULT_DB_ALIAS and bool(getattr(settings, "MIGRATION_DATABASE", None))


@contextmanager
def owner_connection(alias=DEFAULT_DB_ALIAS):
    """The ``alias`` connection, logged in as the owner while the block runs (when
    ``MIGRATION_DATABASE_URL`` is set; otherwise unchanged). The database name is kept, so a
    test database stays the test database."""
    connection = connections[alias]
    if not owner_configured(alias):
        yield connection
        return
    if connection.in_atomic_block:
        raise RuntimeError("Switch to the owner's connection outside any transaction.")
    saved = {key: connection.settings_dict.get(key) for key in _CREDENTIALS}
    connection.close()
    connection.settings_dict.update(
        {key: settings.MIGRATION_DATABASE.get(key) for key in _CREDENTIALS}
    )
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)


# --- privileges -----------------------------------------------------------------------------


def _ident(name):
    from psycopg import sql

    return sql.Identifier(name)


def _run(cursor, statement, *args):
    """Execute a composed statement (identifiers quoted by psycopg, never by hand)."""
    from psycopg import sql

    query = sql.SQL(statement).format(*args)
    cursor.execute(query.as_string(cursor.connection))


def _raw_cursor(cursor):
    # Django's cursor wrapper hides psycopg's; as_string() needs the real connection.
    return getattr(cursor, "cursor", cursor)


def _schema(cursor):
    cursor.execute("SELECT current_schema()")
    return cursor.fetchone()[0]


def _existing(cursor, schema, tables):
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = ANY(%s)",
        [schema, list(tables)],
    )
    return {row[0] for row in cursor.fetchall()}


def grant_application_privileges(cursor, *, app, owner):
    """Grant the application role what it needs and nothing more; idempotent.

    Run by the owner (after every migration) or by an administrator. Ordinary DML on every
    table, sequences to draw ids from, read and append on the access log, read only on the
    anchors and the migration record; future tables of the owner get the ordinary DML too.
    """
    cursor = _raw_cursor(cursor)
    schema = _schema(cursor)
    s, a, o = _ident(schema), _ident(app), _ident(owner)
    _run(cursor, "GRANT USAGE ON SCHEMA {} TO {}", s, a)
    _run(cursor, "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {} FROM {}", s, a)
    _run(cursor, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}", s, a)
    _run(cursor, "REVOKE UPDATE ON ALL SEQUENCES IN SCHEMA {} FROM {}", s, a)
    _run(cursor, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}", s, a)
    for table in _existing(cursor, schema, RESTRICTED_TABLES):
        t = _ident(table)
        _run(cursor, "REVOKE ALL ON {}.{} FROM PUBLIC, {}", s, t, a)
        from psycopg import sql

        keep = sql.SQL(", ").join(sql.SQL(p) for p in RESTRICTED_TABLES[table])
        _run(cursor, "GRANT {} ON {}.{} TO {}", keep, s, t, a)
    _run(
        cursor,
        "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} "
        "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}",
        o,
        s,
        a,
    )
    _run(
        cursor,
        "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT USAGE, SELECT ON SEQUENCES TO {}",
        o,
        s,
        a,
    )


def scram_sha_256(password, iterations=4096):
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password``: sent instead of the
    password, so that the password never reaches the server's statement log."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()

    def b64(data):
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _password_clause(password):
    from psycopg import sql

    if not password:
        return sql.SQL("")
    # SASLprep leaves printable ASCII as it is; anything else is left to the server to hash.
    secret = scram_sha_256(password) if password.isascii() and password.isprintable() else password
    return sql.SQL(" PASSWORD {}").format(sql.Literal(secret))


def _ensure_role(cursor, name, attributes, password):
    from psycopg import sql

    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    verb = "ALTER" if cursor.fetchone() else "CREATE"
    _run(
        cursor,
        verb + " ROLE {} WITH " + attributes + "{}",
        _ident(name),
        _password_clause(password) if password else sql.SQL(""),
    )
    return "altered" if verb == "ALTER" else "created"


def setup_roles(cursor, *, owner, app, owner_password=None, app_password=None):
    """Create or update the owner and application roles of the current database; idempotent.

    Needs a superuser (or an administrator who may create roles and owns the database). The
    owner gets the database, its schema and every object in it (objects an earlier setup
    created as another role, e.g. a superuser, are handed over); the application role gets
    ``grant_application_privileges`` and no membership in any role. Returns what was done.
    """
    if owner == app:
        raise ImproperlyConfigured("The owner and the application must be different roles.")
    cursor = _raw_cursor(cursor)
    done = [
        f"owner role {owner}: "
        + _ensure_role(
            cursor,
            owner,
            "LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT",
            owner_password,
        ),
        f"application role {app}: "
        + _ensure_role(
            cursor,
            app,
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT",
            app_password,
        ),
    ]
    # A plain role: a member of nothing, so it can SET ROLE to nothing.
    cursor.execute(
        "SELECT m.roleid::regrole::text FROM pg_auth_members m JOIN pg_roles r "
        "ON r.oid = m.member WHERE r.rolname = %s",
        [app],
    )
    for (granted,) in cursor.fetchall():
        _run(cursor, "REVOKE {} FROM {}", _ident(granted), _ident(app))
        done.append(f"{app} is no longer a member of {granted}")
    cursor.execute("SELECT current_database()")
    database = cursor.fetchone()[0]
    schema = _schema(cursor)
    _run(cursor, "ALTER DATABASE {} OWNER TO {}", _ident(database), _ident(owner))
    _run(cursor, "ALTER SCHEMA {} OWNER TO {}", _ident(schema), _ident(owner))
    _run(cursor, "REVOKE CREATE ON SCHEMA {} FROM PUBLIC", _ident(schema))
    _run(cursor, "GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}", _ident(database), _ident(app))
    handed = _hand_over(cursor, schema, owner)
    if handed:
        done.append(f"{handed} objects handed over to {owner}")
    grant_application_privileges(cursor, app=app, owner=owner)
    done.append(f"privileges of {app} granted")
    return done


# relkind -> the ALTER statement's object kind; sequences that belong to a column move with
# their table, and objects of an extension (pg_trgm) stay with the extension.
_KINDS = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}


def _hand_over(cursor, schema, owner):
    cursor.execute(
        """
        SELECT c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
          AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)
          AND NOT EXISTS (
              SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.deptype IN ('e', 'a', 'i'))
        """,
        [schema, owner],
    )
    objects = cursor.fetchall()
    for name, kind in objects:
        statement = "ALTER " + _KINDS.get(kind, "SEQUENCE") + " {}.{} OWNER TO {}"
        _run(cursor, statement, _ident(schema), _ident(name), _ident(owner))
    cursor.execute(
        """
        SELECT p.oid::regprocedure::text FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = %s AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)
          AND NOT EXISTS (
              SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        """,
        [schema, owner],
    )
    functions = [row[0] for row in cursor.fetchall()]
    from psycopg import sql

    for signature in functions:
        # regprocedure's text is already a quoted, schema-qualified signature.
        _run(cursor, "ALTER FUNCTION {} OWNER TO {}", sql.SQL(signature), _ident(owner))
    return len(objects) + len(functions)


# --- the check ------------------------------------------------------------------------------


def role_problems(connection):
    """What is unsafe about the role ``connection`` logs in as, for a production server.

    [(check id, message)]: a superuser; the access log's owner or a member of its role; any
    privilege on the log beyond reading and appending; the log's triggers missing or
    disabled. Empty on SQLite (the demo) and when nothing is wrong.
    """
    if connection.vendor != "postgresql":
        return []
    try:
        return _role_problems(connection)
    except DatabaseError as exc:
        return [("vipcn.E100", f"Could not check the database role: {exc}".strip())]


def _role_problems(connection):
    problems = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls, to_regclass(%s) IS NOT NULL "
            "FROM pg_roles WHERE rolname = current_user",
            [ACCESS_LOG_TABLE],
        )
        role, superuser, bypass_rls, has_log = cursor.fetchone()
        if superuser:
            problems.append(
                (
                    "vipcn.E101",
                    f"VIP CN connects to PostgreSQL as {role}, a superuser: it could empty or "
                    "rewrite the access log.",
                )
            )
        elif bypass_rls:
            problems.append(("vipcn.E101", f"The database role {role} bypasses row security."))
        if not has_log:
            problems.append(
                ("vipcn.E105", "The database has no access-log table: run manage.py migrate.")
            )
            return problems
        cursor.execute(
            "SELECT pg_get_userbyid(relowner), pg_has_role(current_user, relowner, 'MEMBER'), "
            "has_table_privilege(oid, 'UPDATE'), has_table_privilege(oid, 'DELETE'), "
            "has_table_privilege(oid, 'TRUNCATE'), has_table_privilege(oid, 'TRIGGER') "
            "FROM pg_class WHERE oid = to_regclass(%s)",
            [ACCESS_LOG_TABLE],
        )
        owner, member, *may = cursor.fetchone()
        if member and not superuser:
            problems.append(
                (
                    "vipcn.E102",
                    f"VIP CN connects to PostgreSQL as {role}, which is (or may act as) "
                    f"{owner}, the owner of the access log: it could disable the log's "
                    "triggers, then change or delete entries.",
                )
            )
        elif not superuser:
            granted = [
                p
                for p, ok in zip(("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"), may, strict=True)
                if ok
            ]
            if granted:
                problems.append(
                    (
                        "vipcn.E103",
                        f"The database role {role} holds {', '.join(granted)} on the access "
                        "log; the application may only read it and append to it.",
                    )
                )
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger "
            "WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
            [ACCESS_LOG_TABLE],
        )
        # ENABLE ALWAYS (A): they fire even with session_replication_role = replica.
        enabled = {name for name, state in cursor.fetchall() if state == "A"}
        missing = [name for name in ACCESS_LOG_TRIGGERS if name not in enabled]
        if missing:
            problems.append(
                (
                    "vipcn.E104",
                    f"The access log's trigger(s) {', '.join(missing)} are missing, disabled "
                    "or not ENABLE ALWAYS: run manage.py migrate, and find out who changed them.",
                )
            )
    return problems


def _applies():
    return not settings.DEBUG and connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


@checks.register(checks.Tags.security, deploy=True)
def check_database_role(app_configs=None, **kwargs):
    """``check --deploy``: production must not run as a superuser or as the log's owner."""
    if not _applies():
        return []
    make = checks.Error if settings.DATABASE_ROLE_CHECK else checks.Warning
    return [
        make(message, hint=FIX_HINT, id=check_id if make is checks.Error else "vipcn.W101")
        for check_id, message in role_problems(connections[DEFAULT_DB_ALIAS])
    ]


def refuse_unsafe_database_role():
    """At the WSGI server's start: stop with the reasons instead of serving (production)."""
    if not _applies() or not settings.DATABASE_ROLE_CHECK:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        problems = role_problems(connection)
    finally:
        # Opened at import time: a forking server must not share it with its workers.
        connection.close()
    if problems:
        reasons = " ".join(message for _id, message in problems)
        raise ImproperlyConfigured(
            f"Refusing to start: {reasons} {FIX_HINT} "
            "(VIPCN_DATABASE_ROLE_CHECK=false skips this, for a throwaway test server only.)"
        )
