#!/usr/bin/env bash
# Re-extract every translatable string into locale/{es,en}/LC_MESSAGES/django.po (and
# djangojs.po when JavaScript holds strings), then list what still needs a Spanish translation.
# Run it after merging new pages; translate the listed entries following docs/glossary.md;
# then ./scripts/i18n_check.sh must pass.
source "$(dirname "$0")/_env.sh"

if ! command -v xgettext >/dev/null 2>&1; then
    echo "xgettext not found: install GNU gettext (Debian/Ubuntu: apt-get install -y gettext)" >&2
    exit 2
fi

python - <<'PY'
import os
import subprocess
import sys

sys.path.insert(0, "scripts")
from i18n_check import makemessages_command  # same flags as the CI check

env = {**os.environ, "DEBUG": "true"}
subprocess.run(makemessages_command(sys.executable, "django", ("es", "en")), env=env, check=True)
# JavaScript strings only when some script of ours uses gettext(); no empty djangojs.po.
if subprocess.run(
    ["grep", "-rlE", r"\bn?gettext\(|\binterpolate\(", "--include=*.js", "static"],
    capture_output=True, check=False,
).stdout:
    subprocess.run(makemessages_command(sys.executable, "djangojs", ("es", "en")), env=env, check=True)
PY

# Entries translated ahead of time (locale/es/memory.po) fill the new empty or fuzzy ones.
python scripts/translations.py apply-memory
python scripts/translations.py compile
echo
echo "==> entries that still need a Spanish translation (empty or fuzzy):"
python scripts/translations.py check || true
