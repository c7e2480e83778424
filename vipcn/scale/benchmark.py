"""Measure the key pages on the current database: server-side time and query count.

Requests go through django.test.Client in-process (the whole middleware stack, templates
included; no network), logged in as the generated Lead with a verified second factor.
"""

import datetime
import statistics
import time

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import path, reverse
from django.utils import timezone

from candidates.models import Candidate
from vipcn.scale.generate import LEAD_USERNAME

# --- reference views, mounted only while the benchmark runs (ROOT_URLCONF override)

# Its URL names fall under "admin:", so the admin's own permission checks apply, as on the
# real admin (the access matrix delegates admin pages to it).
reference_site = admin.AdminSite(name="admin")
reference_site.register(Candidate, admin.ModelAdmin)  # what admin alone gives, full COUNT


def floor_view(request):
    """The floor: the session and user as on every page, one trivial query, no template."""
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok")


floor_view.login_required = False  # the access matrix knows app pages only


class urls:  # noqa: N801 - a urlconf module stand-in
    from vipcn.urls import urlpatterns as _app

    urlpatterns = [
        path("bench/floor/", floor_view, name="bench_floor"),
        path("bench/admin/", reference_site.urls),
        *_app,
    ]


# Pages computed once per state of the data (vipcn/freshness.py) are measured twice: as
# usually served, and as the first view after a change (cache emptied before each request).
COLD = "first view after a change: "


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _client(user):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="benchmark authenticator", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _timed(fn, repeats, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    # The page's own queries: the smaller count of two requests, since the session's
    # last-seen time is written (three queries more) at most every 15 seconds.
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            fn()
        counts.append(len(ctx.captured_queries))
    return times, min(counts)


def run(*, repeats=30, warmup=3):
    """[(name, median ms, p95 ms, queries)] for each page on the current database."""
    User = get_user_model()
    lead = User.objects.get(username=LEAD_USERNAME)
    if not lead.is_staff or not lead.is_superuser:
        # The admin reference needs admin access; the pages see only the Lead's role.
        User.objects.filter(pk=lead.pk).update(is_staff=True)
        lead.refresh_from_db()
    client = _client(lead)
    sample = Candidate.objects.filter(cases__isnull=False, sealed=False).order_by("pk")
    candidate = sample[len(sample) // 2] if sample.count() < 1000 else sample[500]
    case = candidate.cases.order_by("-pk").first()
    month_start = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    month_start = month_start.replace(day=1)
    month_end = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    misspelled = candidate.last_name[:-1] + candidate.last_name[-1] * 2
    pages = [
        ("candidate list, name search", reverse("candidates:list"), {"q": misspelled}),
        (
            "candidate list, filters",
            reverse("candidates:list"),
            {"status": "eligible", "age_group": "adult", "basis": "ID-1"},
        ),
        ("candidate page", reverse("candidates:detail", args=[candidate.pk]), {}),
        ("case page", reverse("cases:detail", args=[case.pk]), {}),
        ("Lead's dashboard", reverse("reports:dashboard"), {}),
        (COLD + "Lead's dashboard", reverse("reports:dashboard"), {}),
        (
            "compliance audit (one month)",
            reverse("reports:compliance"),
            {"start": month_start.isoformat(), "end": month_end.isoformat()},
        ),
        (
            COLD + "compliance audit (one month)",
            reverse("reports:compliance"),
            {"start": month_start.isoformat(), "end": month_end.isoformat()},
        ),
        ("admin changelist (reference)", "/bench/admin/candidates/candidate/", {}),
        ("floor view (reference)", "/bench/floor/", {}),
    ]
    results = []
    with override_settings(ROOT_URLCONF=urls, ALLOWED_HOSTS=["localhost"]):
        for name, url, params in pages:
            cold = name.startswith(COLD)

            def get(url=url, params=params, name=name, cold=cold):
                if cold:
                    cache.clear()  # as after any change: the figures are computed afresh
                response = client.get(url, params, secure=True)
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: {url} answered {response.status_code}")

            # The first view after a change is slow by design at 1M: fewer repeats.
            times, queries = _timed(get, max(5, repeats // 4) if cold else repeats, warmup)
            results.append((name, statistics.median(times), percentile(times, 95), queries))
    results.insert(-2, ("save a delivery attempt", *_attempts(client, repeats, warmup)))
    return results


def _attempts(client, repeats, warmup):
    """POST the attempt form (the whole request: form, rules, service, history, redirect) on
    a fresh READY adult case each time, outcome "candidate not located", by the team the Lead
    approved. The cases are prepared for the run, in time, like the demo's
    (``deliveries.demo_cases``): a generated READY case carries no approval of facts, and
    the attempt gate checks every rule again as of the contact."""
    cases, lead, deliverer = _ready_cases(repeats + warmup + 2)
    now = timezone.localtime()
    it = iter(cases)

    def save():
        case = next(it)
        url = reverse("attempts:record", args=[case.pk])
        response = client.post(
            url,
            {
                "contact_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                "address": "1 Benchmark St",
                "ecc_advised_at": (now - datetime.timedelta(hours=1, minutes=5)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
                "ecc_advised_by": "Ofc. Bench",
                "ecc_told_location": "on",
                "ecc_told_team": "on",
                "ecc_told_identity": "on",
                "lead": lead.pk,
                "deliverers": [deliverer.pk],
                "outcome": "not_located",
                "version": str(case.version),
            },
            secure=True,
        )
        if response.status_code != 302:
            errors = (
                getattr(response.context.get("form"), "errors", None) if response.context else None
            )
            raise RuntimeError(
                f"save a delivery attempt: {url} answered {response.status_code} {errors}"
            )

    with override_settings(ROOT_URLCONF=urls, ALLOWED_HOSTS=["localhost"]):
        times, queries = _timed(save, repeats, warmup)
    return statistics.median(times), percentile(times, 95), queries


def _ready_cases(count):
    """``count`` adult cases approved a week ago, prepared by the generated Lead, with the
    team both hold: a designated Lead and a deliverer eligible since before they opened."""
    from faker import Faker

    from deliveries import demo_cases

    lead_user = get_user_model().objects.get(username=LEAD_USERNAME)
    users = {"staff": lead_user, "lead": lead_user, "admin": lead_user}
    fake = Faker("en_US")
    fake.seed_instance(count)
    now = timezone.now()
    today = timezone.localdate(now)
    opened = now - datetime.timedelta(days=demo_cases.OPENED_DAYS_AGO)
    lead, deliverer = demo_cases.personnel_by(fake, lead_user, today, by=opened)
    catalogue = demo_cases.catalogue(lead_user)
    cases = []
    for n in range(count):
        dob = today.replace(year=today.year - 30) - datetime.timedelta(days=n)
        candidate = demo_cases.identified_candidate(
            fake,
            dob,
            lead=lead_user,
            when=now - datetime.timedelta(days=demo_cases.IDENTIFIED_DAYS_AGO),
        )
        cases.append(
            demo_cases.prepare_case(
                candidate,
                "approved",
                users=users,
                lead_person=lead,
                deliverer=deliverer,
                catalogue=catalogue,
                fake=fake,
                opened=opened + datetime.timedelta(minutes=n),
            )
        )
    return cases, lead, deliverer
