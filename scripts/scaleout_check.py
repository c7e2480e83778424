"""Check of scripts/scaleout_demo.sh: two app instances (A, B) behind nginx share every piece of
state through PostgreSQL. Prints PASS/FAIL per property; exit status 1 on any FAIL.

Usage (from the demo script): scaleout_check.py A_URL B_URL LB_URL. Database must end in _load.
"""

import html.parser
import http.cookiejar
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vipcn.settings")
import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from candidates.juvenile import is_juvenile_on  # noqa: E402
from candidates.models import Candidate  # noqa: E402
from candidates.visibility import candidates_visible_to  # noqa: E402
from deliveries.models import (  # noqa: E402
    CaseTransition,
    CNCase,
    LetterTemplate,
    Penalty,
    Personnel,
    TeamAssignment,
)
from deliveries.policy.personnel import annotate_deliverer_states  # noqa: E402
from deliveries.policy.preparation import check_approval  # noqa: E402
from deliveries.services import preparation as prep  # noqa: E402

A, B, LB = sys.argv[1:4]
for url in (A, B, LB):
    if not url.startswith("http://127.0.0.1:"):
        sys.exit("loopback only")
if not str(settings.DATABASES["default"]["NAME"]).endswith("_load"):
    sys.exit("The scale-out check changes accounts: run it on a *_load database only.")
PASSWORD = "scale-out-demo-" + os.urandom(8).hex()
results = []


