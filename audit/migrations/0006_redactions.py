"""Redaction of an event's personal fields, authorised by an auditor's request
(docs/audit-format.md, section 5.6): the append-only audit_redaction table keeps the body hash,
and the events table's guard allows exactly that one change for the seqs it names."""

from django.db import migrations, models

from audit import triggers

TIMESTAMP = {"postgresql": "timestamp with time zone", "sqlite": "datetime"}


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    vendor = connection.vendor
    triggers.execute(
        connection,
        [
            "CREATE TABLE audit_redaction (seq bigint NOT NULL PRIMARY KEY,"
            " body_hash varchar(64) NOT NULL, authorisation varchar(100) NOT NULL,"
            " auditor_id bigint NULL, auditor_username varchar(150) NOT NULL,"
            f" redacted_at {TIMESTAMP[vendor]} NOT NULL)",
            *triggers.table_statements(vendor, "audit_redaction"),
            *triggers.event_guard_statements(vendor, sequencing=False),
        ],
    )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    vendor = connection.vendor
    statements = ["DROP TABLE audit_redaction"]
    if vendor == "postgresql":
        statements += triggers.postgres_drop("audit_auditevent")[:1] + [
            triggers.postgres_create("audit_auditevent")[0],
            triggers.postgres_create("audit_auditevent")[2],
            "DROP FUNCTION IF EXISTS audit_event_guard()",
        ]
    else:
        statements += [
            "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
            triggers.sqlite_create("audit_auditevent")[0],
        ]
    triggers.execute(connection, statements)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_merkle_tree_and_cosignatures")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.CreateModel(
                    name="AuditRedaction",
                    fields=[
                        ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("body_hash", models.CharField(max_length=64)),
                        ("authorisation", models.CharField(max_length=100)),
                        ("auditor_id", models.BigIntegerField(blank=True, null=True)),
                        ("auditor_username", models.CharField(max_length=150)),
                        ("redacted_at", models.DateTimeField()),
                    ],
                    options={
                        "db_table": "audit_redaction",
                        "managed": False,
                        "ordering": ["seq"],
                    },
                ),
            ],
        ),
    ]
