"""Domain errors; the API layer maps them to HTTP answers."""


class RelaisError(Exception):
    """Base of domain errors."""


class TransitionNotAllowed(RelaisError):
    """The transition table forbids this action from the request's current status."""

    def __init__(self, *, action: str, status: str, detail: str = "") -> None:
        self.action = action
        self.status = status
        super().__init__(detail or f"'{action}' is not allowed while the request is '{status}'.")


class ActionNotAllowed(RelaisError):
    """The actor holds no permission for this action on this request."""

    def __init__(self, *, action: str) -> None:
        self.action = action
        super().__init__(f"You may not perform '{action}' on this request.")


class InvalidInput(RelaisError):
    """Input that breaks a domain rule, keyed by field name like a form error."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in errors.items()))


class PersonalDataRefused(RelaisError):
    """Free text carried personal identifiers; the message names the field and the kinds only.

    The offending value is deliberately not kept on the exception: it would otherwise travel
    into logs, error reports and API answers, which is exactly what the screen prevents.
    """

    def __init__(self, *, field: str, kinds: list[str], labels: list[str] | None = None) -> None:
        self.field = field
        self.kinds = list(kinds)
        described = ", ".join(labels or self.kinds)
        super().__init__(
            f"{field}: refused, contains personal data ({described}); "
            "describe the request without identifying anyone"
        )


class FiltersRefused(InvalidInput):
    """Filters or search terms carried personal identifiers: a field error for each, naming
    the kinds found, never the value; `kinds` ({field: [kind, …]}) is what may be recorded."""

    def __init__(self, refusals: list[PersonalDataRefused]) -> None:
        self.kinds = {refusal.field: list(refusal.kinds) for refusal in refusals}
        super().__init__({refusal.field: str(refusal) for refusal in refusals})
