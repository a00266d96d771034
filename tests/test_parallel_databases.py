"""A parallel run's test databases on PostgreSQL are copies of one template, migrated once for
the code it is made of and marked with that code's digest (tests/postgresql_backend/creation.py)."""

import os

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.postgresql_backend.creation import schema_digest

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's CREATE DATABASE … TEMPLATE"
    ),
    pytest.mark.skipif(
        not os.environ.get("PYTEST_XDIST_WORKER"), reason="the databases of a parallel run"
    ),
]


def test_each_process_works_on_a_fully_migrated_copy_of_the_template_of_this_code(db):
    worker = os.environ["PYTEST_XDIST_WORKER"]
    name = connection.settings_dict["NAME"]
    assert name.endswith(f"_{worker}")
    template = name.removesuffix(f"_{worker}") + "_template"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [template],
        )
        # Built from this code: a template an earlier run left is taken only if it was too.
        assert cursor.fetchone() == (schema_digest(),)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_the_digest_changes_with_the_code_of_the_schema(settings, tmp_path):
    for top in ("sql", "sharing/migrations"):
        (tmp_path / top).mkdir(parents=True)
    (tmp_path / "uv.lock").write_text("locked\n")
    (tmp_path / "sharing" / "migrations" / "0001_initial.py").write_text("operations = []\n")
    settings.BASE_DIR = tmp_path
    first = schema_digest()
    (tmp_path / "sharing" / "migrations" / "0002_more.py").write_text("operations = []\n")
    second = schema_digest()
    (tmp_path / "sql" / "grants.sql").write_text("GRANT SELECT ON t TO r;\n")
    third = schema_digest()
    (tmp_path / "uv.lock").write_text("locked again\n")
    assert len({first, second, third, schema_digest()}) == 4
