"""Helper of scripts/loadtest.sh (not part of the application; never run it on a live system).

    prepare  DIR --user NAME   give the generated staff user a password and a TOTP device,
                               pick READY adult cases for the writes, write DIR/data.lua
    login    DIR --base URL    log in over HTTP (password, then the TOTP code), write the
                               session and CSRF values to DIR/session.env
    verify   DIR               every acknowledged write is in the database, and nothing else
    report   DIR --output F    write the results (and the machine) to docs/loadtest.md

Runs with the project's settings (DJANGO_SETTINGS_MODULE=vipcn.settings). ``prepare`` refuses
unless the database name ends in ``_load`` and ``--i-know-this-is-a-load-test-database`` is
given: it sets a password and an authenticator on an account.
"""

import argparse
import datetime
import http.cookiejar
import json
import os
import re
import secrets
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vipcn.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from candidates.models import Candidate  # noqa: E402
from candidates.visibility import candidates_visible_to  # noqa: E402
from deliveries.models import CNCase, DeliveryAttempt, Personnel  # noqa: E402
from deliveries.policy.personnel import may_deliver  # noqa: E402

SEARCH_TERMS = 20


def _lua_list(values):
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def _lua_str(value):
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def prepare(args):
    name = settings.DATABASES["default"]["NAME"]
    if not args.i_know_this_is_a_load_test_database or not str(name).endswith("_load"):
        sys.exit(
            "prepare sets a password and an authenticator on an account: it runs only on a "
            "database whose name ends in _load, with --i-know-this-is-a-load-test-database."
        )
    out = Path(args.dir)
    user = get_user_model().objects.get(username=args.user)
    password = secrets.token_urlsafe(24)
    user.set_password(password)
    user.is_active = True
    user.save()
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="load test", confirmed=True)
    from axes.utils import reset

    reset(username=user.username)

    visible = candidates_visible_to(user)
    cutoff = timezone.localdate().replace(year=timezone.localdate().year - 19)
    ready = list(
        CNCase.objects.filter(
            state=CNCase.State.READY,
            candidate__in=visible,
            candidate__date_of_birth__lt=cutoff,
        )
        .exclude(candidate__determinations__juvenile=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[: args.cases]
    )
    readable_cases = list(
        CNCase.objects.filter(candidate__in=visible)
        .order_by("?")
        .values_list("pk", flat=True)[:500]
    )
    candidates = list(visible.order_by("?").values_list("pk", flat=True)[:500])
    terms = [
        last[:-1] + last[-1] * 2  # a misspelling, as the benchmark searches
        for last in Candidate.objects.filter(pk__in=candidates[:SEARCH_TERMS]).values_list(
            "last_name", flat=True
        )
    ]
    now = timezone.localtime()
    contact = now - datetime.timedelta(hours=1)
    ecc = contact - datetime.timedelta(minutes=5)
    deliverer = next(
        p
        for p in Personnel.objects.filter(badge_number__startswith="SC-", is_vip_lead=False)
        .order_by("pk")
        .iterator()
        if may_deliver(p, contact)
    )
    start = DeliveryAttempt.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    (out / "data.lua").write_text(
        "return {\n"
        f"  write_cases = {_lua_list(ready)},\n"
        f"  read_cases = {_lua_list(readable_cases)},\n"
        f"  candidates = {_lua_list(candidates)},\n"
        f"  terms = {{{','.join(_lua_str(urllib.parse.quote_plus(t)) for t in terms)}}},\n"
        f"  deliverer = {deliverer.pk},\n"
        f"  contact_at = {_lua_str(contact.strftime('%Y-%m-%dT%H:%M'))},\n"
        f"  ecc_advised_at = {_lua_str(ecc.strftime('%Y-%m-%dT%H:%M'))},\n"
        "}\n"
    )
    (out / "state.json").write_text(
        json.dumps(
            {
                "user": user.username,
                "user_id": user.pk,
                "password": password,
                "attempt_pk_before": start,
                "write_cases": len(ready),
                "candidates": Candidate.objects.count(),
                "cases": CNCase.objects.count(),
            }
        )
    )
    print(f"prepared: {len(ready)} READY cases for writes, user {user.username}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(jar):
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), _NoRedirect, urllib.request.ProxyHandler({})
    )


def _get(opener, url):
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode(errors="replace")


