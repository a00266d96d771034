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
compiled once per shape, its stand-ins as many as the run's values."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class _Slot:
    name: str


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...]  # the statement's constants, and a `_Slot` for each run's value

    def values(self, **given: Any) -> list[Any]:
        return [given[p.name] if isinstance(p, _Slot) else p for p in self.params]


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
