"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright's own browser download does not work on our machines, so the tests use the system
Chromium. When it is missing the run fails (never skips) and says how to install it.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
HEADLESS_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium():
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail(
        "Chromium was not found. Install Debian's browser with "
        "`sudo apt-get install -y chromium` (scripts/test does it when run as root), "
        "or set CHROMIUM=/path/to/chromium.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": find_chromium(),
        "headless": True,
        "args": HEADLESS_FLAGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as a script; the app's strict CSP would (rightly) refuse it.
    return {**browser_context_args, "bypass_csp": True, "locale": "en-US"}


@pytest.fixture
def open_as(browser, live_server):
    """open_as(user) -> a page in its own browser context, logged in as that user."""
    from tests.e2e.journeys import log_in

    contexts = []

    def _open(user, **context_args):
        context = browser.new_context(
            **{"viewport": {"width": 1280, "height": 800}, "bypass_csp": True, "locale": "en-US"}
            | context_args
        )
        contexts.append(context)
        context.set_default_timeout(8000)
        page = context.new_page()
        log_in(page, live_server, user)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name, *, full_page=True):
    """Save a screenshot under test-artifacts/screenshots (named in README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def assert_accessible(page):
    """axe-core (from npm, served to the page by the test) finds no serious/critical issue."""
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (scripts/test does).")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})"
    )
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(
        [
            {
                "id": v["id"],
                "impact": v["impact"],
                "page": page.url,
                "nodes": [[n["target"], n.get("failureSummary", "")[:200]] for n in v["nodes"]],
            }
            for v in bad
        ],
        indent=1,
    )


def assert_no_horizontal_scroll(page):
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page scrolls sideways by {overflow}px at this width"
