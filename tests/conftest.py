"""Two départements, a user for every role, and an API client per user.

Drôme (26): prefecture, Montélimar (26198) and Valence (26362).
Pas-de-Calais (62): prefecture and Arras (62041).
Oversight: a national body and one scoped to Drôme. Usernames follow the demo's
`<role>-<code>` convention so that a failing test reads like the demo.
"""

import bisect
import gc
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient
from time_machine import escape_hatch as time_machine_escape
from xdist.scheduler import LoadScheduling

from accounts.models import Organization, Role, User
from tests.factories import CommuneFactory, OversightFactory, PrefectureFactory, UserFactory, member


class OneAheadScheduling(LoadScheduling):
    """`--dist load`, where each process is handed the next test as it finishes one and holds
    one more, never a backlog. xdist's own refills a process by two tests for each it finishes,
    up to a quarter of those left: the process that ran many short tests ended up holding every
    browser and real-worker test, and ran them for a minute and a half after the other had
    finished.

    The next test is the next of the module the process is in; when that module has none left,
    the first test of a module no other process is in; only when every test left is in another
    process's module, that one's next. Handed out test by test, both processes went through
    the same modules, and each built every module-scoped fixture (the rules walk's requests,
    the demo, a browser module's live server and people…) that a whole module given to one
    process builds once. Each process still takes its tests in the collection's order, never
    one that comes before a test it was given, so that its database sees the rolled-back tests
    before the committed ones; a process that no test left may follow stops."""

    AHEAD = 2  # the test running and the next, which the process needs to know when to tear down

    def __init__(self, config, log=None) -> None:
        super().__init__(config, log)
        self.maxschedchunk = self.AHEAD  # the first hand-out too
        self._modules: list[str] = []
        self._last: dict = {}  # process → index of the last test it was given

    def check_schedule(self, node, duration: float = 0) -> None:
        if node.shutting_down:
            return
        if not self.pending:
            node.shutdown()
            return
        missing = self.AHEAD - len(self.node2pending[node])
        if missing > 0:
            self._send_tests(node, missing)

    def _module(self, index: int) -> str:
        return self._modules[index]

    def _next_position(self, node) -> int | None:
        """Where in `pending` the next test for `node` is, or None if it may take none."""
        if not self.pending:
            return None
        last = self._last.get(node, -1)
        start = bisect.bisect_right(self.pending, last)
        others = [
            other for other in self.node2pending if other is not node and not other.shutting_down
        ]
        if start == len(self.pending):
            # Another process takes them; else (a process crashed and the tests it held were
            # put back) this one does, out of order rather than never.
            if any(self._last.get(other, -1) < self.pending[-1] for other in others):
                return None
            return 0
        own = self._module(last) if last >= 0 else None
        if self._module(self.pending[start]) == own:
            return start
        taken = {self._module(self._last[other]) for other in others if other in self._last}
        for position in range(start, len(self.pending)):
            if self._module(self.pending[position]) not in taken:
                return position
        return start

    def remove_node(self, node):
        self._last.pop(node, None)
        return super().remove_node(node)

    def _send_tests(self, node, num: int) -> None:
        if not self._modules:
            self._modules = [nodeid.split("::", 1)[0] for nodeid in self.collection]
        # `pending` stays in the collection's order (a crashed process's tests, put back at its
        # end or start, are sorted in again), so that the first test after a given one is found
        # by bisection.
        self.pending.sort()
        sent = []
        for _ in range(num):
            position = self._next_position(node)
            if position is None:
                break
            index = self.pending.pop(position)
            self._last[node] = index
            sent.append(index)
        if sent:
            self.node2pending[node].extend(sent)
            node.send_runtest_some(sent)
        elif not self.node2pending[node]:
            node.shutdown()


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "load":
        return OneAheadScheduling(config, log)
    return None


