# Shared by scripts/run and scripts/test: one place that builds the environment from the
# repo's own files (requirements.lock), so a fresh clone needs nothing installed by hand.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VIPCN_VENV:-$ROOT/.venv}"

pick_python() {
    # .python-version selects 3.12 under pyenv; elsewhere take the first Python >= 3.12.
    for candidate in python3 python3.13 python3.12; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "VIP CN needs Python 3.12 or newer (see .python-version); none was found." >&2
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> Creating the virtual environment in $VENV"
    "$(pick_python)" -m venv "$VENV"
fi
lock_hash="$(sha256sum requirements.lock | cut -d' ' -f1)"
if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)" != "$lock_hash" ]; then
    echo "==> Installing dependencies from requirements.lock"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -qq --upgrade pip
    "$VENV/bin/python" -m pip install --disable-pip-version-check -qq -r requirements.lock
    echo "$lock_hash" >"$VENV/.requirements.sha256"
fi
export PATH="$VENV/bin:$PATH"
# Translations are compiled from the .po files in the repo on every run (fast, idempotent).
python scripts/translations.py compile
