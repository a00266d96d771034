-- Relais audit log: least privilege for the application role (PostgreSQL).
--
-- Run after `manage.py migrate`, as the role that owns the tables (the one migrations run
-- as), never as the application role:
--
--     psql "$OWNER_DATABASE_URL" -v app_role=relais_app -f sql/audit_grants.sql
--
-- Why: the append-only triggers refuse UPDATE, DELETE and TRUNCATE to everyone, but the
-- tables' owner can still ALTER TABLE ... DISABLE TRIGGER. The application (web nodes,
-- Celery workers) must therefore connect as a role that does NOT own the audit tables and
-- holds only INSERT and SELECT on them. What a table owner could still do in secret is what
-- the hash chain and the signed checkpoints detect (`manage.py audit_verify`).
--
-- The retention purge (`manage.py audit_purge`) disables the triggers for its own
-- transaction and so must run with the owner's DATABASE_URL. A redaction
-- (`manage.py audit_redact`) needs UPDATE on the events, which the application role does not
-- have: run it with a role granted that (the guard trigger still allows only the redaction of
-- a seq named in audit_redaction), or with the owner's DATABASE_URL.

\if :{?app_role}
\else
\set app_role relais_app
\endif

BEGIN;

-- The event and checkpoint tables: append and read, nothing else.
REVOKE ALL ON audit_auditevent, audit_auditcheckpoint FROM PUBLIC;
REVOKE ALL ON audit_auditevent, audit_auditcheckpoint FROM :"app_role";
GRANT SELECT, INSERT ON audit_auditevent, audit_auditcheckpoint TO :"app_role";

-- The chain head: one row, locked and moved forward by every append (no INSERT, no DELETE).
REVOKE ALL ON audit_chainhead FROM PUBLIC;
REVOKE ALL ON audit_chainhead FROM :"app_role";
GRANT SELECT, UPDATE ON audit_chainhead TO :"app_role";

-- Cosignatures and redactions: append-only like the checkpoints.
REVOKE ALL ON audit_cosignature, audit_redaction FROM PUBLIC;
REVOKE ALL ON audit_cosignature, audit_redaction FROM :"app_role";
GRANT SELECT, INSERT ON audit_cosignature, audit_redaction TO :"app_role";

-- The Merkle tree's stored subtrees: appended at each checkpoint (a tampered node only
-- breaks proofs, which verifiers check against the signed roots).
REVOKE ALL ON audit_merklenode FROM PUBLIC;
REVOKE ALL ON audit_merklenode FROM :"app_role";
GRANT SELECT, INSERT ON audit_merklenode TO :"app_role";

-- The events table's monthly partitions (audit/partitions.py): the beat task creates the
-- coming months through this function, which runs with the owner's rights and does nothing
-- else; the default partition is read to report events that fell into it. The partitions
-- themselves need no grant: reads and appends go through audit_auditevent.
GRANT EXECUTE ON FUNCTION audit_partition_create(date) TO :"app_role";
GRANT SELECT ON audit_auditevent_default TO :"app_role";

-- Exports are ordinary rows (status, progress), not part of the chain.
GRANT SELECT, INSERT, UPDATE ON audit_auditexport TO :"app_role";

COMMIT;
