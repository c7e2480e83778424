"""Compile and check the translation catalogues under locale/ (no gettext tools needed).

usage: python scripts/translations.py compile       # .po -> .mo, run by scripts/_env.sh
       python scripts/translations.py check         # fail on a fuzzy or untranslated entry, or
                                                    # a translation whose placeholders differ
       python scripts/translations.py apply-memory  # fill empty/fuzzy entries from
                                                    # locale/<lang>/memory.po (exact msgid)

locale/<lang>/memory.po is a translation memory: translations made ahead of time for strings
that are not (yet) in the source, e.g. another branch's pages before the merge. It lies
outside LC_MESSAGES, so Django never loads it; scripts/i18n_extract.sh applies it after each
extraction, so a merged page arrives translated.
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


def _key(entry):
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def apply_memory():
    applied = 0
    for memory_path in sorted(LOCALE.glob("*/memory.po")):
        memory = {
            _key(e): e
            for e in polib.pofile(str(memory_path))
            if e.translated() and "fuzzy" not in e.flags
        }
        for po_path in sorted(memory_path.parent.glob("LC_MESSAGES/*.po")):
            po = polib.pofile(str(po_path))
            changed = 0
            for entry in po:
                if entry.obsolete or (entry.translated() and "fuzzy" not in entry.flags):
                    continue
                known = memory.get(_key(entry))
                if known is None:
                    continue
                entry.msgstr = known.msgstr
                entry.msgstr_plural = dict(known.msgstr_plural)
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
                changed += 1
            if changed:
                po.save()
                applied += changed
                print(f"{po_path.relative_to(LOCALE.parent)}: {changed} entries from memory")
    print(f"{applied} translation(s) taken from the translation memory")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    commands = {"compile": compile_all, "check": check_all, "apply-memory": apply_memory}
    sys.exit(commands[command]())
