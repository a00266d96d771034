"""Database triggers that make the audit tables append-only.

PostgreSQL: a row trigger refusing UPDATE and DELETE and a statement trigger refusing TRUNCATE,
both `ENABLE ALWAYS` so that `session_replication_role = replica` does not silence them. Only
the table owner can disable or drop them (ALTER TABLE); the application role must not own the
tables (sql/audit_grants.sql). SQLite: row triggers refusing UPDATE and DELETE (no TRUNCATE).
"""

APPEND_ONLY_TABLES = ("audit_auditevent", "audit_auditcheckpoint")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


# Redaction (migration 0006): the one UPDATE allowed on an event blanks its personal fields,
# changes nothing else, and only for a seq that audit_redaction (append-only) names.
REDACTED_BLANK = {
    "actor_username": "''",
    "actor_roles": "'[]'",
    "ip": "''",
    "user_agent": "''",
    "request_id": "''",
    "details": "'{}'",
}
REDACTION_KEPT = (
    "seq", "prev_hash", "hash", "v", "occurred_at", "action", "outcome", "actor_is_staff",
    "target_type", "target_ref", "org_code", "departement_code", "scope",
)  # fmt: skip


def _same(column: str, vendor: str) -> str:
    """NEW.column equals OLD.column, NULL equal to NULL (never an unknown)."""
    if vendor == "postgresql":
        return f"NEW.{column} IS NOT DISTINCT FROM OLD.{column}"
    return f"NEW.{column} IS OLD.{column}"


def _redaction_condition(vendor: str, *, sequencing: bool = True) -> str:
    jsonb = "::jsonb" if vendor == "postgresql" else ""
    columns = ("id", *REDACTION_KEPT, "actor_id") if sequencing else (*REDACTION_KEPT, "actor_id")
    kept = [_same(c, vendor) for c in columns]
    blank = [
        f"NEW.{c} = {v}{jsonb if c in ('actor_roles', 'details') else ''}"
        for c, v in REDACTED_BLANK.items()
    ]
    exists = "EXISTS (SELECT 1 FROM audit_redaction r WHERE r.seq = OLD.seq)"
    return "(" + " AND ".join(["OLD.seq IS NOT NULL", exists, *kept, *blank]) + ")"


# Sequencing (migration 0008, docs/audit-format.md section 3.2): the other UPDATE allowed fills
# seq, prev_hash and hash of an event recorded without them, and changes nothing else.
SEQUENCED = ("seq", "prev_hash", "hash")
BODY_COLUMNS = (
    "id", "v", "occurred_at", "actor_id", "actor_username", "actor_is_staff", "actor_roles",
    "action", "outcome", "target_type", "target_ref", "org_code", "departement_code", "scope",
    "ip", "user_agent", "request_id", "details",
)  # fmt: skip


def _sequencing_condition(vendor: str) -> str:
    filled = [f"OLD.{c} IS NULL AND NEW.{c} IS NOT NULL" for c in SEQUENCED]
    shape = ["NEW.seq >= 1", "length(NEW.prev_hash) = 64", "length(NEW.hash) = 64"]
    kept = [_same(c, vendor) for c in BODY_COLUMNS]
    return "(" + " AND ".join([*filled, *shape, *kept]) + ")"


def _allowed_update(vendor: str, *, sequencing: bool) -> str:
    """sequencing=False: the guard of migrations 0006 and 0007, before events had an id."""
    if not sequencing:
        return _redaction_condition(vendor, sequencing=False)
    return f"({_redaction_condition(vendor)} OR {_sequencing_condition(vendor)})"


_REFUSE = (
    "    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME\n"
    "        USING ERRCODE = 'insufficient_privilege';\n"
)


def postgres_guard_function(*, sequencing: bool = True, fill_first: bool = True) -> str:
    """The guard's function. With sequencing, the two allowed UPDATEs are told apart by OLD.seq
    (NULL only before sequencing, never after a redaction), and the sequencer's fill, one per
    event, is tested alone: without a subquery, PL/pgSQL evaluates it as a simple expression,
    not through the executor as it does the redaction's test (its EXISTS). Tested together in
    one expression (fill_first=False: migrations 0008 and 0009), they cost about 65 µs of the
    sequencer's 110 per event in the backend. The same rows are allowed either way."""
    head = "CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    if not (sequencing and fill_first):
        allowed = _allowed_update("postgresql", sequencing=sequencing)
        return (
            f"{head}BEGIN\n"
            f"    IF TG_OP = 'UPDATE' AND coalesce({allowed}, false) THEN\n"
            "        RETURN NEW;\n"
            "    END IF;\n"
            f"{_REFUSE}END;\n$$"
        )
    return (
        f"{head}BEGIN\n"
        "    IF TG_OP = 'UPDATE' THEN\n"
        "        IF OLD.seq IS NULL THEN\n"
        f"            IF coalesce({_sequencing_condition('postgresql')}, false) THEN\n"
        "                RETURN NEW;\n"
        "            END IF;\n"
        f"        ELSIF coalesce({_redaction_condition('postgresql')}, false) THEN\n"
        "            RETURN NEW;\n"
        "        END IF;\n"
        "    END IF;\n"
        f"{_REFUSE}END;\n$$"
    )


def postgres_event_guard(*, sequencing: bool = True) -> list[str]:
    return [
        postgres_guard_function(sequencing=sequencing),
        "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
        "CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_guard()",
        "ALTER TABLE audit_auditevent ENABLE ALWAYS TRIGGER audit_auditevent_append_only",
    ]


def sqlite_event_guard(*, sequencing: bool = True) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
        "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
        f"WHEN NOT coalesce({_allowed_update('sqlite', sequencing=sequencing)}, 0) BEGIN "
        "SELECT RAISE(ABORT, 'audit log is append-only: UPDATE on audit_auditevent refused'); END",
    ]


def event_guard_statements(vendor: str, *, sequencing: bool = True) -> list[str]:
    if vendor == "postgresql":
        return postgres_event_guard(sequencing=sequencing)
    if vendor == "sqlite":
        return sqlite_event_guard(sequencing=sequencing)
    raise NotImplementedError(f"no append-only triggers for database vendor {vendor!r}")


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
    """At run time (every migration applied): the events table gets its redaction guard."""
    if vendor == "postgresql":
        return [f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only"]
    if table == "audit_auditevent":
        return [*sqlite_create(table)[1:], *sqlite_event_guard()]
    return sqlite_create(table)


def execute(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
