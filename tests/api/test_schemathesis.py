"""The API against its own OpenAPI schema (Schemathesis, every check) as three roles: a
commune's legal officer, a prefecture's liaison and an auditor, each with a token. No server
error, no response that contradicts the schema.

Two passes over every operation:
- fuzzing, as each of the three roles: random valid inputs (RELAIS_SCHEMATHESIS_EXAMPLES per
  operation and role, 4 by default; set it higher for a longer hunt);
- coverage: Schemathesis's boundary and negative cases of every parameter and field (empty,
  too long, wrong type, out of range, missing), as one of the three roles, the same for an
  operation from run to run and spread over the three (about 190 cases an operation: run
  as every role, this pass alone took three quarters of the file's time, for input parsing
  that does not depend on who asks).

And a stateful pass: Schemathesis follows the schema's links (sharing/openapi.py) from a new
draft through the lifecycle, each step sent as the role that takes it (the legal officer
drafts, the mayor signs, the liaison answers), so that actions meet real requests in every
status instead of unknown references.
"""

import copy
import os
import zlib

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.security_services import token_issue
from sharing.models import Status
from tests.conftest import People
from tests.factories import draft, request_in

pytestmark = pytest.mark.slow  # scheduled first in its group (tests/conftest.py)

EXAMPLES = int(os.environ.get("RELAIS_SCHEMATHESIS_EXAMPLES", "4"))
ROLES = ["legal_officer", "liaison", "auditor_national"]
# The stateful pass also needs the mayor, who signs.
TOKEN_HOLDERS = [*ROLES, "mayor"]


# Built from the code once, as /api/schema/ serves it (pytest-django has set Django up by now).
OPENAPI = SchemaGenerator().get_schema(request=None, public=True)


def _schema(**phases: dict) -> schemathesis.BaseSchema:
    """The schema with these phases; every call and probe goes through WSGI, in process."""
    loaded = schemathesis.openapi.from_dict(
        copy.deepcopy(OPENAPI), config=SchemathesisConfig.from_dict({"phases": phases})
    )
    loaded.app = get_wsgi_application()
    return loaded


OFF = {"enabled": False}
fuzzed = _schema(coverage=OFF, stateful=OFF)
covered = _schema(examples=OFF, fuzzing=OFF, stateful=OFF)
linked = _schema(examples=OFF, fuzzing=OFF, coverage=OFF)


@pytest.fixture(scope="module", autouse=True)
def _connection_kept_across_requests():
    """The WSGI application closes the database connection at each request's start and end
    (an atomic block looks unusable to it); the test's transaction lives on that connection.
    Django's test client unhooks the same two receivers for the same reason."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(scope="module")
def tokens(module_orgs, module_db):
    """A token for each role, and requests in several statuses for them to find: made once for
    the module (each test's changes are rolled back after it)."""
    with module_db.unblock():
        people = People(module_orgs)
        draft(module_orgs.montelimar)
        for status in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.DECIDED):
            request_in(status, module_orgs.montelimar)
        return {
            role: token_issue(
                user=getattr(people, role),
                name="schemathesis",
                second_factor=True,
                actor=getattr(people, role),
            ).secret
            for role in TOKEN_HOLDERS
        }


@pytest.fixture
def token(request, tokens, db):
    return tokens[request.param]


def _call_and_validate(case, token: str) -> None:
    # Every check but one: a schema-valid body may still be refused with a 400 by a rule no
    # schema states (a wrong password, the personal-data screen, a liaison of another
    # prefecture), which is the truth, not a defect.
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        base_url="http://testserver",
        excluded_checks=[positive_data_acceptance],
    )


HYPOTHESIS = {"deadline": None, "suppress_health_check": list(HealthCheck), "derandomize": True}


@fuzzed.parametrize()
@pytest.mark.parametrize("token", ROLES, indirect=True)
@settings(max_examples=EXAMPLES, **HYPOTHESIS)
def test_api_matches_its_schema(case, token):
    _call_and_validate(case, token)


def role_for(operation_label: str) -> str:
    """The role an operation's boundary cases are sent as: fixed for the operation, spread
    evenly over the three."""
    return ROLES[zlib.crc32(operation_label.encode()) % len(ROLES)]


@covered.parametrize()
@settings(**HYPOTHESIS)
def test_api_answers_boundary_and_negative_cases_as_its_schema_says(case, tokens, db):
    _call_and_validate(case, tokens[role_for(case.operation.label)])


def test_boundary_cases_are_sent_as_every_role():
    roles = {role_for(result.ok().label) for result in covered.get_all_operations()}
    assert roles == set(ROLES)


MAYOR_STEPS = {"sign", "send-back", "withdraw", "discard"}
PREFECTURE_STEPS = {
    "acknowledge",
    "assign",
    "take",
    "request-clarification",
    "decide",
    "record-delivery",
    "close",
    "extend",
    "notes",
}


def actor_for(case) -> str:
    """Who takes a step of the lifecycle: the commune drafts and clarifies, its mayor signs,
    the prefecture's liaison answers."""
    step = case.path.rstrip("/").rsplit("/", 1)[-1]
    if step in MAYOR_STEPS:
        return "mayor"
    if step in PREFECTURE_STEPS or case.path.startswith("/api/v1/audit/"):
        return "auditor_national" if case.path.startswith("/api/v1/audit/") else "liaison"
    return "legal_officer"


def test_the_lifecycle_followed_through_the_schemas_links(tokens, db):
    class Lifecycle(linked.as_state_machine()):
        """Each scenario starts from the same data and the same throttling counters: what the
        previous one wrote is rolled back, so Hypothesis can replay a scenario exactly."""

        def setup(self):
            super().setup()
            cache.clear()
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)
            super().teardown()

        def get_call_kwargs(self, case):
            return {
                "headers": {"Authorization": f"Token {tokens[actor_for(case)]}"},
                "base_url": "http://testserver",
            }

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                headers=kwargs.get("headers"),  # explicit, valid: the probes replace them
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Lifecycle.run(
        settings=settings(
            max_examples=EXAMPLES * 5, stateful_step_count=8, database=None, **HYPOTHESIS
        )
    )


def test_a_new_request_links_to_every_step_of_its_lifecycle():
    created = linked.raw_schema["paths"]["/api/v1/requests/"]["post"]["responses"]["201"]
    operation_ids = {link["operationId"] for link in created["links"].values()}
    assert {"v1_requests_sign_create", "v1_requests_decide_create"} <= operation_ids
    assert all(
        link["parameters"] == {"reference": "$response.body#/reference"}
        for link in created["links"].values()
    )
