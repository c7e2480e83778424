"""Fail when the source holds a translatable string the Spanish catalogue does not have.

usage: python scripts/i18n_check.py       # exit 1 if a msgid is missing from locale/es

Extracts the messages again, exactly as scripts/i18n_extract.sh does, but into a temporary
copy of the repository, so the working tree is never touched; then compares the msgids
(with context and plural) against locale/es/LC_MESSAGES/*.po. Needs GNU gettext (xgettext),
like Django's makemessages. Fuzzy and empty translations are checked by
``scripts/translations.py check``; scripts/i18n_check.sh runs both and the lint.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "es"
# Same flags as scripts/i18n_extract.sh (the command the README gives).
IGNORES = (".venv", "venv", "staticfiles", "node_modules", "media", "tests", "test-artifacts")
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "staticfiles",
    "media",
    "__pycache__",
    "*.pyc",
    "*.mo",
    "*.po",
    ".pytest_cache",
    ".ruff_cache",
    "test-artifacts",
    "db.sqlite3",
)


def entry_key(entry):
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def makemessages_command(python, domain, languages=(LANGUAGE,), no_obsolete=True):
    command = [python, "manage.py", "makemessages", "-d", domain]
    for language in languages:
        command += ["-l", language]
    command += [f"--ignore={pattern}" for pattern in IGNORES]
    if no_obsolete:
        command.append("--no-obsolete")
    return command


def extract_fresh(python=sys.executable):
    """{domain: set of entry keys} extracted from the current source, in a throwaway copy."""
    if shutil.which("xgettext") is None:
        raise SystemExit(
            "xgettext not found: install GNU gettext (Debian/Ubuntu: apt-get install -y gettext)"
        )
    found = {}
    with tempfile.TemporaryDirectory(prefix="vipcn-i18n-") as tmp:
        copy = Path(tmp) / "src"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
        (copy / "locale").mkdir(exist_ok=True)
        env = {**os.environ, "DEBUG": "true"}
        for domain in ("django", "djangojs"):
            result = subprocess.run(  # noqa: S603 - fixed command, our own manage.py
                makemessages_command(python, domain),
                cwd=copy,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                raise SystemExit(f"makemessages failed:\n{result.stdout}\n{result.stderr}")
            po_path = copy / "locale" / LANGUAGE / "LC_MESSAGES" / f"{domain}.po"
            found[domain] = (
                {entry_key(e) for e in polib.pofile(str(po_path))} if po_path.exists() else set()
            )
    return found


def catalogue_keys(domain, root=ROOT):
    po_path = root / "locale" / LANGUAGE / "LC_MESSAGES" / f"{domain}.po"
    if not po_path.exists():
        return set()
    return {entry_key(e) for e in polib.pofile(str(po_path)) if not e.obsolete}


def compare(fresh, root=ROOT):
    """(missing, stale): entries in the source absent from the catalogue, and the reverse."""
    missing, stale = [], []
    for domain, keys in sorted(fresh.items()):
        have = catalogue_keys(domain, root)
        missing += [(domain, key) for key in sorted(keys - have)]
        stale += [(domain, key) for key in sorted(have - keys)]
    return missing, stale


def describe(domain, key):
    context, msgid, plural = key
    text = msgid if not plural else f"{msgid} / {plural}"
    return f"{domain}.po: {'[' + context + '] ' if context else ''}{text[:90]!r}"


def main():
    missing, stale = compare(extract_fresh())
    for domain, key in stale:
        print("note: no longer in the source (run scripts/i18n_extract.sh):", describe(domain, key))
    for domain, key in missing:
        print("missing from the Spanish catalogue:", describe(domain, key))
    if missing:
        print(
            f"{len(missing)} msgid(s) missing from locale/{LANGUAGE}: run "
            "./scripts/i18n_extract.sh, translate the new entries (docs/glossary.md), "
            "then run this again."
        )
        return 1
    print(f"the Spanish catalogue holds every msgid of the source ({len(stale)} stale)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
