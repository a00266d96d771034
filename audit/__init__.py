"""Tamper-evident audit log. Importing this package must not import Django (see audit.verifier)."""
