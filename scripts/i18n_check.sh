#!/usr/bin/env bash
# Every i18n check CI runs, runnable locally:
#   1. no user-facing string in templates or Python is left unmarked (scripts/i18n_lint.py);
#   2. no Spanish entry is empty or fuzzy (scripts/translations.py check);
#   3. every msgid in the source is in the Spanish catalogue (scripts/i18n_check.py, which
#      re-extracts into a temporary copy; needs GNU gettext).
source "$(dirname "$0")/_env.sh"

status=0
echo "==> i18n: strings marked for translation"
python scripts/i18n_lint.py || status=1
echo "==> i18n: Spanish catalogue complete (no empty or fuzzy entry)"
python scripts/translations.py check || status=1
echo "==> i18n: every msgid of the source is in the Spanish catalogue"
python scripts/i18n_check.py || status=1
exit "$status"
