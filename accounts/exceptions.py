"""Domain errors of accounts; views turn them into pages, never into a 500."""


class ProConnectRefused(Exception):
    """A ProConnect sign-in that binds to no account. `reason` is a short code kept in the audit
    log; `user` is the account it would have been, when one was found."""

    def __init__(self, reason: str, *, user=None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user = user


class MemberNotManaged(Exception):
    """The member, organisation or role is not one the actor manages (answered as 404)."""