def _post(opener, url, data):
    body = urllib.parse.urlencode(data, doseq=True).encode()
    try:
        request = urllib.request.Request(url, data=body)  # noqa: S310 (http on loopback only)
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode(errors="replace")


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login_http(base, username, password, user_id):
    """Log in as a browser would: the password, then the current TOTP code. Returns the jar."""
    if not base.startswith(("http://127.0.0.1:", "http://[::1]:")):
        raise SystemExit("The load test talks to a server on the loopback address only.")
    jar = http.cookiejar.CookieJar()
    opener = _opener(jar)
    _, _, body = _get(opener, f"{base}/accounts/login/")
    token = CSRF_RE.search(body).group(1)
    status, headers, _ = _post(
        opener,
        f"{base}/accounts/login/",
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "acknowledge": "on",
        },
    )
    if status != 302:
        raise SystemExit(f"login: the password step answered {status}")
    _, _, body = _get(opener, f"{base}/accounts/mfa/")
    token = CSRF_RE.search(body).group(1)
    device = TOTPDevice.objects.get(user_id=user_id, confirmed=True)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"
    status, headers, body = _post(
        opener, f"{base}/accounts/mfa/", {"csrfmiddlewaretoken": token, "token": code}
    )
    if status != 302:
        raise SystemExit(f"login: the second-factor step answered {status}")
    return jar, opener


def login(args):
    state = json.loads((Path(args.dir) / "state.json").read_text())
    # A TOTP code works once: wait for a fresh time step if one was used just now.
    jar, opener = login_http(args.base, state["user"], state["password"], state["user_id"])
    status, _, body = _get(opener, f"{args.base}/candidates/")
    if status != 200:
        raise SystemExit(f"login: the candidate list answered {status} after login")
    token = CSRF_RE.search(body).group(1)
    cookies = {c.name: c.value for c in jar}
    (Path(args.dir) / "session.env").write_text(
        f"LOADTEST_COOKIE='sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}'\n"
        f"LOADTEST_CSRF='{token}'\n"
    )
    print("logged in with password and TOTP code; session ready")


def _wrk_result(path):
    result = {}
    ids = []
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == "ids":
            ids += [int(i) for i in value.split(",") if i]
        else:
            result[key] = value
    result["ids"] = ids
    return result


def verify(args):
    out = Path(args.dir)
    state = json.loads((out / "state.json").read_text())
    result = _wrk_result(out / "wrk_result.txt")
    created = DeliveryAttempt.objects.filter(pk__gt=state["attempt_pk_before"])
    created_ids = set(created.values_list("pk", flat=True))
    by_user = created.filter(created_by_id=state["user_id"]).count()
    acknowledged = set(result["ids"])
    summary = {
        "posts_sent": int(result["posts_sent"]),
        "posts_acknowledged": len(result["ids"]),
        "attempts_created": len(created_ids),
        "attempts_created_by_load_user": by_user,
        "acknowledged_missing": sorted(acknowledged - created_ids),
        "created_not_acknowledged": sorted(created_ids - acknowledged),
    }
    ok = (
        summary["posts_sent"] == summary["posts_acknowledged"] == summary["attempts_created"]
        and not summary["acknowledged_missing"]
        and not summary["created_not_acknowledged"]
        and by_user == len(created_ids)
    )
    summary["writes_ok"] = ok
    (out / "verify.json").write_text(json.dumps(summary))
    print(
        "writes: {posts_sent} POSTs sent, {posts_acknowledged} acknowledged (302 to the new "
        "attempt), {attempts_created} attempts created in the database".format(**summary)
    )
    print("writes verified: PASS" if ok else f"writes verified: FAIL {summary}")
    return 0 if ok else 1


