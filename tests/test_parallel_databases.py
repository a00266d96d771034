"""A parallel run's test databases on PostgreSQL are copies of one template, migrated once for
the run and marked with its id (tests/postgresql_backend/creation.py)."""

import os

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's CREATE DATABASE … TEMPLATE"
    ),
    pytest.mark.skipif(
        not os.environ.get("PYTEST_XDIST_WORKER"), reason="the databases of a parallel run"
    ),
]


def test_each_process_works_on_a_fully_migrated_copy_of_this_runs_template(db):
    worker = os.environ["PYTEST_XDIST_WORKER"]
    name = connection.settings_dict["NAME"]
    assert name.endswith(f"_{worker}")
    template = name.removesuffix(f"_{worker}") + "_template"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [template],
        )
        # Built for this run: a template an earlier run left is built again, never reused.
        assert cursor.fetchone() == (os.environ["PYTEST_XDIST_TESTRUNUID"],)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
