"""THE permission matrix: every role, every endpoint and action, and where the request lives.

How to read the policy:

* `SEES` says which requests a role can see at all. A request it cannot see does not exist
  for it: every endpoint on that request answers 404, exactly as for a reference that was
  never allocated.
* `POLICY` gives, for a request the role *can* see, the answer of each endpoint. A role
  that sees the request but may not perform the action also gets 404 (not allowed is not
  found), never 403.
* Anonymous callers get 401 everywhere.
* Each action is tried on a request in a status from which the lifecycle allows it, so the
  code reflects permission, not status; `test_right_role_in_wrong_status_gets_409` covers
  status.

Where the request lives, from the point of view of the users of the matrix (all Drôme):
`own` = Montélimar 26198 (the commune users' own commune; in the liaison's prefecture),
`same_dep` = Valence 26362 (another commune of Drôme), `other_dep` = Arras 62041
(Pas-de-Calais).
"""

from datetime import timedelta

import pytest

from sharing.models import InfoRequest, Resolution, Status
from tests.conftest import People
from tests.factories import request_in, today

pytestmark = pytest.mark.django_db

LIST = "/api/v1/requests/"

ROLES = (
    "legal_officer",  # legal_officer-26198
    "mayor",  # mayor-26198
    "liaison",  # liaison-26
    "prefecture_admin",  # prefecture_admin-26
    "auditor_national",  # auditor-national
    "auditor26",  # auditor-26
    "staff",  # staff-admin: is_staff, no role in any organisation
    "anonymous",
)
TARGETS = ("own", "same_dep", "other_dep")

# Which requests each role can see at all (anonymous: 401 before anything is looked up).
# A draft is the commune's alone until the mayor signs it (test_a_draft_reaches_...).
SEES = {
    "legal_officer": {"own"},
    "mayor": {"own"},
    "liaison": {"own", "same_dep"},
    "prefecture_admin": {"own", "same_dep"},
    "auditor_national": set(),
    "auditor26": set(),
    "staff": set(),
    "anonymous": set(),
}

# fmt: off
# The answer of each endpoint on a request the role can see (auditors and staff see none,
# so their columns only restate that everything is 404 for them).
#                          legal_off. mayor liaison pref_admin auditor_nat auditor26 staff anonymous
POLICY = {
    "detail":                (200,     200,   200,    200,       404,        404,      404,  401),
    "patch":                 (200,     200,   404,    404,       404,        404,      404,  401),
    "sign":                  (404,     200,   404,    404,       404,        404,      404,  401),
    "send-back":             (404,     200,   404,    404,       404,        404,      404,  401),
    "remarks":               (200,     200,   404,    404,       404,        404,      404,  401),
    "withdraw":              (404,     200,   404,    404,       404,        404,      404,  401),
    "acknowledge":           (404,     404,   200,    200,       404,        404,      404,  401),
    "assign":                (404,     404,   404,    200,       404,        404,      404,  401),
    "request-clarification": (404,     404,   200,    200,       404,        404,      404,  401),
    "clarify":               (200,     200,   404,    404,       404,        404,      404,  401),
    "decide":                (404,     404,   200,    200,       404,        404,      404,  401),
    "record-delivery":       (404,     404,   200,    200,       404,        404,      404,  401),
    "close":                 (404,     404,   200,    200,       404,        404,      404,  401),
    "extend":                (404,     404,   200,    200,       404,        404,      404,  401),
    "notes GET":             (404,     404,   200,    200,       404,        404,      404,  401),
    "notes POST":            (404,     404,   201,    201,       404,        404,      404,  401),
    "messages":              (200,     200,   200,    200,       404,        404,      404,  401),
    "events":                (200,     200,   200,    200,       404,        404,      404,  401),
}
# fmt: on

