"""Reads compiled once (`sharing.statements`): the detail's read of a request by reference."""

from unittest import mock

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404

from sharing.models import InfoRequest, Status
from sharing.permissions import get_request_for
from sharing.selectors import SHOWN_WITH
from sharing.statements import compile_instances_once, compile_twice, instances, per_vendor
from tests.factories import draft, request_in

pytestmark = pytest.mark.django_db


def _state(instance) -> dict:
    """An instance's field values, as read from the database."""
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_get_request_for_gives_the_request_the_orm_reads_with_what_its_detail_shows(
    people, orgs, django_assert_num_queries
):
    assigned = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    assigned.assigned_to = people.liaison
    assigned.save(update_fields=["assigned_to"])
    for info_request in (assigned, draft(orgs.montelimar)):
        found = get_request_for(user=people.mayor, reference=info_request.reference)
        expected = InfoRequest.objects.select_related(*SHOWN_WITH).get(pk=info_request.pk)
        assert type(found) is InfoRequest
        assert _state(found) == _state(expected)
        assert not found._state.adding
        assert found._state.db == "default"
        with django_assert_num_queries(0):  # read with it, not afterwards
            related = {name: getattr(found, name) for name in SHOWN_WITH}
        for name, instance in related.items():
            other = getattr(expected, name)
            assert (instance is None) == (other is None), name
            if instance is not None:
                assert _state(instance) == _state(other), name


def test_get_request_for_compiles_no_query_once_its_statements_are_compiled(people, orgs):
    first, second = (request_in(Status.SUBMITTED, orgs.montelimar) for _ in range(2))
    get_request_for(user=people.liaison, reference=first.reference)
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True) as compiling:
        found = get_request_for(user=people.liaison, reference=second.reference)
        with pytest.raises(Http404):
            get_request_for(user=people.liaison, reference="26198-2026-9999")
    assert found.pk == second.pk
    assert compiling.call_count == 0


def test_a_compiled_read_refuses_a_value_that_became_a_constant(orgs):
    def prefix_too(reference: str):
        # The second value turns into a constant of its own ("…%"): no single statement
        # serves every run.
        return InfoRequest.objects.filter(reference=reference, purpose__startswith=reference)

    with pytest.raises(AssertionError):
        compile_instances_once(prefix_too, {"reference": "stand-in 1"}, {"reference": "stand-in 2"})


def test_a_compiled_read_refuses_a_stand_in_it_does_not_read(orgs):
    def fixed(reference: str):
        return InfoRequest.objects.filter(reference="26198-2026-0001")

    with pytest.raises(AssertionError):
        compile_instances_once(fixed, {"reference": "stand-in 1"}, {"reference": "stand-in 2"})


def test_a_compiled_read_keeps_only_plain_reads_of_instances(orgs):
    def annotated(reference: str):
        return InfoRequest.objects.filter(reference=reference).annotate(one=Value(1))

    with pytest.raises(ValueError, match="plain read"):
        compile_instances_once(annotated, {"reference": "stand-in 1"}, {"reference": "stand-in 2"})


def test_a_compiled_read_gives_every_row_of_each_run(orgs):
    requests = [request_in(Status.SUBMITTED, orgs.montelimar) for _ in range(3)]

    def of_commune(commune: int):
        return InfoRequest.objects.select_related("commune").filter(commune_id=commune)

    read = compile_instances_once(of_commune, {"commune": -1001}, {"commune": -1002})
    found = instances(read, using=connection.alias, commune=orgs.montelimar.pk)
    assert sorted(row.pk for row in found) == sorted(row.pk for row in requests)
    assert {row.commune.code for row in found} == {"26198"}
    assert instances(read, using=connection.alias, commune=orgs.valence.pk) == []


def test_a_statement_compiled_twice_runs_with_each_runs_values(orgs):
    requests = [request_in(Status.SUBMITTED, orgs.montelimar) for _ in range(2)]

    def count(commune: int):
        return InfoRequest.objects.filter(commune_id=commune).values("pk").query.sql_with_params()

    statement = compile_twice(count, {"commune": -1001}, {"commune": -1002})
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.values(commune=orgs.montelimar.pk))
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(r.pk for r in requests)


def test_a_statement_compiled_twice_refuses_a_value_that_became_a_constant(orgs):
    def prefix_too(reference: str):
        rows = InfoRequest.objects.filter(reference=reference, purpose__startswith=reference)
        return rows.values("pk").query.sql_with_params()

    with pytest.raises(AssertionError, match="constant"):
        compile_twice(prefix_too, {"reference": "stand-in 1"}, {"reference": "stand-in 2"})


def test_per_vendor_builds_once_per_vendor_and_shape():
    built = []

    @per_vendor(maxsize=8)
    def statement(size: int) -> str:
        """What it builds."""
        built.append(size)
        return f"statement of {size}"

    assert statement("postgresql", 2) == "statement of 2"
    assert statement("postgresql", 2) == "statement of 2"
    assert statement("postgresql", 3) == "statement of 3"
    assert statement("sqlite", 2) == "statement of 2"
    assert built == [2, 3, 2]  # once per vendor and shape
    assert statement.__doc__ == "What it builds."
