"""The auditors' endpoints are documented in the OpenAPI schema without warnings."""

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator


@pytest.mark.urls("tests.audit.urls")
def test_audit_endpoints_are_documented():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf="tests.audit.urls").get_schema(request=None, public=True)
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/audit/events/",
        "/api/v1/audit/events/{seq}/proof/",
        "/api/v1/audit/exports/",
        "/api/v1/audit/exports/{export_id}/",
        "/api/v1/audit/exports/{export_id}/download/",
    }
    events = paths["/api/v1/audit/events/"]["get"]
    assert {p["name"] for p in events["parameters"]} >= {
        "date_from",
        "date_to",
        "user",
        "organization",
        "action",
        "reference",
    }
    assert "404" in events["responses"]
    assert "202" in paths["/api/v1/audit/exports/"]["post"]["responses"]
    assert "409" in paths["/api/v1/audit/exports/{export_id}/download/"]["get"]["responses"]
    assert not GENERATOR_STATS  # no warning, no error
