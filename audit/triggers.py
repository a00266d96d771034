"""Database triggers that make the audit tables append-only.

PostgreSQL: a row trigger refusing UPDATE and DELETE and a statement trigger refusing TRUNCATE,
both `ENABLE ALWAYS` so that `session_replication_role = replica` does not silence them. Only
the table owner can disable or drop them (ALTER TABLE); the application role must not own the
tables (sql/audit_grants.sql). SQLite: row triggers refusing UPDATE and DELETE (no TRUNCATE).
"""

APPEND_ONLY_TABLES = ("audit_auditevent", "audit_auditcheckpoint")
# Made append-only by later migrations (0005 and after), with `table_statements`.
LATER_APPEND_ONLY_TABLES = ("audit_cosignature",)

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def postgres_create(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_truncate",
    ]


def postgres_drop(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
    ]


def sqlite_create(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
        f"SELECT RAISE(ABORT, 'audit log is append-only: {op} on {table} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for op in ("update", "delete")]


def create_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [POSTGRES_FUNCTION] + [s for t in APPEND_ONLY_TABLES for s in postgres_create(t)]
    if vendor == "sqlite":
        return [s for t in APPEND_ONLY_TABLES for s in sqlite_create(t)]
    raise NotImplementedError(f"no append-only triggers for database vendor {vendor!r}")


def table_statements(vendor: str, table: str) -> list[str]:
    """The append-only triggers of one table (the PostgreSQL function exists since 0002)."""
    if vendor == "postgresql":
        return postgres_create(table)
    if vendor == "sqlite":
        return sqlite_create(table)
    raise NotImplementedError(f"no append-only triggers for database vendor {vendor!r}")


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [s for t in APPEND_ONLY_TABLES for s in postgres_drop(t)]
    if vendor == "sqlite":
        return [s for t in APPEND_ONLY_TABLES for s in sqlite_drop(t)]
    return []


def disable_statements(vendor: str, table: str) -> list[str]:
    """For the owner only, inside a transaction: purge, and tests that play the attacker."""
    if vendor == "postgresql":
        return [f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"]
    return sqlite_drop(table)


def enable_statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only"]
    return sqlite_create(table)


def execute(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
