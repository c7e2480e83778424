"""Steps shared by the browser journeys."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD


def current_code(device):
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def log_in(page, live_server, user, password=TEST_PASSWORD):
    """Log in through the real forms: password with the notice acknowledged, then the
    second factor (a confirmed authenticator is given to the user, as after enrolment)."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="e2e authenticator", defaults={"confirmed": True}
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("I understand that this system holds").check()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    code_box = page.get_by_label("Six-digit code from your authenticator app")
    code_box.fill(current_code(device))
    code_box.press("Enter")
    page.wait_for_load_state()
    return page


# --- helpers shared by the journeys (e2e2)

_CHECKED_PAGES = set()


def check_page(page, name, *, full_page=False):
    """Every page a journey visits: axe-core finds nothing serious, and a screenshot is saved
    under test-artifacts/screenshots/<name>.png. Each named page is checked once per run."""
    from tests.e2e.conftest import assert_accessible, screenshot

    page.wait_for_load_state()
    if name in _CHECKED_PAGES:
        return
    screenshot(page, name, full_page=full_page)
    assert_accessible(page)
    _CHECKED_PAGES.add(name)


def url(live_server, name, *args):
    from django.urls import reverse

    return f"{live_server.url}{reverse(name, args=args)}"


def field(scope, label):
    """The form field labelled exactly ``label`` (crispy adds "*" to required ones)."""
    import re

    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def submit(page, button_name, scope=None):
    """Click a form's submit button and wait for the page it leads to."""
    target = scope if scope is not None else page
    with page.expect_navigation():
        target.get_by_role("button", name=button_name, exact=True).click()


