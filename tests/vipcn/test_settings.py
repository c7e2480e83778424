"""Settings refuse bad configuration loudly (ImproperlyConfigured) instead of half-starting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "vipcn.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_with_debug_off_refuses_to_start():
    result = run_check(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_key_is_refused_with_debug_off():
    result = run_check(
        DEBUG="false",
        SECRET_KEY="django-insecure-development-only-key-never-used-when-debug-is-off",
    )
    assert result.returncode != 0
    assert "development key" in result.stderr


def test_debug_on_supplies_a_development_key():
    assert run_check(DEBUG="true").returncode == 0


@pytest.mark.parametrize("url", ["mysql://x@localhost/db", "not a url at all", "oracle://u:p@h/db"])
def test_bad_database_url_is_refused(url):
    result = run_check(DEBUG="true", DATABASE_URL=url)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_unknown_cache_url_is_refused():
    result = run_check(DEBUG="true", CACHE_URL="bogus://cache")
    assert result.returncode != 0
    assert "CACHE_URL is not a cache URL" in result.stderr
    assert run_check(DEBUG="true", CACHE_URL="dbcache://vipcn_cache").returncode == 0


def test_unknown_time_zone_is_refused():
    result = run_check(DEBUG="true", TIME_ZONE="Mars/Olympus_Mons")
    assert result.returncode != 0
    assert "TIME_ZONE" in result.stderr


def test_time_zone_defaults_to_albuquerque(settings):
    assert settings.TIME_ZONE == os.environ.get("TIME_ZONE", "America/Denver")


def test_mfa_cannot_be_turned_off_outside_demo_mode():
    result = run_check(DEBUG="true", VIPCN_MFA_REQUIRED="false", VIPCN_DEMO_MODE="false")
    assert result.returncode != 0
    assert "VIPCN_MFA_REQUIRED" in result.stderr
    assert (
        run_check(DEBUG="true", VIPCN_MFA_REQUIRED="false", VIPCN_DEMO_MODE="true").returncode == 0
    )


@pytest.mark.parametrize(
    "url", ["vipcn.example.org", "ftp://vipcn.example.org", "https://", "https://x.org/?a=1"]
)
def test_a_malformed_site_url_is_refused(url):
    result = run_check(DEBUG="true", VIPCN_SITE_URL=url)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "VIPCN_SITE_URL" in result.stderr


def test_a_site_url_is_accepted_without_its_trailing_slash():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.VIPCN['SITE_URL'])",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}},
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "vipcn.settings",
            "VIPCN_SITE_URL": "https://vipcn.example.org:8443/cn/",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://vipcn.example.org:8443/cn"
