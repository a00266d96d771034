"""bench/audit_bench.py --pgbench measures the statement the application sends: its pgbench script
holds the INSERT audit_record sends on PostgreSQL, placeholder for placeholder, with a value the
events table accepts for each (PostgreSQL: on SQLite audit_record sequences at once, with
another statement, and pgbench is PostgreSQL's)."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.db import connection

from audit.models import AuditEvent
from audit.services import audit_record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the unsequenced INSERT and pgbench are PostgreSQL's; SQLite sequences at once",
    ),
]

# A pgbench variable (":name"), not a cast ("::jsonb").
VARIABLE = re.compile(r"(?<!:):([a-z_]+)")


def bench_module():
    """bench/audit_bench.py (a script, not a package), registered as its dataclasses need."""
    if "audit_bench" not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "bench" / "audit_bench.py"
        spec = importlib.util.spec_from_file_location("audit_bench", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["audit_bench"] = module
        spec.loader.exec_module(module)
    return sys.modules["audit_bench"]


def sent_by_audit_record() -> list[str]:
    """The statements Django's cursor receives while audit_record records one event."""
    sent: list[str] = []

    def capture(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        audit_record(actor=None, action="request.viewed", details={"via": "api"})
    return sent


def script_insert(script: str) -> str:
    (insert,) = [line for line in script.splitlines() if line.startswith("INSERT INTO ")]
    return insert.removesuffix(";")


def test_pgbench_script_sends_the_insert_audit_record_sends():
    bench = bench_module()
    script, _ = bench.pgbench_script(bench.append_statement())
    assert [VARIABLE.sub("%s", script_insert(script))] == sent_by_audit_record()


def test_pgbench_plain_script_differs_by_its_table_alone():
    bench = bench_module()
    statement = bench.append_statement()
    events, _ = bench.pgbench_script(statement)
    plain, _ = bench.pgbench_script(statement, table="bench_plain_event")
    assert plain == events.replace("INTO audit_auditevent ", "INTO bench_plain_event ")
    assert plain != events


def test_pgbench_script_values_are_accepted_by_the_events_table():
    bench = bench_module()
    script, defines = bench.pgbench_script(bench.append_statement())
    insert = script_insert(script)
    names = VARIABLE.findall(insert)
    randoms = re.findall(r"^\\set (\w+) random\(", script, re.MULTILINE)
    assert set(names) == set(defines) | set(randoms), "each variable is defined once"
    assert not set(defines) & set(randoms)
    values = {**defines, **{name: "12345" for name in randoms}}
    with connection.cursor() as cursor:
        cursor.execute(VARIABLE.sub("%s", insert), [values[name] for name in names])
        event_id = cursor.fetchone()[0]
    event = AuditEvent.objects.get(id=event_id)
    assert (event.seq, event.action, event.target_ref) == (None, "request.viewed", "12345")
    assert event.details == {"via": "pgbench"}
