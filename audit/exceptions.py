"""Audit domain errors."""


class AuditError(Exception):
    """Base class of audit errors."""


class AuditRecordRefused(AuditError, ValueError):
    """An action name, outcome or details that the audit log does not accept."""


class SigningKeyUnavailable(AuditError):
    """No signing key is configured, or it cannot be read."""


class SigningKeyMismatch(AuditError):
    """The configured key is not the chain's current key (rotated away, or never announced)."""