def pytest_collection_finish(session):
    """What each process holds for the whole run once its tests are collected (Django, the
    URL conf, the test items, Schemathesis's cases) leaves the cyclic collector's sight, and the
    collector runs less often: young objects are collected after 50,000 allocations instead of
    700. About 2.5 % of the tests' CPU went to collections that walked that heap again and
    again and found nothing in it (tests/sharing and tests/web, one process, alternated runs)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


# What makes a test use the test database, as pytest-django tells (its marker or fixtures).
_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def _slow_without_database(item) -> bool:
    return (
        item.get_closest_marker("slow") is not None
        and item.get_closest_marker("django_db") is None
        and not _DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items):
    """The modules marked `slow` first. pytest-django sorts afterwards, stably, by what a test
    does with the database (rolled back, then committed and emptied, then none), so they lead
    each of its groups and the parallel run ends on short tests instead of one process running
    the browser or the real workers while the other has nothing left to do. Then the slow
    tests that use no test database (`dev.py serve`, the embedded default's worker on a file of
    its own) go first of all: their place in that order protects nothing, and last, one of them
    kept a process busy for half a minute after the other had finished."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    yield
    items.sort(key=lambda item: not _slow_without_database(item))
    _alternate_browser_and_worker_modules(items)


# Tests that mostly wait: on Chromium, or on worker and web processes, Redis, a claim's lease.
_WAITING_FOLDERS = ("browser", "integration")


def _waiting_folder(item) -> str | None:
    parts = item.path.relative_to(item.config.rootpath).parts
    if len(parts) > 2 and parts[0] == "tests" and parts[1] in _WAITING_FOLDERS:
        return None if _slow_without_database(item) else parts[1]
    return None


def _alternate_browser_and_worker_modules(items) -> None:
    """The browser modules and the real-worker modules, in the places they hold (slow ones
    that commit, they come together), take turns module by module instead of all the browser
    ones first: each process goes on to the next module no other process is in, so one runs a
    browser module while the other runs workers, whose waits (processes starting, a claim's
    lease running out) leave the cores to Chromium, where both processes had driven Chromium
    at once, then both waited on workers with a core idle."""
    places = [index for index, item in enumerate(items) if _waiting_folder(item)]
    modules: dict[str, dict[str, list]] = {folder: {} for folder in _WAITING_FOLDERS}
    for index in places:
        item = items[index]
        modules[_waiting_folder(item)].setdefault(str(item.path), []).append(item)
    queues = [list(by_module.values()) for by_module in modules.values()]
    alternated = []
    while any(queues):
        for queue in queues:
            if queue:
                alternated.extend(queue.pop(0))
    for index, item in zip(places, alternated, strict=True):
        items[index] = item


def make_orgs() -> SimpleNamespace:
    drome = PrefectureFactory(code="26", name="Préfecture de la Drôme")
    pas_de_calais = PrefectureFactory(code="62", name="Préfecture du Pas-de-Calais")
    return SimpleNamespace(
        pref26=drome,
        montelimar=CommuneFactory(code="26198", name="Montélimar", prefecture=drome),
        valence=CommuneFactory(code="26362", name="Valence", prefecture=drome),
        pref62=pas_de_calais,
        arras=CommuneFactory(code="62041", name="Arras", prefecture=pas_de_calais),
        oversight_national=OversightFactory(
            code="igrs-national", name="Inspection générale", departement_code=""
        ),
        oversight26=OversightFactory(
            code="ctrl-26", name="Mission de contrôle de la Drôme", departement_code="26"
        ),
    )


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """After a module-scoped fixture wrote inside its module's transaction (`module_db`,
    `SHARED_PEOPLE`), the foreign keys of what it wrote are checked there, once. Django's
    `TestCase` checks the deferred constraints at the end of each test, inside the test's
    savepoint, which fired the checks of every row the module had made, and the savepoint's
    rollback left them to be fired again after the next test: 6 ms a test in the permission
    matrix, whose 433 cells spent 2.7 s on it."""
    result = yield
    if fixturedef.scope == "module" and connection.in_atomic_block:
        with request.getfixturevalue("django_db_blocker").unblock():
            connection.check_constraints()
    return result


@pytest.fixture(scope="module", autouse=True)
def _module_people(request):
    """For a module that sets `SHARED_PEOPLE = True`: the organisations and every user, built
    once in a transaction around the module (see `module_db`); each test starts from them in a
    savepoint rolled back after it, as if its `people` fixture had just made them. Only for
    modules whose tests all use `db` (not `transactional_db`) and may all see every user."""
    if not getattr(request.module, "SHARED_PEOPLE", False):
        yield None
        return
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock(), transaction.atomic():
        organisations = make_orgs()
        People(organisations).everyone()
        yield {name: org.pk for name, org in vars(organisations).items()}
        transaction.set_rollback(True)


@pytest.fixture
def orgs(db, _module_people):
    if _module_people is None:
        return make_orgs()
    # Fresh instances for each test: a test's changes to them never reach the next one.
    fresh = Organization.objects.in_bulk(_module_people.values())
    return SimpleNamespace(**{name: fresh[pk] for name, pk in _module_people.items()})


