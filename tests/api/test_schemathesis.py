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
"""

import os
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.security_services import token_issue
from sharing.models import Status
from tests.conftest import People
from tests.factories import draft, request_in

EXAMPLES = int(os.environ.get("RELAIS_SCHEMATHESIS_EXAMPLES", "4"))
ROLES = ["legal_officer", "liaison", "auditor_national"]


def _schema(**phases: dict) -> schemathesis.BaseSchema:
    """Built from the code, as /api/schema/ serves it (pytest-django has set Django up by now);
    every call and probe goes through WSGI, in process."""
    loaded = schemathesis.openapi.from_dict(
        SchemaGenerator().get_schema(request=None, public=True),
        config=SchemathesisConfig.from_dict({"phases": phases}),
    )
    loaded.app = get_wsgi_application()
    return loaded


OFF = {"enabled": False}
fuzzed = _schema(coverage=OFF, stateful=OFF)
covered = _schema(examples=OFF, fuzzing=OFF, stateful=OFF)


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
            for role in ROLES
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
