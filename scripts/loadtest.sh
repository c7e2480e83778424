#!/usr/bin/env bash
# Load test (README, "Load test"): gunicorn with production settings on 127.0.0.1, a
# PostgreSQL database of generated data, wrk signed in as a staff user (password + TOTP)
# mixing page reads and delivery-attempt writes; then every write is checked in the database
# and the results go to docs/loadtest.md. Loopback only; never point it at a live system.
#
#   scripts/loadtest.sh [--candidates 10000] [--duration 60] [--workers 2*cores+1]
#                       [--connections 16] [--threads 2] [--write-every 10] [--port 8090]
#                       [--database vipcn_load] [--output docs/loadtest.md]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

CANDIDATES=10000
DURATION=60
WORKERS=$(( 2 * $(nproc) + 1 ))
CONNECTIONS=16
THREADS=2
WRITE_EVERY=10
PORT=8090
DATABASE=vipcn_load
OUTPUT=docs/loadtest.md
PGURL="${LOADTEST_PG:-postgres://postgres@127.0.0.1:5432}"
while [ $# -gt 0 ]; do
    case "$1" in
        --candidates) CANDIDATES=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --workers) WORKERS=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --write-every) WRITE_EVERY=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --database) DATABASE=$2; shift 2 ;;
        --output) OUTPUT=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
case "$DATABASE" in *_load) ;; *) echo "--database must end in _load (it gets a test account)" >&2; exit 2 ;; esac
[ "$DURATION" -ge 10 ] && [ "$DURATION" -le 600 ] || { echo "--duration: 10..600 s" >&2; exit 2; }

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> Installing Debian's wrk"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    else
        echo "wrk is missing: sudo apt-get install -y wrk" >&2; exit 1
    fi
fi
[ -x .venv/bin/python ] || { echo "No .venv: run ./scripts/test or ./scripts/run once first." >&2; exit 1; }

WORK="$(mktemp -d /tmp/vipcn-loadtest.XXXXXX)"
GUNICORN_PID=""
cleanup() {
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill "$GUNICORN_PID"; wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL="$PGURL/$DATABASE"
if ! .venv/bin/python - <<PY
import psycopg, sys
with psycopg.connect("$PGURL/postgres", autocommit=True, connect_timeout=5) as c:
    if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", ["$DATABASE"]).fetchone():
        c.execute('CREATE DATABASE "$DATABASE"')
        print("==> Created database $DATABASE")
PY
then echo "PostgreSQL is not reachable at $PGURL" >&2; exit 1; fi

echo "==> Migrating $DATABASE and generating data (up to $CANDIDATES candidates)"
DEBUG=true .venv/bin/python manage.py migrate -v0
have=$(DEBUG=true .venv/bin/python manage.py shell --no-imports -c "from candidates.models import Candidate; print(Candidate.objects.count())")
if [ "$have" -lt "$CANDIDATES" ]; then
    DEBUG=true .venv/bin/python manage.py generate_data --candidates $(( CANDIDATES - have ))
fi

# Production-like settings; plain http on loopback, so the cookies may not be Secure.
export DEBUG=false
SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export SECRET_KEY ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false SECURE_HSTS_SECONDS=0
export SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false STATIC_ROOT="$WORK/static"
export LOG_LEVEL=WARNING
# A throwaway loopback database reached as the postgres superuser: production would refuse to
# start that way (README, "Security", database roles), this measurement may.
export VIPCN_DATABASE_ROLE_CHECK=false

echo "==> collectstatic into $STATIC_ROOT"
.venv/bin/python manage.py collectstatic --no-input -v0
.venv/bin/python scripts/loadtest_helper.py prepare "$WORK" --i-know-this-is-a-load-test-database

echo "==> gunicorn: $WORKERS workers on 127.0.0.1:$PORT"
.venv/bin/gunicorn -c gunicorn.conf.py vipcn.wsgi --workers "$WORKERS" --bind "127.0.0.1:$PORT" \
    --no-control-socket --access-logfile /dev/null --error-logfile "$WORK/gunicorn.log" &
GUNICORN_PID=$!
for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
    sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" || { cat "$WORK/gunicorn.log"; exit 1; }

.venv/bin/python scripts/loadtest_helper.py login "$WORK" --base "http://127.0.0.1:$PORT"
# shellcheck disable=SC1091
source "$WORK/session.env"
export LOADTEST_COOKIE LOADTEST_CSRF LOADTEST_DATA="$WORK/data.lua" \
       LOADTEST_RESULT="$WORK/wrk_result.txt" LOADTEST_THREADS="$THREADS" \
       LOADTEST_DURATION="$DURATION" LOADTEST_WRITE_EVERY="$WRITE_EVERY"

cut -d" " -f1-3 /proc/loadavg >"$WORK/loadavg_before"
echo "==> wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s"
wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "${DURATION}s" \
    --timeout 10s --latency --script scripts/loadtest.lua "http://127.0.0.1:$PORT" | tee "$WORK/wrk.txt"

.venv/bin/python scripts/loadtest_helper.py rss "$WORK" --pid "$GUNICORN_PID"
status=0
.venv/bin/python scripts/loadtest_helper.py verify "$WORK" || status=1
.venv/bin/python scripts/loadtest_helper.py report "$WORK" --output "$OUTPUT" \
    --workers "$WORKERS" --threads "$THREADS" --connections "$CONNECTIONS" \
    --duration "$DURATION" --write-every "$WRITE_EVERY"
if grep -q "^| errors .* | 0 |$" "$OUTPUT" && [ $status -eq 0 ]; then
    echo "LOAD TEST: PASS (no errors, every write present); results in $OUTPUT"
else
    echo "LOAD TEST: FAIL; see $OUTPUT and $WORK/gunicorn.log"
    cp "$WORK/gunicorn.log" /tmp/vipcn-loadtest-gunicorn.log 2>/dev/null || true
    exit 1
fi
