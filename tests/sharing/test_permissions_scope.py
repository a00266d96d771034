"""The permission matrix's companions: not allowed answers as not found, status conflicts
(409) and visibility by role on the list; the policy and its reading are in
tests/sharing/test_permissions.py."""

from datetime import timedelta

import pytest

from sharing.models import InfoRequest, Resolution, Status
from tests.conftest import People
from tests.factories import request_in, today
from tests.sharing.test_permissions import ENDPOINTS, LIST, ROLES, SEES

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


@pytest.fixture
def people(orgs):
    """Lazy here: each of the tests below the matrix creates only the users it touches."""
    return People(orgs)


@pytest.fixture
def communes(orgs):
    return {"own": orgs.montelimar, "same_dep": orgs.valence, "other_dep": orgs.arras}


@pytest.fixture
def client_as(api, people):
    def make(role: str):
        return api() if role == "anonymous" else api(getattr(people, role))

    return make


def test_not_allowed_and_not_found_answer_exactly_the_same(client_as, communes):
    hidden = request_in(Status.ACKNOWLEDGED, communes["other_dep"])
    client = client_as("liaison")
    forbidden = client.get(f"{LIST}{hidden.reference}/")
    missing = client.get(f"{LIST}26198-{today().year}-9999/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    visible_but_not_allowed = client_as("mayor").post(
        f"{LIST}{request_in(Status.SUBMITTED, communes['own']).reference}/acknowledge/",
        {},
        format="json",
    )
    assert visible_but_not_allowed.status_code == 404
    assert visible_but_not_allowed.json() == missing.json()


def test_a_draft_reaches_the_prefecture_only_once_signed(api, people, orgs):
    info_request = request_in(Status.DRAFT, orgs.montelimar)
    path = f"{LIST}{info_request.reference}/"
    for who in (people.liaison, people.prefecture_admin):
        client = api(who)
        assert client.get(path).status_code == 404
        assert client.get(f"{path}notes/").status_code == 404
        assert client.get(LIST).json()["count"] == 0
    assert api(people.mayor).post(f"{path}sign/", {}, format="json").status_code == 200
    assert api(people.liaison).get(path).status_code == 200
    assert api(people.prefecture_admin).get(LIST).json()["count"] == 1


# --- status: the right role, the wrong status → 409; the wrong role still gets 404 ----------

# action: (a status the lifecycle forbids it from, the role allowed to do it, a role that
# sees the request but may not do it)
WRONG_STATUS = {
    "patch": (Status.SUBMITTED, "legal_officer", "liaison"),
    "sign": (Status.WITHDRAWN, "mayor", "legal_officer"),
    "send-back": (Status.SUBMITTED, "mayor", "legal_officer"),
    "withdraw": (Status.DECIDED, "mayor", "liaison"),
    "acknowledge": (Status.CLOSED, "liaison", "mayor"),
    "assign": (Status.CLOSED, "prefecture_admin", "liaison"),
    "request-clarification": (Status.SUBMITTED, "liaison", "legal_officer"),
    "clarify": (Status.ACKNOWLEDGED, "legal_officer", "liaison"),
    "decide": (Status.CLARIFICATION_REQUESTED, "liaison", "mayor"),
    "record-delivery": (Status.ACKNOWLEDGED, "liaison", "legal_officer"),
    "close": (Status.ACKNOWLEDGED, "liaison", "mayor"),
    "extend": (Status.WITHDRAWN, "liaison", "mayor"),
}


@pytest.mark.parametrize("endpoint", list(WRONG_STATUS))
def test_right_role_in_wrong_status_gets_409(client_as, communes, endpoint):
    status, allowed, _ = WRONG_STATUS[endpoint]
    method, suffix, _, body = ENDPOINTS[endpoint]
    info_request = request_in(status, communes["own"], resolution=Resolution.REFUSED)
    payload = (
        body(info_request)
        if endpoint != "extend"
        else {
            "new_due_date": (today() + timedelta(days=200)).isoformat(),
            "reason": "Avis attendu.",
        }
    )
    response = getattr(client_as(allowed), method)(
        f"{LIST}{info_request.reference}/{suffix}", payload, format="json"
    )
    assert response.status_code == 409, response.content
    assert InfoRequest.objects.get(pk=info_request.pk).status == status


@pytest.mark.parametrize("endpoint", list(WRONG_STATUS))
def test_wrong_role_in_wrong_status_still_gets_404(client_as, communes, endpoint):
    status, _, not_allowed = WRONG_STATUS[endpoint]
    method, suffix, _, body = ENDPOINTS[endpoint]
    info_request = request_in(status, communes["own"], resolution=Resolution.REFUSED)
    payload = (
        body(info_request)
        if endpoint != "extend"
        else {
            "new_due_date": (today() + timedelta(days=200)).isoformat(),
            "reason": "Avis attendu.",
        }
    )
    response = getattr(client_as(not_allowed), method)(
        f"{LIST}{info_request.reference}/{suffix}", payload, format="json"
    )
    assert response.status_code == 404