def _rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_rss(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return _rss_kib(master_pid), [_rss_kib(int(pid)) for pid in children]


def rss(args):
    master, workers = worker_rss(args.pid)
    (Path(args.dir) / "rss.json").write_text(json.dumps({"master": master, "workers": workers}))
    print(
        f"RSS after the run: master {master / 1024:.0f} MiB, workers "
        + ", ".join(f"{w / 1024:.0f}" for w in workers)
        + " MiB"
    )


def _machine():
    from vipcn.management.commands.benchmark import machine

    info = machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def report(args):
    out = Path(args.dir)
    state = json.loads((out / "state.json").read_text())
    result = _wrk_result(out / "wrk_result.txt")
    checked = json.loads((out / "verify.json").read_text())
    memory = json.loads((out / "rss.json").read_text())
    info = _machine()
    load_before = (out / "loadavg_before").read_text().strip()
    seconds = int(result["duration_us"]) / 1e6
    requests = int(result["requests"])
    errors = sum(
        int(result[k]) for k in ("connect", "read", "write", "timeout", "status", "bad_status")
    )
    lat = {p: int(result[f"p{p}"]) / 1000 for p in (50, 75, 90, 99)}
    workers = memory["workers"]
    lines = [
        "# Load test",
        "",
        "Produced by `scripts/loadtest.sh` (README, *Load test*); rerun it to replace this file.",
        "",
        f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM; PostgreSQL "
        f"{info['postgresql']} on the same machine; Python {info['python']}, Django "
        f"{info['django']}; {info['date']}. Load generator (wrk) on the same machine, so it "
        "competes with the server for the CPUs. Load average (1, 5, 15 min) just before the "
        f"run: {load_before} (other work on the machine shares the CPUs and slows every "
        "number below).",
        "",
        f"Data: `generate_data`, {state['candidates']:,} candidates, {state['cases']:,} cases. "
        f"Server: gunicorn, {args.workers} sync workers (2 x cores + 1), production settings "
        "(DEBUG off, second factor required, manifest static files via WhiteNoise), plain "
        "http on 127.0.0.1. Client: wrk, "
        f"{args.threads} threads, {args.connections} connections, {args.duration} s, logged in "
        f"as the generated staff user `{state['user']}` with password and TOTP code.",
        "",
        "Mix (per connection, repeating): candidate list with a misspelled name search, "
        "candidate page, case page; every "
        f"{args.write_every}th request records a delivery attempt (POST of the attempt form "
        "with its CSRF token, outcome *not located*, on a READY case; each case takes one). "
        "Writes stop 5 s before the end so that every write sent is answered.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| requests | {requests:,} in {seconds:.1f} s |",
        f"| throughput | {requests / seconds:.1f} requests/s |",
        f"| latency p50 / p75 / p90 / p99 | {lat[50]:.1f} / {lat[75]:.1f} / {lat[90]:.1f} / "
        f"{lat[99]:.1f} ms |",
        f"| latency max | {int(result['max']) / 1000:.1f} ms |",
        f"| errors (socket, timeout, HTTP status other than 200/302 expected) | {errors} |",
        f"| writes sent / acknowledged / attempts in the database | {checked['posts_sent']} / "
        f"{checked['posts_acknowledged']} / {checked['attempts_created']} |",
        f"| every write present | {'yes' if checked['writes_ok'] else 'NO'} |",
        f"| READY cases available for writes | {state['write_cases']} |",
        f"| gunicorn RSS after the run | master {memory['master'] / 1024:.0f} MiB; workers "
        + ", ".join(f"{w / 1024:.0f}" for w in workers)
        + f" MiB (total {(memory['master'] + sum(workers)) / 1024:.0f} MiB) |",
        "",
        "Latency is over all requests (reads and writes together), as wrk measures it at the "
        "client, including the time a request waits for a free worker.",
        "",
    ]
    Path(args.output).write_text("\n".join(lines))
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("dir")
    p.add_argument("--user", default="scale-staff-01")
    p.add_argument("--cases", type=int, default=5000)
    p.add_argument("--i-know-this-is-a-load-test-database", action="store_true")
    p = sub.add_parser("login")
    p.add_argument("dir")
    p.add_argument("--base", required=True)
    p = sub.add_parser("verify")
    p.add_argument("dir")
    p = sub.add_parser("rss")
    p.add_argument("dir")
    p.add_argument("--pid", type=int, required=True)
    p = sub.add_parser("report")
    p.add_argument("dir")
    p.add_argument("--output", required=True)
    for name in ("workers", "threads", "connections", "duration", "write-every"):
        p.add_argument(f"--{name}", type=int, required=True)
    args = parser.parse_args()
    code = {
        "prepare": prepare,
        "login": login,
        "verify": verify,
        "rss": rss,
        "report": report,
    }[args.command](args)
    connection.close()
    time.sleep(0)
    sys.exit(code or 0)


if __name__ == "__main__":
    main()
