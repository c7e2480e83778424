"""Backup and restore: a dump restored into a fresh database has every row (row counts per
table, taken in the dump's own snapshot)."""

import json
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import CandidateFactory
from vipcn.security import audit

pytestmark = [
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="PostgreSQL client tools"),
    # pg_dump sees only committed rows. The flush afterwards re-runs post_migrate, which
    # recreates the role groups (vipcn.roles.sync_role_permissions) for the tests after this.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def postgres(settings):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("backups are for PostgreSQL")


def test_a_backup_restores_with_every_row(postgres, tmp_path):
    CandidateFactory.create_batch(3)
    audit.record("login", username="backup-check")
    dump = tmp_path / "vipcn.dump"
    call_command("backup_database", output=str(dump), stdout=open("/dev/null", "w"))
    counts = json.loads((tmp_path / "vipcn.dump.counts.json").read_text())["rows"]
    assert counts["candidates_candidate"] == 3
    assert counts["vipcn_accesslogentry"] >= 1
    call_command("verify_backup", str(dump), stdout=open("/dev/null", "w"))


def test_a_restore_that_lost_rows_fails_the_check(postgres, tmp_path):
    CandidateFactory()
    dump = tmp_path / "vipcn.dump"
    call_command("backup_database", output=str(dump), stdout=open("/dev/null", "w"))
    manifest = tmp_path / "vipcn.dump.counts.json"
    data = json.loads(manifest.read_text())
    data["rows"]["candidates_candidate"] += 1  # as if a row had gone missing on restore
    manifest.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="candidates_candidate"):
        call_command("verify_backup", str(dump), stdout=open("/dev/null", "w"))


def test_the_role_groups_survive_the_flush_after_these_tests(postgres):
    from django.contrib.auth.models import Group

    from vipcn import roles

    assert set(roles.ALL_ROLES) <= set(Group.objects.values_list("name", flat=True))
