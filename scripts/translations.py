"""Compile and check the translation catalogues under locale/ (no gettext tools needed).

usage: python scripts/translations.py compile   # .po -> .mo, run by scripts/_env.sh
       python scripts/translations.py check     # fail on a fuzzy or untranslated entry, or a
                                                # translation whose %(name)s placeholders differ
"""

import re
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def catalogues():
    return sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def compile_all():
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return 0


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def placeholders_match(entry):
    """Every %(name)s of the English is in the translation, and no other (a missing or
    misspelt one is a KeyError or a lost value at run time). Plural forms may drop the count."""
    if "python-format" not in entry.flags and not PLACEHOLDER.search(entry.msgid):
        return True
    if entry.msgid_plural:
        allowed = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        return all(set(PLACEHOLDER.findall(t)) <= allowed for t in entry.msgstr_plural.values())
    return sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(entry.msgstr))


def check_all():
    problems = []
    for po_path in catalogues():
        if po_path.parts[-3] == "en":
            continue  # English is the source language; its catalogue may stay empty.
        po = polib.pofile(str(po_path))
        rel = po_path.relative_to(LOCALE.parent)
        problems += [f"{rel}: fuzzy: {e.msgid[:70]!r}" for e in po.fuzzy_entries()]
        problems += [
            f"{rel}: untranslated: {e.msgid[:70]!r}"
            for e in po.untranslated_entries()
            if not e.obsolete
        ]
        problems += [
            f"{rel}: placeholders differ: {e.msgid[:70]!r}"
            for e in po.translated_entries()
            if not placeholders_match(e)
        ]
    for line in problems:
        print(line)
    print(f"{len(problems)} translation problem(s) in {len(catalogues())} catalogue(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    sys.exit({"compile": compile_all, "check": check_all}[command]())
