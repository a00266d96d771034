"""The test databases of a parallel run (pytest-xdist), migrated once and copied for each
process.

Each process used to create its database and run the 93 migrations into it, about 4 s of one
core each, at the same time as the other process did the same. Here the first process to ask
builds `<test database>_template` (migrated as Django migrates a test database), and every
process, the first included, gets its own database as a copy of it (PostgreSQL's CREATE
DATABASE … TEMPLATE, a file copy: a fraction of a second). An advisory lock makes the second
process wait while the first builds. The template is marked with a digest of what the migrated
schema is made of (`schema_digest`: the project's code, which holds the migrations and what
they import, its SQL files, the locked dependencies, the Python version), so that a later run of
the same code takes it as it is and any change to that code builds it again; the other process
waited for the whole build, about 7 s of the run. Outside a parallel run, or with --reuse-db,
Django's own creation, unchanged.
"""

import hashlib
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db.backends.postgresql import creation

# What the migrated schema is made of: the project's code (the migrations and whatever they
# import) and its SQL files; the tests and the documents change nothing in it.
SCHEMA_SOURCES = ("accounts", "audit", "config", "ops", "sharing", "witness", "sql")


def schema_digest() -> str:
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256(sys.version.encode() + (root / "uv.lock").read_bytes())
    files = sorted(
        path
        for top in SCHEMA_SOURCES
        for path in (root / top).rglob("*")
        if path.suffix in {".py", ".sql"} and "__pycache__" not in path.parts
    )
    for path in files:
        digest.update(f"\0{path.relative_to(root)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


class DatabaseCreation(creation.DatabaseCreation):
    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        name = self._get_test_db_name()
        if not worker or keepdb or not name.endswith(f"_{worker}"):
            return super().create_test_db(verbosity, autoclobber, serialize, keepdb)
        template = name.removesuffix(f"_{worker}") + "_template"
        if verbosity >= 1:
            self.log(f"Copying test database {template} for alias {self.connection.alias!r}...")
        quote = self.connection.ops.quote_name
        with self._nodb_cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
            try:
                cursor.execute(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                    " WHERE datname = %s",
                    [template],
                )
                row = cursor.fetchone()
                digest = schema_digest()
                if row is None or row[0] != digest:
                    self._build_template(template, digest, verbosity)
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
                cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
            finally:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
        self.connection.close()
        settings.DATABASES[self.connection.alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        if serialize:
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        call_command("createcachetable", database=self.connection.alias)
        self.connection.ensure_connection()
        return name

    def _build_template(self, template: str, digest: str, verbosity: int) -> None:
        """Django's creation of a test database, under the template's name, marked with the
        schema's digest once migrated; left with no connection open (a template must have
        none)."""
        test = self.connection.settings_dict["TEST"]
        kept = test.get("NAME")
        test["NAME"] = template
        try:
            super().create_test_db(verbosity, autoclobber=True, serialize=False, keepdb=False)
        finally:
            test["NAME"] = kept
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"COMMENT ON DATABASE {self.connection.ops.quote_name(template)} IS %s", [digest]
            )
        self.connection.close()