@pytest.fixture(scope="module")
def shared_orgs(_module_people, django_db_blocker):
    """`orgs` for the module-scoped fixtures of a `SHARED_PEOPLE` module: what they build lives
    in the module's transaction, beside its people, and is rolled back with them."""
    assert _module_people is not None, "only for a module that sets SHARED_PEOPLE = True"
    with django_db_blocker.unblock():
        found = Organization.objects.in_bulk(_module_people.values())
    return SimpleNamespace(**{name: found[pk] for name, pk in _module_people.items()})


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """Data built once for a whole module: one transaction stays open around the module, what
    its module-scoped fixtures create lives in it, each test runs in a savepoint of it that is
    rolled back after the test (pytest-django's `db`), and the whole is rolled back when the
    module ends. Only for modules whose tests all use `db`, not `transactional_db`."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield django_db_blocker
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def module_orgs(module_db):
    """`orgs`, built once per module (see `module_db`)."""
    with module_db.unblock():
        return make_orgs()


class People:
    """The users of every role, made on first use: `people.liaison` is `liaison-26`."""

    # name: (organisation attribute of `orgs`, role, username when not `<role>-<code>`)
    SPEC = {
        "legal_officer": ("montelimar", Role.LEGAL_OFFICER, None),
        "mayor": ("montelimar", Role.MAYOR, None),
        "legal_officer_valence": ("valence", Role.LEGAL_OFFICER, None),
        "mayor_valence": ("valence", Role.MAYOR, None),
        "liaison": ("pref26", Role.LIAISON, None),
        "prefecture_admin": ("pref26", Role.PREFECTURE_ADMIN, None),
        "liaison62": ("pref62", Role.LIAISON, None),
        "legal_officer_arras": ("arras", Role.LEGAL_OFFICER, None),
        "mayor_arras": ("arras", Role.MAYOR, None),
        "auditor_national": ("oversight_national", Role.AUDITOR, "auditor-national"),
        "auditor26": ("oversight26", Role.AUDITOR, "auditor-26"),
        "staff": (None, None, "staff-admin"),  # platform staff without any role
    }

    def __init__(self, orgs):
        self._orgs = orgs

    def __getattr__(self, name):
        if name not in self.SPEC:
            raise AttributeError(name)
        org, role, username = self.SPEC[name]
        if org is None:
            user = UserFactory(username=username, is_staff=True)
        else:
            user = member(getattr(self._orgs, org), role, username=username)
        setattr(self, name, user)
        return user

    def everyone(self) -> "People":
        for name in self.SPEC:
            getattr(self, name)
        return self

    def username(self, name: str) -> str:
        org, role, username = self.SPEC[name]
        return username or f"{role}-{getattr(self._orgs, org).code}"

    def already_made(self) -> "People":
        """Every user, read in one query (they were made before the test began)."""
        users = {
            user.username: user
            for user in User.objects.filter(
                username__in=[self.username(name) for name in self.SPEC]
            )
        }
        for name in self.SPEC:
            setattr(self, name, users[self.username(name)])
        return self


@pytest.fixture
def people(orgs, _module_people):
    """Every user of every role, created up front (the matrix overrides this lazily)."""
    if _module_people is not None:
        return People(orgs).already_made()
    return People(orgs).everyone()


# Short aliases for the users most tests act as.
@pytest.fixture
def legal_officer(people):
    return people.legal_officer


@pytest.fixture
def mayor(people):
    return people.mayor


@pytest.fixture
def liaison(people):
    return people.liaison


@pytest.fixture
def prefecture_admin(people):
    return people.prefecture_admin


@pytest.fixture
def api():
    """`api(user)` → an APIClient authenticated as `user`; `api()` → an anonymous client."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return client_for


@pytest.fixture
def travel(time_machine):
    """`travel(days=-40)` stops the clock (time-machine) at now + delta; `travel.back()`
    restarts it at the real time. Undone after the test."""

    def real_now():
        if not time_machine_escape.is_travelling():
            return datetime.now(UTC)
        return datetime.fromtimestamp(time_machine_escape.time.time(), tz=UTC)

    def to(**delta):
        moment = real_now() + timedelta(**delta)
        time_machine.move_to(moment, tick=False)
        return moment

    to.back = lambda: time_machine.move_to(real_now(), tick=True)
    return to
