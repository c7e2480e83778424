"""The CI reader of pip-audit's report fails on a vulnerability and never passes silently."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "dependency_audit.py"


def run(report, **env):
    import os

    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(SCRIPT)],
        input=json.dumps(report),
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=30,
    )


def test_a_vulnerability_fails_ci():
    vuln = {"id": "PYSEC-0000-1", "fix_versions": ["9.9"], "aliases": [], "description": ""}
    result = run({"dependencies": [{"name": "django", "version": "1.0", "vulns": [vuln]}]})
    assert result.returncode == 1
    assert "VULNERABLE django 1.0: PYSEC-0000-1" in result.stdout


def test_a_clean_audit_passes():
    result = run({"dependencies": [{"name": "django", "version": "6.1.3", "vulns": []}]})
    assert result.returncode == 0
    assert "1 of 1 pinned packages audited, 0 vulnerable" in result.stdout


def test_unaudited_packages_are_announced_and_fatal_when_required():
    report = {"dependencies": [{"name": "x", "skip_reason": "Dependency not found on PyPI"}]}
    result = run(report, VIPCN_AUDIT_REQUIRED="false")
    assert result.returncode == 0 and "NOT a dependency audit" in result.stdout
    assert run(report, VIPCN_AUDIT_REQUIRED="true").returncode == 1
