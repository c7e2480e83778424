#!/usr/bin/env bash
# Scale-out demo (README, "Scale-out"): two gunicorn instances (127.0.0.1:8101 and :8102)
# sharing one PostgreSQL database, Debian's nginx on 127.0.0.1:8100 round-robin in front, and
# scripts/scaleout_check.py showing that login, lockout, session lock, approval lock,
# optimistic concurrency and cached dashboard figures hold across both. Loopback only; uses
# the load-test database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DATABASE="${1:-vipcn_load}"
case "$DATABASE" in *_load) ;; *) echo "database must end in _load" >&2; exit 2 ;; esac
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> Installing Debian's nginx"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
    else
        echo "nginx is missing: sudo apt-get install -y nginx" >&2; exit 1
    fi
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x .venv/bin/python ] || { echo "No .venv: run ./scripts/test once first." >&2; exit 1; }

WORK="$(mktemp -d /tmp/vipcn-scaleout.XXXXXX)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DATABASE"
DEBUG=true .venv/bin/python manage.py migrate -v0
have=$(DEBUG=true .venv/bin/python manage.py shell --no-imports -c "from candidates.models import Candidate; print(Candidate.objects.count())")
[ "$have" -ge 1000 ] || DEBUG=true .venv/bin/python manage.py generate_data --candidates 2000

# One configuration for both instances (the same SECRET_KEY signs both instances' cookies).
export DEBUG=false ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false SECURE_HSTS_SECONDS=0
export SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false STATIC_ROOT="$WORK/static"
SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export SECRET_KEY VIPCN_SESSION_IDLE_SECONDS=20 LOG_LEVEL=WARNING
# A throwaway loopback database reached as the postgres superuser: production would refuse to
# start that way (README, "Security", database roles), this measurement may.
export VIPCN_DATABASE_ROLE_CHECK=false
.venv/bin/python manage.py collectstatic --no-input -v0

for port in 8101 8102; do
    .venv/bin/gunicorn -c gunicorn.conf.py vipcn.wsgi --workers 2 --bind "127.0.0.1:$port" --no-control-socket \
        --error-logfile "$WORK/gunicorn-$port.log" &
    PIDS+=($!)
done
cat >"$WORK/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 64; }
http {
    access_log off;
    server_tokens off;  # "Server: nginx" without its version
    client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
    upstream vipcn { server 127.0.0.1:8101; server 127.0.0.1:8102; }
    server {
        listen 127.0.0.1:8100;
        location / {
            proxy_pass http://vipcn;
            proxy_set_header Host \$host:\$server_port;
            add_header X-Upstream \$upstream_addr always;
        }
    }
}
EOF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" &
PIDS+=($!)
for port in 8101 8102 8100; do
    for _ in $(seq 1 60); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
        sleep 0.5
    done
done
echo "==> A=127.0.0.1:8101 B=127.0.0.1:8102 nginx=127.0.0.1:8100 (session idle lock 20 s)"
.venv/bin/python scripts/scaleout_check.py http://127.0.0.1:8101 http://127.0.0.1:8102 \
    http://127.0.0.1:8100
