"""The open requests' load, kept by the database: `OpenLoad` holds how many open requests each
prefecture has per holder, urgency and running due date, changed by triggers on the requests'
table in the same transaction as the change (a service's save, a queryset update, a bulk load,
a deletion: every write to the table goes through them).

The team page sums these rows instead of counting the prefecture's open requests: a few rows a
member and a due date, whatever the prefecture holds (at 500,000 requests in a prefecture, its
open requests were 100,000 rows read, each with its visibility, on every display of the page).

The triggers spell the running due date as `models.running_due_expression` does and the open
statuses as `models.OPEN_STATUSES`; `tests/sharing/test_open_load.py` checks the rows against a
count of the requests after each transition, on both databases.

PostgreSQL: one trigger per statement (its transition tables), which adds up the statement's
changes per key and applies them in key order with one upsert (a bulk load of a million
requests is one statement per batch, not a trigger per row); rows that fall to zero are
deleted, so the table holds the work in hand only. SQLite: a trigger per row.
"""

# ruff: noqa: S608 (statements built from this module's constants and the models' choices only)

from __future__ import annotations

from .models import OPEN_STATUSES, RESOLUTIONS_TO_DELIVER, Status, Urgency

TABLE = "sharing_openload"
SOURCE = "sharing_inforequest"
KEY = ("prefecture_id", "assigned_to_id", "urgent", "running_due")


def _quoted(values) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


def _running_due(row: str) -> str:
    """`running_due_expression` on a row of the requests' table (`row`: its alias)."""
    return (
        f"CASE WHEN {row}.status = '{Status.SUBMITTED}' THEN {row}.acknowledgement_due"
        f" WHEN {row}.status = '{Status.ACKNOWLEDGED}' THEN {row}.decision_due"
        f" WHEN {row}.status = '{Status.DECIDED}'"
        f" AND {row}.resolution IN ({_quoted(RESOLUTIONS_TO_DELIVER)})"
        f" THEN {row}.delivery_due ELSE NULL END"
    )


def _is_open(row: str) -> str:
    return f"{row}.status IN ({_quoted(OPEN_STATUSES)})"


def _key_of(row: str) -> str:
    return (
        f"{row}.prefecture_id, {row}.assigned_to_id, {row}.urgency = '{Urgency.URGENT}', "
        f"{_running_due(row)}"
    )


def backfill_sql() -> str:
    """The rows for the requests already in the table (the migration that adds the triggers,
    inside its transaction: the triggers' lock keeps writes out until it commits)."""
    return (
        f"INSERT INTO {TABLE} ({', '.join(KEY)}, n) "
        f"SELECT {_key_of('r')}, count(*) FROM {SOURCE} r WHERE {_is_open('r')} "
        "GROUP BY 1, 2, 3, 4"
    )


# PostgreSQL ----------------------------------------------------------------------------------

_SIGNED = {"old_rows": "-1", "new_rows": "1"}
_OPERATIONS = {"insert": ("new_rows",), "update": ("old_rows", "new_rows"), "delete": ("old_rows",)}


def _postgres_function(operation: str) -> str:
    changes = " UNION ALL ".join(
        f"SELECT {_key_of('r')}, {_SIGNED[table]} FROM {table} r WHERE {_is_open('r')}"
        for table in _OPERATIONS[operation]
    )
    key = ", ".join(KEY)
    return f"""
CREATE OR REPLACE FUNCTION {TABLE}_{operation}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    emptied bigint[];
BEGIN
    WITH changes ({key}, n) AS ({changes}),
    delta AS (
        SELECT {key}, sum(n) AS n FROM changes GROUP BY {key} HAVING sum(n) <> 0
    ),
    applied AS (
        INSERT INTO {TABLE} AS load ({key}, n)
        SELECT {key}, n FROM delta
        ORDER BY prefecture_id, assigned_to_id NULLS FIRST, urgent, running_due NULLS FIRST
        ON CONFLICT ({key}) DO UPDATE SET n = load.n + EXCLUDED.n
        RETURNING load.id, load.n
    )
    SELECT array_agg(id) INTO emptied FROM applied WHERE n <= 0;
    IF emptied IS NOT NULL THEN
        DELETE FROM {TABLE} WHERE id = ANY(emptied) AND n <= 0;
    END IF;
    RETURN NULL;
END
$$"""


def postgres_statements() -> list[str]:
    statements = [
        # NULLS NOT DISTINCT: the requests nobody holds, or whose clock is stopped, share a row.
        f"CREATE UNIQUE INDEX {TABLE}_key ON {TABLE} ({', '.join(KEY)}) NULLS NOT DISTINCT",
    ]
    for operation, tables in _OPERATIONS.items():
        referencing = " ".join(
            f"{'OLD' if table == 'old_rows' else 'NEW'} TABLE AS {table}" for table in tables
        )
        statements += [
            _postgres_function(operation),
            f"CREATE TRIGGER {TABLE}_{operation} AFTER {operation.upper()} ON {SOURCE} "
            f"REFERENCING {referencing} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {TABLE}_{operation}()",
        ]
    return statements


def postgres_drop_statements() -> list[str]:
    return [
        statement
        for operation in _OPERATIONS
        for statement in (
            f"DROP TRIGGER IF EXISTS {TABLE}_{operation} ON {SOURCE}",
            f"DROP FUNCTION IF EXISTS {TABLE}_{operation}()",
        )
    ]


# SQLite --------------------------------------------------------------------------------------


def _sqlite_same_key(row: str) -> str:
    return (
        f"prefecture_id = {row}.prefecture_id AND assigned_to_id IS {row}.assigned_to_id "
        f"AND urgent = ({row}.urgency = '{Urgency.URGENT}') "
        f"AND running_due IS ({_running_due(row)})"
    )


def _sqlite_add(row: str) -> list[str]:
    return [
        f"INSERT INTO {TABLE} ({', '.join(KEY)}, n) SELECT {_key_of(row)}, 0 "
        f"WHERE {_is_open(row)} AND NOT EXISTS "
        f"(SELECT 1 FROM {TABLE} WHERE {_sqlite_same_key(row)});",
        f"UPDATE {TABLE} SET n = n + 1 WHERE {_is_open(row)} AND {_sqlite_same_key(row)};",
    ]


def _sqlite_remove(row: str) -> list[str]:
    return [
        f"UPDATE {TABLE} SET n = n - 1 WHERE {_is_open(row)} AND {_sqlite_same_key(row)};",
        f"DELETE FROM {TABLE} WHERE n <= 0 AND {_sqlite_same_key(row)};",
    ]


def sqlite_statements() -> list[str]:
    bodies = {
        "insert": _sqlite_add("NEW"),
        "update": [*_sqlite_remove("OLD"), *_sqlite_add("NEW")],
        "delete": _sqlite_remove("OLD"),
    }
    return [
        f"CREATE INDEX {TABLE}_key ON {TABLE} ({', '.join(KEY)})",
        *(
            f"CREATE TRIGGER {TABLE}_{operation} AFTER {operation.upper()} ON {SOURCE} "
            f"FOR EACH ROW BEGIN {' '.join(body)} END"
            for operation, body in bodies.items()
        ),
    ]


def sqlite_drop_statements() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {TABLE}_{operation}" for operation in _OPERATIONS]


def create_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return postgres_statements()
    if vendor == "sqlite":
        return sqlite_statements()
    raise NotImplementedError(vendor)


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return postgres_drop_statements()
    if vendor == "sqlite":
        return sqlite_drop_statements()
    raise NotImplementedError(vendor)