def tab_to(page, selector, limit=120):
    """Move the keyboard focus with Tab alone until the element matching ``selector`` has it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} was not reached with the Tab key")


def register_candidate(page, live_server, *, first, last, dob, confirm_different=False):
    """The candidate form; when a possible duplicate is shown, confirm it is another person."""
    page.goto(url(live_server, "candidates:create"))
    check_page(page, "candidate-form")
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Date of birth").fill(dob.isoformat())
    submit(page, "Register")
    if confirm_different:
        assert page.get_by_text("Records like this one already exist").is_visible()
        check_page(page, "candidate-form-duplicates")
        page.get_by_label("I checked the possible duplicates").check()
        submit(page, "Register")
    assert page.get_by_text(f"Candidate {first} {last} registered").is_visible()
    check_page(page, "candidate-new")


def add_basis(page, *, code, evidence_label, evidence):
    """'Add a basis' from the candidate page: the basis and its evidence."""
    with page.expect_navigation():
        page.get_by_role("link", name="Add a basis").click()
    check_page(page, "basis-form")
    field(page, "Basis").select_option(code)
    box = field(page, evidence_label)
    if box.evaluate("(e) => e.tagName") == "SELECT":
        box.select_option(label=evidence)
    else:
        box.fill(evidence)
    submit(page, "Add basis")


def record_determination(page):
    with page.expect_navigation():
        page.get_by_role("link", name="Record the determination").click()
    check_page(page, "determination-form")
    submit(page, "Record the determination")
    check_page(page, "candidate-eligible")


def open_case(page):
    with page.expect_navigation():
        page.get_by_role("link", name="Open a CN case").click()
    check_page(page, "case-open")
    submit(page, "Open the CN case")
    check_page(page, "case-preparing", full_page=False)


def completed_check(page, section, who, summary):
    card = page.locator(section)
    card.get_by_label("Completed by").fill(who)
    card.get_by_label("Completed on").fill(__import__("datetime").date.today().isoformat())
    card.get_by_label("Summary").fill(summary)
    submit(page, "Save", card)


def complete_checklist(page, *, deliverer, penalty):
    """Threat assessment, background check, letter draft, team and social services.

    The letter draft ticks ``penalty``: a letter names at least one penalty with its
    plain-language words (P-LETTER); the preselected template alone is refused."""
    completed_check(page, "#threat", "Det. Ortiz", "No threat to the team identified.")
    completed_check(page, "#background", "Analyst Kim", "Warrants and history checked.")
    letter = page.locator("#letter")
    letter.get_by_label(f"{penalty.statute}: {penalty.description_en}", exact=True).check()
    submit(page, "Save as a new version", letter)
    assert letter.get_by_text(penalty.description_en).first.is_visible(), letter.inner_text()
    team = page.locator("#team")
    team.get_by_label("Person").select_option(label=str(deliverer))
    team.get_by_label("Role").select_option(label="Deliverer")
    submit(page, "Add to the team", team)
    social = page.locator("#social")
    social.get_by_label("Provider organisation").fill("Violence Intervention Partners")
    social.get_by_label("Contact person").fill("Robin Case")
    submit(page, "Save", social)
    check_page(page, "case-checklist", full_page=False)


def lead_accepts_and_approves(page, live_server, case):
    page.goto(url(live_server, "cases:detail", case.pk))
    check_page(page, "case-lead")
    submit(page, "Accept this version (final)")
    submit(page, "Approve for delivery")
    assert page.get_by_text("Ready to deliver").first.is_visible()
    check_page(page, "case-ready")


def minutes_from_now(minutes):
    """A local time to the minute (as the pages take it), ``minutes`` after now.

    The journeys act out "approved, then delivered" in real time: the Lead approves now, so a
    contact must come after it (P-APPROVE: the approval is given strictly before contact). The
    forms accept times up to 10 minutes ahead (clocks differ), so the contact is a minute or
    two ahead of now. Truncated to the minute, ``minutes_from_now(1)`` is still after now."""
    import datetime

    from django.utils import timezone

    now = timezone.localtime().replace(second=0, microsecond=0)
    return now + datetime.timedelta(minutes=minutes)


def fill_contact(page, *, ecc=True, contact=None):
    """When and where, and the ECC advised a minute before contact (C-ECC: strictly before).
    ``contact`` defaults to two minutes from now: after an approval given just before."""
    import datetime

    contact = contact or minutes_from_now(2)
    page.get_by_label("Time of contact (or of the attempt)").fill(
        contact.strftime("%Y-%m-%dT%H:%M")
    )
    field(page, "Address").fill("100 Main St SW, Albuquerque, NM")
    if ecc:
        advised = contact - datetime.timedelta(minutes=1)
        page.get_by_label("ECC advised at").fill(advised.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_label("ECC advised by").fill("Ofc. Baca")
        page.get_by_label("ECC given the location").check()
        page.get_by_label("ECC given the team members").check()
        page.get_by_label("ECC given the candidate's identity").check()
    return contact


def choose(page, fieldset, option):
    """A radio button inside the fieldset whose legend is ``fieldset``."""
    page.get_by_role("group", name=fieldset).get_by_label(option, exact=True).check()


def after_action_and_confirm(staff_page, lead_page, live_server, attempt, *, decision, cad):
    import datetime

    from django.utils import timezone

    staff_page.goto(url(live_server, "attempts:after_action", attempt.pk))
    check_page(staff_page, "after-action-form")
    # A-ECC: the ECC is advised of the outcome after the attempt (a minute after contact).
    attempt.refresh_from_db()
    advised = timezone.localtime(attempt.contact_at) + datetime.timedelta(minutes=1)
    staff_page.get_by_label("ECC advised of the outcome at").fill(
        advised.strftime("%Y-%m-%dT%H:%M")
    )
    staff_page.get_by_label("ECC advised by").fill("Ofc. Baca")
    staff_page.get_by_label("CAD report number").fill(cad)
    submit(staff_page, "Save the after-action")
    attempt.refresh_from_db()
    assert hasattr(attempt, "after_action"), staff_page.locator(
        ".alert, .invalid-feedback"
    ).all_inner_texts()
    check_page(staff_page, "attempt-detail")
    lead_page.goto(url(live_server, "attempts:confirm", attempt.pk))
    check_page(lead_page, "after-action-confirm")
    lead_page.get_by_label(decision, exact=True).check()
    submit(lead_page, "Confirm (A-RMS)")
    attempt.after_action.refresh_from_db()
    assert attempt.after_action.confirmed_by_id, lead_page.locator(
        ".alert, .invalid-feedback"
    ).all_inner_texts()


def case_form(page, step):
    """The form on the case page that posts to ``.../<step>/``."""
    return page.locator(f"form[action$='/{step}/']")


def ready_case(*, lead_user, **kwargs):
    """A case prepared (factories) and approved by the Lead (the service): ready to deliver."""
    from deliveries.services import preparation
    from tests.factories import prepared_case

    case = prepared_case(lead_user=lead_user, **kwargs)
    return preparation.case_approve(case=case, version=case.version, actor=lead_user) or case