# How each endpoint is called: method, path after the reference, the status the request is
# put in beforehand (one the action may start from), and a valid body.
ENDPOINTS = {
    "detail": ("get", "", Status.ACKNOWLEDGED, None),
    "patch": ("patch", "", Status.DRAFT, lambda r: {"urgency": "urgent"}),
    "sign": ("post", "sign/", Status.DRAFT, lambda r: {}),
    "send-back": (
        "post",
        "send-back/",
        Status.DRAFT,
        lambda r: {"remark": "Préciser la base légale retenue."},
    ),
    # Once signed, so that the prefecture sees the request but not the commune's remarks.
    "remarks": ("get", "remarks/", Status.ACKNOWLEDGED, None),
    "withdraw": ("post", "withdraw/", Status.SUBMITTED, lambda r: {"reason": "Sans objet."}),
    "acknowledge": ("post", "acknowledge/", Status.SUBMITTED, lambda r: {}),
    "assign": ("post", "assign/", Status.ACKNOWLEDGED, lambda r: {"liaison": "liaison-26"}),
    "request-clarification": (
        "post",
        "request-clarification/",
        Status.ACKNOWLEDGED,
        lambda r: {"message": "Merci de préciser le périmètre."},
    ),
    "clarify": (
        "post",
        "clarify/",
        Status.CLARIFICATION_REQUESTED,
        lambda r: {"message": "Le centre-ville seulement."},
    ),
    "decide": (
        "post",
        "decide/",
        Status.ACKNOWLEDGED,
        lambda r: {"resolution": "refused", "reason_code": "no_legal_basis"},
    ),
    "record-delivery": (
        "post",
        "record-delivery/",
        Status.DECIDED,
        lambda r: {"channel": "secure_phone", "delivered_on": today().isoformat()},
    ),
    "close": ("post", "close/", Status.DELIVERED, lambda r: {}),
    "extend": (
        "post",
        "extend/",
        Status.ACKNOWLEDGED,
        lambda r: {
            "new_due_date": (r.decision_due + timedelta(days=30)).isoformat(),
            "reason": "Avis du procureur attendu.",
        },
    ),
    "notes GET": ("get", "notes/", Status.ACKNOWLEDGED, None),
    "notes POST": ("post", "notes/", Status.ACKNOWLEDGED, lambda r: {"text": "À suivre."}),
    "messages": ("get", "messages/", Status.CLARIFICATION_REQUESTED, None),
    "events": ("get", "events/", Status.ACKNOWLEDGED, None),
}


def expected(endpoint: str, role: str, target: str) -> int:
    if role == "anonymous":
        return 401
    if target not in SEES[role]:
        return 404
    return POLICY[endpoint][ROLES.index(role)]


CELLS = [
    pytest.param(
        endpoint, role, target, id=f"{endpoint}|{role}|{target}|{expected(endpoint, role, target)}"
    )
    for endpoint in ENDPOINTS
    for role in ROLES
    for target in TARGETS
]


@pytest.fixture(scope="module")
def module_people(module_orgs, module_db):
    """Every user, made once for the module's ~400 cells."""
    with module_db.unblock():
        return People(module_orgs).everyone()


@pytest.fixture(scope="module")
def built(module_orgs, module_people, module_db):
    """A request of each commune in each status an endpoint starts from, made once for the
    module through the real services; a cell's changes to it are rolled back after the cell."""
    communes = {
        "own": module_orgs.montelimar,
        "same_dep": module_orgs.valence,
        "other_dep": module_orgs.arras,
    }
    with module_db.unblock():
        return {
            (target, status): request_in(status, commune, resolution=Resolution.GRANTED)
            for target, commune in communes.items()
            for status in {status for _, _, status, _ in ENDPOINTS.values()}
        }


def test_policy_table_covers_every_endpoint_and_role():
    assert set(POLICY) == set(ENDPOINTS)
    assert all(len(codes) == len(ROLES) for codes in POLICY.values())
    assert set(SEES) == set(ROLES)


@pytest.mark.parametrize(("endpoint", "role", "target"), CELLS)
def test_each_cell_answers_the_policy_status_code(
    api, module_people, built, endpoint, role, target
):
    method, suffix, status, body = ENDPOINTS[endpoint]
    info_request = InfoRequest.objects.get(pk=built[(target, status)].pk)
    before = InfoRequest.objects.get(pk=info_request.pk)
    path = f"{LIST}{info_request.reference}/{suffix}"
    client = api() if role == "anonymous" else api(getattr(module_people, role))

    if body is None:
        response = getattr(client, method)(path)
    else:
        response = getattr(client, method)(path, body(info_request), format="json")

    assert response.status_code == expected(endpoint, role, target), response.content
    if response.status_code >= 400:
        after = InfoRequest.objects.get(pk=info_request.pk)
        assert (after.status, after.updated_at) == (before.status, before.updated_at)
