"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Without /usr/bin/chromium they are skipped, with the reason, unless RELAIS_REQUIRE_BROWSER=1
(CI) makes them fail. With RELAIS_SCREENSHOTS=1, screenshots of each main page go to
artifacts/screenshots/ (for a person to look at; no test reads them, and a full-page capture
costs more than the page's own checks, so they are not taken on every run).
"""

import importlib
import os
from pathlib import Path

import pytest

from sharing.notifications import outbox

CHROMIUM = Path(os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in the test's thread; Django then refuses ORM calls
# from that thread unless told that this is deliberate (the calls are still synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Records Content-Security-Policy violations so that every test can assert there are none.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def _browser_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is absent (apt-get install chromium)"
    try:
        importlib.import_module("playwright.sync_api")
    except ImportError:
        return "the playwright package is not installed"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _browser_missing_reason()
    if reason is None:
        return
    if os.environ.get("RELAIS_REQUIRE_BROWSER") == "1":
        return  # the `browser` fixture fails every test, with the reason
    for item in items:
        if "tests/browser" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


# Per package, not per session: Playwright's sync API keeps an event loop running in the thread
# until it stops, and any later test of the same process that calls async code from sync code
# (asgiref's async_to_sync, as an async view does) would fail. pytest stops it when the last test
# of this folder has run, before any test of another folder. (Per module, its start cost one to
# two seconds in each of the four modules.)
@pytest.fixture(scope="package")
def browser():
    reason = _browser_missing_reason()
    if reason is not None:
        pytest.fail(f"RELAIS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def _e_mails_left_to_the_sweep(monkeypatch):
    """The pages, not the e-mails: in these live-server tests every change commits, and each
    commit sent its e-mails at once (a third of a test's setup). They stay owed to the sweep,
    as when the broker is down; tests/sharing/test_reminders.py delivers them."""
    monkeypatch.setattr(outbox, "enqueue", lambda ids: 0)


@pytest.fixture
def legal_frame(transactional_db):
    """The categories and legal bases the data migration seeds (a live-server test's database
    is emptied between tests)."""
    from django.apps import apps

    seed = importlib.import_module("sharing.migrations.0002_seed_legal_frame").seed
    seed(apps, None)


@pytest.fixture
def new_page(browser, live_server, legal_frame):
    """`new_page(language="fr")` → a page in a fresh browser context (its own cookies)."""
    contexts = []

    def make(language: str = "fr"):
        context = browser.new_context(
            locale="fr-FR" if language == "fr" else "en-GB",
            viewport={"width": 1280, "height": 900},
            base_url=live_server.url,
        )
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        # No request of the page may still be running in the live server when the test's
        # data is flushed (its session would be deleted under it): wait once, at the end.
        for page in context.pages:
            page.wait_for_load_state("networkidle")
        context.close()


def settled(page) -> None:
    """Waits until the page, its stylesheets, scripts, images and fonts have loaded: what axe
    and the CSP listener need, without networkidle's half second of silence on every page."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def screenshot(page, name: str) -> Path | None:
    if os.environ.get("RELAIS_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['impact']}: {violation['id']} — {violation['help']} "
        f"({', '.join(node['target'][0] for node in violation['nodes'][:3])})"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def sign_in(page, username: str, password: str) -> None:
    page.goto("/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.click("header form[action='/deconnexion/'] button")
    page.wait_for_load_state()
