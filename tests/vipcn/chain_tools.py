"""Helpers for the access-log integrity tests: acting as a database role, lifting the log's
triggers as its owner could (always inside the test's transaction, so undone with it)."""

from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from vipcn.dbroles import ACCESS_LOG_TABLE, ACCESS_LOG_TRIGGERS

LOG_TRIGGERS = {ACCESS_LOG_TABLE: ACCESS_LOG_TRIGGERS}


def execute(statement, params=None):
    with connection.cursor() as cursor:
        if isinstance(statement, sql.Composable):
            statement = statement.as_string(cursor.cursor.connection)
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


@contextmanager
def triggers_lifted():
    """The log's triggers disabled for the block (what its owner may do), then restored."""
    for table, triggers in LOG_TRIGGERS.items():
        for trigger in triggers:
            execute(
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                    sql.Identifier(table), sql.Identifier(trigger)
                )
            )
    try:
        yield
    finally:
        for table, triggers in LOG_TRIGGERS.items():
            for trigger in triggers:
                execute(
                    sql.SQL("ALTER TABLE {} ENABLE ALWAYS TRIGGER {}").format(
                        sql.Identifier(table), sql.Identifier(trigger)
                    )
                )


@contextmanager
def acting_as(role):
    """Run the block as ``role`` (SET ROLE: privileges are checked as that role's)."""
    execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    try:
        yield
    finally:
        execute("RESET ROLE")


def refused(role, statement, params=None):
    """Run ``statement`` as ``role`` in a savepoint; assert the database refuses it; the
    error's text. The savepoint's rollback also undoes the SET ROLE."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        if role:
            execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        execute(statement, params)
    return str(caught.value)
