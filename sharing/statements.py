"""Reads on every page or every request, compiled by the ORM once instead of at each run.

Building and compiling a queryset with its subqueries costs milliseconds; running the SQL it
gives, a tenth of one. `compile_once` takes a queryset built with stand-in values (integers no
id or constant of the statement takes, or a date none holds) where the values of each run go,
and keeps its SQL and parameters, each stand-in replaced by its name; `values` puts a run's
values back in those places. The SQL stays the ORM's own, so a change to the models or the
query shows in it. `kept_slots` does the same for SQL already compiled from several querysets.

A stand-in is matched by its type and value as the ORM passes it to the database: a date
stand-in is given as the backend adapts it (`connection.ops.adapt_datefield_value`), and so is
each run's date. A query whose shape depends on a value (the length of an `IN` list) is
compiled once per shape, its stand-ins as many as the run's values.

`compile_instances_once` does the same for a read of model instances (with the rows
`select_related` joins), and `instances` builds them from a run's rows as the ORM's own
iterable does: for a read that a detail makes on every request."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


@dataclass(frozen=True)
class _Slot:
    name: str


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...]  # the statement's constants, and a `_Slot` for each run's value

    def values(self, **given: Any) -> list[Any]:
        return [given[p.name] if isinstance(p, _Slot) else p for p in self.params]


def stand_in_ids(base: int, count: int, run: int) -> list[int]:
    """`count` negative integers no id or constant takes, from `base` on; each `run` (0, 1…)
    gives another set (for `compile_twice`)."""
    return [-base - 1000 * run - i for i in range(count)]


def compile_once(queryset: QuerySet, **stand_ins: Any) -> Statement:
    """The queryset's SQL and parameters, each stand-in (name=value) kept as that name."""
    sql, params = queryset.query.sql_with_params()
    return kept_slots(sql, params, stand_ins)


def kept_slots(
    sql: str, params: Any, stand_ins: dict[str, Any], *, every: bool = True
) -> Statement:
    """SQL and its parameters as a statement, each stand-in (name: value) kept as that name.
    `every=False` lets a stand-in be absent, for a caller whose query may leave a value out
    (and that checks otherwise that none turned into a constant)."""
    names = {(type(value), value): name for name, value in stand_ins.items()}
    if len(names) != len(stand_ins):
        raise AssertionError("two stand-ins share a value")

    def kept(param: Any) -> Any:
        try:
            name = names.get((type(param), param))
        except TypeError:  # unhashable: a constant of the statement, never a stand-in
            return param
        return param if name is None else _Slot(name)

    slotted = tuple(kept(param) for param in params)
    if every and {p.name for p in slotted if isinstance(p, _Slot)} != set(stand_ins):
        raise AssertionError("a stand-in is missing from the compiled statement")
    return Statement(sql, slotted)


def compile_twice(
    build: Callable[..., tuple[str, Any]], first: dict[str, Any], second: dict[str, Any]
) -> Statement:
    """The SQL and parameters `build(**stand_ins)` gives, compiled with two sets of stand-ins
    (name: value, the same names) and kept as a statement (`kept_slots`): the two must be the
    same, so that every value of a run is one of its parameters, never a constant of its SQL."""
    compiled = [kept_slots(*build(**stand_ins), stand_ins) for stand_ins in (first, second)]
    if compiled[0] != compiled[1]:
        raise AssertionError("a value of the run is a constant of the compiled statement")
    return compiled[0]


Built = TypeVar("Built")


def per_vendor(maxsize: int) -> Callable[[Callable[..., Built]], Callable[..., Built]]:
    """Keeps what `build(*shape)` makes (a statement compiled once, or several) for each
    database vendor and shape: called as `build(vendor, *shape)`. What it compiles is the
    same on every database of a vendor and differs from one vendor to another, so the vendor
    is the cache's key and nothing else of it."""

    def decorate(build: Callable[..., Built]) -> Callable[..., Built]:
        @lru_cache(maxsize=maxsize)
        @wraps(build)
        def kept(vendor: str, *shape: Any) -> Built:
            del vendor  # the cache's key only
            return build(*shape)

        return kept

    return decorate


@dataclass(frozen=True)
class InstancesRead:
    """A read of model instances compiled once: its statement, and the ORM's compiler of it,
    which knows which columns make which instance (its `select` and `klass_info`)."""

    statement: Statement
    compiler: Any
    converters: dict  # the backend's converters of its columns, by position


def compile_instances_once(
    build: Callable[..., QuerySet], first: dict[str, Any], second: dict[str, Any]
) -> InstancesRead:
    """The queryset `build(**stand_ins)` gives, compiled with two sets of stand-ins (name:
    value, the same names): the two statements must be the same, so that every value of a run
    is one of its parameters, never a constant of its SQL. Only a plain read of instances
    (with `select_related`) is kept: no annotation, no instances known beforehand."""
    compiled = []
    for stand_ins in (first, second):
        queryset = build(**stand_ins)
        if queryset.query.annotation_select or queryset._known_related_objects:
            raise ValueError("only a plain read of instances is compiled once")
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        compiled.append((kept_slots(sql, params, stand_ins), compiler))
    if compiled[0][0] != compiled[1][0]:
        raise AssertionError("a value of the run is a constant of the compiled statement")
    statement, compiler = compiled[0]
    columns = [column[0] for column in compiler.select[: compiler.col_count]]
    return InstancesRead(statement, compiler, compiler.get_converters(columns))


def instances(read: InstancesRead, *, using: str, **given: Any) -> list[Model]:
    """The instances a run of the read gives on the database `using` (of the vendor it was
    compiled for), with their related instances, built as Django's `ModelIterable` builds
    them (`from_db`, the related populators, after the backend's converters)."""
    compiler = read.compiler
    with connections[using].cursor() as cursor:
        cursor.execute(read.statement.sql, read.statement.values(**given))
        rows = cursor.fetchall()
    select, klass_info = compiler.select, compiler.klass_info
    model_fields = klass_info["select_fields"]
    start, end = model_fields[0], model_fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, using)
    found = []
    if read.converters:
        rows = compiler.apply_converters(rows, read.converters)
    for row in rows:
        instance = klass_info["model"].from_db(using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        found.append(instance)
    return found