def report(name, ok, detail):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar),
            NoRedirect,
            urllib.request.ProxyHandler({}),
        )

    def open(self, url, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)  # noqa: S310 (loopback only)
        try:
            with self.opener.open(request, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read().decode(errors="replace")

    def cookies(self):
        return {c.name: c.value for c in self.jar}


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf(body):
    return CSRF.search(body).group(1)


def account(username, *, totp_device=True):
    user = get_user_model().objects.get(username=username)
    user.set_password(PASSWORD)
    user.is_active = True
    user.save()
    TOTPDevice.objects.filter(user=user).delete()
    from axes.utils import reset

    reset(username=username)
    if totp_device:
        TOTPDevice.objects.create(user=user, name="scale-out demo", confirmed=True)
    return user


def code(user):
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def password_step(browser, base, username, password=PASSWORD):
    _, _, body = browser.open(f"{base}/accounts/login/")
    return browser.open(
        f"{base}/accounts/login/",
        {
            "csrfmiddlewaretoken": csrf(body),
            "username": username,
            "password": password,
            "acknowledge": "on",
        },
    )


def code_step(browser, base, user):
    _, _, body = browser.open(f"{base}/accounts/mfa/")
    return browser.open(
        f"{base}/accounts/mfa/", {"csrfmiddlewaretoken": csrf(body), "token": code(user)}
    )


def full_login(browser, base, user):
    assert password_step(browser, base, user.username)[0] == 302
    assert code_step(browser, base, user)[0] == 302


# 1. A login begun on one instance finishes on the other; nginx spreads requests over both.
user = account("scale-staff-02")
browser = Browser()
status1, _, _ = password_step(browser, A, user.username)
status2, headers, _ = code_step(browser, B, user)
status3, _, _ = browser.open(f"{A}/candidates/")
upstreams = set()
for _ in range(4):
    s, h, _ = browser.open(f"{LB}/candidates/")
    upstreams.add((s, h.get("X-Upstream")))
report(
    "login across instances",
    (status1, status2, status3) == (302, 302, 200)
    and {s for s, _ in upstreams} == {200}
    and len({u for _, u in upstreams}) == 2,
    f"password on A {status1}, code on B {status2}, page on A {status3}; through nginx "
    f"{sorted(upstreams)}",
)

# 2. Lockout (django-axes, database handler): 5 failures spread over A and B lock the name.
user = account("scale-staff-03", totp_device=False)
statuses = []
for i in range(5):
    s, _, _ = password_step(Browser(), (A, B)[i % 2], user.username, password="wrong-password-x")  # noqa: S106
    statuses.append(s)
s_a, _, _ = password_step(Browser(), A, user.username)
s_b, _, _ = password_step(Browser(), B, user.username)
report(
    "lockout across instances",
    s_a == 403 and s_b == 403,
    f"wrong passwords alternately on A and B answered {statuses}; the right password then "
    f"answers {s_a} on A and {s_b} on B (locked)",
)

# 3. Session lock: idle timeout (VIPCN_SESSION_IDLE_SECONDS, set short by the demo) holds on both.
idle = settings.SESSION_IDLE_SECONDS
user = account("scale-staff-04")
browser = Browser()
full_login(browser, A, user)
before, _, _ = browser.open(f"{B}/candidates/")
time.sleep(idle + 2)
after_b, h_b, _ = browser.open(f"{B}/candidates/")
after_a, h_a, _ = browser.open(f"{A}/candidates/")
report(
    "session lock across instances",
    before == 200
    and after_b == 302
    and "/accounts/login/" in (h_b.get("Location") or "")
    and after_a == 302,
    f"signed in on A; B answers {before}; after {idle + 2} s idle B answers {after_b} -> "
    f"{h_b.get('Location')}, and A {after_a} -> {h_a.get('Location')}",
)


# 4. Approval lock: two approvals of one case at once, through A and through B: one wins. The
#    check prepares a case of its own through the preparation services (the steps the case page
#    takes), so every approval rule holds and only the row lock in case_approve decides.
def approvable_case(lead):
    """A new case for an adult eligible candidate, prepared until only the approval is missing:
    threat assessment, background check, accepted letter, an eligible deliverer (DLV-* met,
    from the roster's own query) and the social services plan. Raises ValidationError with
    every unmet rule (check_approval) if the data does not allow it."""
    today = timezone.localdate()
    free = (
        Candidate.objects.filter(
            status=Candidate.Status.ELIGIBLE, sealed=False, merged_into__isnull=True
        )
        .exclude(cases__state__in=CNCase.OPEN_STATES)
        .order_by("-pk")
    )
    candidate = next((c for c in free[:50] if not is_juvenile_on(c.date_of_birth, today)), None)
    officer = (
        annotate_deliverer_states(Personnel.objects.filter(is_active=True), timezone.now())
        .filter(dlv_eligible=True)
        .order_by("pk")
        .first()
    )
    template = LetterTemplate.objects.filter(is_active=True, language="en").first()
    if candidate is None or officer is None or template is None:
        raise ValidationError(
            "the data has no adult eligible candidate without an open case, no eligible "
            "deliverer or no English letter template"
        )
    case = prep.case_open(candidate=candidate, actor=lead)
    for record in (prep.threat_assessment_record, prep.background_check_record):
        record(
            case=case,
            version=case.version,
            completed_by="Det. Analyst (scale-out demo)",
            completed_on=today,
            summary="Synthetic: no specific threat identified.",
            actor=lead,
        )
    letter = prep.letter_draft(
        case=case,
        version=case.version,
        template=template,
        penalties=Penalty.objects.filter(is_active=True)[:2],
        actor=lead,
    )
    prep.letter_accept(case=case, version=case.version, letter=letter, actor=lead)
    prep.team_member_add(
        case=case,
        version=case.version,
        personnel=officer,
        role=TeamAssignment.Role.DELIVERER,
        actor=lead,
    )
    prep.social_services_record(
        case=case,
        version=case.version,
        organization="Community Outreach Partners (scale-out demo)",
        contact_person="Case Coordinator (scale-out demo)",
        actor=lead,
    )
    case = CNCase.objects.select_related("candidate").get(pk=case.pk)
    check_approval(
        case, lead, timezone.now()
    )  # what case_approve runs: nothing but the race may refuse it
    return case


lead = account("scale-lead")
try:
    case = approvable_case(lead)
except ValidationError as exc:
    case = None
    report("approval lock across instances", False, f"no approvable case: {exc.messages}")
if case is not None:
    browser = Browser()
    full_login(browser, A, lead)
    _, _, body = browser.open(f"{A}/cases/{case.pk}/")
    token = csrf(body)
    answers = {}

    def approve(base):
        answers[base] = browser.open(
            f"{base}/cases/{case.pk}/approve/",
            {"csrfmiddlewaretoken": token, "version": case.version},
        )[0]

    before = CaseTransition.objects.filter(case=case, to_state=CNCase.State.READY).count()
    threads = [threading.Thread(target=approve, args=(base,)) for base in (A, B)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    case.refresh_from_db()
    approvals = (
        CaseTransition.objects.filter(case=case, to_state=CNCase.State.READY).count() - before
    )
    report(
        "approval lock across instances",
        approvals == 1
        and case.state == CNCase.State.READY
        and list(answers.values()) == [302, 302],
        f"{case.number} (prepared by the check, every approval rule met): approvals sent at once "
        f"via A and B answered {dict(sorted(answers.items()))}; approvals recorded: {approvals}, "
        f"state {case.state}",
    )


# 5. Optimistic concurrency: two editors load the same candidate on A and on B; the second save
#    carries a stale version and is refused, nothing overwritten.
class FormFields(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.setdefault(name, []).append(a.get("value", "on"))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.setdefault(self._select, []).append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][0] += data


def edit_form(browser, base, pk):
    _, _, body = browser.open(f"{base}/candidates/{pk}/edit/")
    main = body[body.index("<main") :] if "<main" in body else body
    parser = FormFields()
    parser.feed(main[main.index('method="post"') - 200 :])
    return parser.fields


editor = account("scale-staff-05")
browser = Browser()
full_login(browser, A, editor)
candidate = Candidate.objects.filter(sealed=False, merged_into__isnull=True).order_by("-pk")[5]
form_a = edit_form(browser, A, candidate.pk)
form_b = edit_form(browser, B, candidate.pk)
form_a["first_name"] = ["Alpha"]
form_b["first_name"] = ["Bravo"]
save_a, _, _ = browser.open(f"{A}/candidates/{candidate.pk}/edit/", form_a)
save_b, _, body_b = browser.open(f"{B}/candidates/{candidate.pk}/edit/", form_b)
candidate.refresh_from_db()
report(
    "optimistic concurrency across instances",
    save_a == 302 and save_b == 200 and candidate.first_name == "Alpha",
    f"edit saved on A answered {save_a}; the stale edit on B answered {save_b} (refused, form "
    f"shown again); the record keeps {candidate.first_name!r}",
)


# 6. Cached figures: the dashboard is cached per process (LocMem by default; each instance runs
#    two workers, so four caches), keyed on a data version read from the shared database on
#    every request. The Lead views it on A until A answers from a cache; a staff member opens a
#    case through B's form; every later view on A must count it (the first one recomputed:
#    B's write changed the version A reads), and B must show the same. Several views on A
#    after the write, so that one lands on the worker holding the cached figures.
FIGURE = re.compile(r'data-figure="state-preparing"[^>]*>\s*<a [^>]*>([^<]+)</a>')
AS_OF = re.compile(r'id="figures-as-of" data-cached="(yes|no)">([^<]*)</p>')


def dashboard(browser, base):
    """(count of open cases preparing, served from a cache?, "Figures as of" time)."""
    status, _, body = browser.open(f"{base}/reports/")
    figure, as_of = FIGURE.search(body), AS_OF.search(body)
    if status != 200 or figure is None or as_of is None:
        return None, None, f"answered {status}, figure not found"
    as_of_time = re.search(r"\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?", as_of.group(2), re.I)
    return (
        int(re.sub(r"\D", "", figure.group(1))),
        as_of.group(1) == "yes",
        as_of_time.group(0) if as_of_time else as_of.group(2).strip(),
    )


lead = account("scale-lead")  # a new TOTP device: check 4's code may still be the current one
writer = account("scale-staff-06")
lead_browser, writer_browser = Browser(), Browser()
full_login(lead_browser, A, lead)
full_login(writer_browser, B, writer)
free = (
    candidates_visible_to(
        lead,
        candidates_visible_to(
            writer,
            Candidate.objects.filter(status=Candidate.Status.ELIGIBLE, merged_into__isnull=True),
        ),
    )
    .exclude(cases__state__in=CNCase.OPEN_STATES)
    .order_by("-pk")
    .first()
)
views = []
for _ in range(6):
    views.append(dashboard(lead_browser, A))
    if views[-1][1]:
        break
before, was_cached, before_as_of = views[-1]
if free is None or not was_cached or {v[0] for v in views} != {before}:
    report(
        "cached figures across instances",
        False,
        "no eligible candidate without an open case"
        if free is None
        else f"A did not answer from a cache with steady figures: {views}",
    )
else:
    _, _, body = writer_browser.open(f"{B}/cases/open/{free.pk}/")
    opened, _, _ = writer_browser.open(
        f"{B}/cases/open/{free.pk}/", {"csrfmiddlewaretoken": csrf(body), "assigned_to": ""}
    )
    new_case = CNCase.objects.filter(candidate=free, state=CNCase.State.PREPARING).first()
    after = [dashboard(lead_browser, A) for _ in range(4)]
    on_b, _, as_of_b = dashboard(lead_browser, B)
    report(
        "cached figures across instances",
        opened == 302
        and new_case is not None
        and [v[0] for v in after] == [before + 1] * len(after)
        and after[0][1] is False
        and on_b == before + 1,
        f"Lead's dashboard on A: {before} cases preparing (view {len(views)} of "
        f"{[v[0] for v in views]} from A's cache, figures as of {before_as_of}); case opened "
        f"through B's form answered {opened} ({new_case.number if new_case else 'no case'}); "
        f"{len(after)} views on A then: {[v[0] for v in after]} (first recomputed: "
        f"{after[0][1] is False}, from a cache: {[v[1] for v in after]}, as of {after[0][2]}); "
        f"on B: {on_b} (as of {as_of_b})",
    )

print("SCALE-OUT CHECK:", "PASS" if all(results) else "FAIL")
sys.exit(0 if all(results) else 1)
