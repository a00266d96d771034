"""Real-browser tests: Playwright driving Debian's Chromium against a live server.

A module's tests share one live server and one database (`live_site`): what its fixtures build
is committed once, before its first test, and the database is emptied when its last test ends.
Without /usr/bin/chromium they are skipped, with the reason, unless RELAIS_REQUIRE_BROWSER=1
(CI) makes them fail. With RELAIS_SCREENSHOTS=1, screenshots of each main page go to
artifacts/screenshots/ (for a person to look at; no test reads them, and a full-page capture
costs more than the page's own checks, so they are not taken on every run).
"""

import importlib
import importlib.util
import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sharing.notifications import outbox
from tests.conftest import People, make_orgs
from tests.factories import PASSWORD

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
    # Whether it is installed, without importing it: both test processes ask while collecting,
    # and its import takes 0.2 s (only the process running these tests needs it).
    if importlib.util.find_spec("playwright") is None:
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


class RequestsInFlight:
    """How many requests the live server is handling (Django's request_started and
    request_finished, the latter sent once the response is closed), to wait until none is."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def started(self, **kwargs) -> None:
        with self._lock:
            self.count += 1

    def finished(self, **kwargs) -> None:
        with self._lock:
            self.count -= 1

    def wait_until_none(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.count > 0:
            assert time.monotonic() < deadline, f"{self.count} requests still running"
            time.sleep(0.005)


@pytest.fixture(scope="module", autouse=True)
def _e_mails_left_to_the_sweep():
    """The pages, not the e-mails: in these live-server tests every change commits, and each
    commit sent its e-mails at once (a third of a test's setup). They stay owed to the sweep,
    as when the broker is down; tests/sharing/test_reminders.py delivers them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "enqueue", lambda ids: 0)
        yield


@pytest.fixture(scope="module")
def live_site(request, django_db_setup, django_db_blocker, _e_mails_left_to_the_sweep):
    """A live server for the module's tests, and the database open to them and to it in
    autocommit: the server sees at once what a test or a fixture writes, and the reverse.

    Not pytest-django's `live_server`, whose `transactional_db` empties the database after
    every test: with the legal frame, the people and the requests built again for the next
    test, that cost 1 to 4 s a test on PostgreSQL. Here the module's fixtures build once, and
    the database is emptied as `transactional_db` does when the module's last test has ended.
    The tests stay independent of their order: each opens a fresh browser context, signs in
    through the form (or starts with the session an earlier test's sign-in as the same user
    in the same language left), sets what it relies on (the user's language), and checks
    nothing that another test changes (audit events, sessions, the last sign-in)."""
    from django.apps import apps
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import connections
    from django.test.utils import modify_settings
    from pytest_django.live_server_helper import LiveServer

    address = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with django_db_blocker.unblock():
        # The categories and legal bases the data migration seeds, gone after an earlier emptying.
        importlib.import_module("sharing.migrations.0002_seed_legal_frame").seed(apps, None)
        server = LiveServer(address)
        server.in_flight = RequestsInFlight()
        request_started.connect(server.in_flight.started)
        request_finished.connect(server.in_flight.finished)
        allowed_host = modify_settings(ALLOWED_HOSTS={"append": server.thread.host})
        allowed_host.enable()
        try:
            yield server
        finally:
            allowed_host.disable()
            server.stop()
            request_started.disconnect(server.in_flight.started)
            request_finished.disconnect(server.in_flight.finished)
            call_command(
                "flush", verbosity=0, interactive=False, reset_sequences=False, allow_cascade=False
            )
            # Playwright's event loop runs in this thread while the browser tests do, so Django
            # (whose connections are per context) opened a connection of their own: close it,
            # or nobody would, and PostgreSQL would wait 5 s, then refuse, to drop the test
            # database at the end of the run.
            connections.close_all()


@pytest.fixture
def transactional_db(live_site):
    """pytest-django's, for the browser tests: what a test writes commits at once and the live
    server sees it, in the module's database (`live_site`), emptied when the module ends instead
    of after each test. Requested by every browser test (through `new_page`), it also tells
    pytest-django that they need the test database."""


@pytest.fixture(scope="module")
def orgs(live_site):
    return make_orgs()


@pytest.fixture(scope="module")
def people(orgs):
    return People(orgs).everyone()


@pytest.fixture(scope="module")
def _sessions(live_site) -> dict:
    """Cookies and storage of a signed-in browser, by (username, language), for the module."""
    return {}


@pytest.fixture
def new_page(browser, live_site, transactional_db, _sessions):
    """`new_page(language="fr")` → a page in a fresh browser context (its own cookies);
    `new_page(language, signed_in_as=user)` → the same, signed in as `user`, in `language`
    (the user's own, which a sign-in applies). The first page of a module for that user and
    language signs in through the form; the next ones start with its session."""
    contexts = []  # each with the requests its pages sent and have not seen end

    def make(language: str = "fr", *, signed_in_as=None, width: int = 1280):
        session = None if signed_in_as is None else (signed_in_as.username, language)
        context = browser.new_context(
            locale="fr-FR" if language == "fr" else "en-GB",
            viewport={"width": width, "height": 900},
            base_url=live_site.url,
            storage_state=_sessions.get(session),
        )
        context.add_init_script(CSP_LISTENER)
        sent: set = set()
        context.on("request", lambda request: sent.add(request))
        context.on("requestfinished", lambda request: sent.discard(request))
        context.on("requestfailed", lambda request: sent.discard(request))
        contexts.append((context, sent))
        page = context.new_page()
        if session is not None and session not in _sessions:
            signed_in_as.language = language
            signed_in_as.save(update_fields=["language"])
            sign_in(page, signed_in_as.username, PASSWORD)
            _sessions[session] = context.storage_state()
        return page

    yield make
    # No request of the test's pages may still be running in the live server when the next
    # test begins, or when the module's data is emptied: each context is closed once every
    # request its pages sent has ended (Playwright's events come in while it waits), then the
    # server is waited for, in case a page sent one more just before. (Waiting for the
    # pages' "networkidle" cost half a second of silence a test.)
    for context, sent in contexts:
        deadline = time.monotonic() + 10
        while sent and context.pages and time.monotonic() < deadline:
            context.pages[0].wait_for_timeout(5)
        context.close()
    live_site.in_flight.wait_until_none()


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
    # Signing out, or a page that needs a signed-in user, already led to the form.
    if urlsplit(page.url).path != "/connexion/":
        page.goto("/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.click("header form[action='/deconnexion/'] button")
    page.wait_for_load_state()