# --- collection endpoints -----------------------------------------------------------------

LIST_AND_CREATE = {
    #                   list  create
    "legal_officer": (200, 201),
    "mayor": (200, 201),
    "liaison": (200, 403),
    "prefecture_admin": (200, 403),
    "auditor_national": (200, 403),
    "auditor26": (200, 403),
    "staff": (200, 403),
    "anonymous": (401, 401),
}


@pytest.mark.parametrize("role", ROLES)
def test_list_and_create_by_role(client_as, role):
    list_code, create_code = LIST_AND_CREATE[role]
    client = client_as(role)
    assert client.get(LIST).status_code == list_code
    before = InfoRequest.objects.count()
    created = client.post(
        LIST,
        {
            "category": "general-threat-briefing",
            "legal_basis": "instruction-intk1826096j",
            "purpose": "Point de situation sur l'état de la menace.",
        },
        format="json",
    )
    assert created.status_code == create_code, created.content
    assert InfoRequest.objects.count() - before == (1 if create_code == 201 else 0)


# --- list and detail agree, for every role ------------------------------------------------


@pytest.fixture(scope="module")
def _every_request(shared_orgs, django_db_blocker) -> dict[tuple[str, str], int]:
    """A request in every status in each of the three communes, built once for the module."""
    communes = {
        "own": shared_orgs.montelimar,
        "same_dep": shared_orgs.valence,
        "other_dep": shared_orgs.arras,
    }
    made = {}
    with django_db_blocker.unblock():
        for target, commune in communes.items():
            for status in Status:
                resolution = Resolution.REFUSED if status == Status.CLOSED else Resolution.GRANTED
                made[(target, status)] = request_in(status, commune, resolution=resolution).pk
    return made


@pytest.fixture
def every_request(_every_request, db):
    found = InfoRequest.objects.in_bulk(_every_request.values())
    return {key: found[pk] for key, pk in _every_request.items()}


def _listed(client) -> set[str]:
    references: set[str] = set()
    page = LIST
    while page:
        response = client.get(page)
        assert response.status_code == 200
        body = response.json()
        references |= {row["reference"] for row in body["results"]}
        page = body["next"]
    return references


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_list_shows_exactly_the_requests_whose_detail_answers_200(client_as, every_request, role):
    client = client_as(role)
    listed = _listed(client)
    readable = {
        info_request.reference
        for info_request in every_request.values()
        if client.get(f"{LIST}{info_request.reference}/").status_code == 200
    }
    # A discarded draft leaves every list but keeps its page (its history) for its commune.
    discarded = {
        info_request.reference
        for (_, status), info_request in every_request.items()
        if status == Status.DISCARDED
    }
    assert listed == readable - discarded
    targets_seen = {target for (target, _), r in every_request.items() if r.reference in listed}
    assert targets_seen == SEES[role]


def test_liaison_sees_every_commune_of_the_departement_and_none_of_another(
    api, people, every_request
):
    assert {ref[:5] for ref in _listed(api(people.liaison))} == {"26198", "26362"}
    assert {ref[:5] for ref in _listed(api(people.liaison62))} == {"62041"}


@pytest.mark.parametrize("role", ["auditor_national", "auditor26", "staff"])
def test_auditors_and_staff_without_role_see_no_request(client_as, every_request, role):
    client = client_as(role)
    assert client.get(LIST).json()["count"] == 0
    some = next(iter(every_request.values()))
    assert client.get(f"{LIST}{some.reference}/").status_code == 404


def test_a_role_given_or_taken_away_changes_what_the_same_user_object_sees(orgs, people):
    from accounts.models import Membership, Role
    from accounts.services import membership_create, membership_delete
    from sharing.selectors import info_requests_visible_to
    from tests.factories import UserFactory

    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    newcomer = UserFactory(username="newcomer")
    assert not info_requests_visible_to(user=newcomer).filter(pk=info_request.pk).exists()
    membership_create(
        user=newcomer, organization=orgs.montelimar, role=Role.LEGAL_OFFICER, actor=None
    )
    assert info_requests_visible_to(user=newcomer).filter(pk=info_request.pk).exists()
    membership_delete(membership=Membership.objects.get(user=newcomer), actor=None)
    assert not info_requests_visible_to(user=newcomer).filter(pk=info_request.pk).exists()
