"""What each role may do to a request, in which status: the one table.

Every action is one `Rule`: who may take it (a named predicate on the actor's roles towards
this request) and when (the statuses it starts from, and named predicates on the request).
The services refuse through `check`, the web offers what `allowed_actions` lists, and the API
publishes the same list (`allowed_actions` on a request). Small predicates, combined with `&`
and `|`, in the spirit of MuckRock's `rules`.

Two refusals, as everywhere in Relais: an actor who may never take the action on this request
is `ActionNotAllowed` (answered as not found); an actor who may, but not in the request's
current status, is `TransitionNotAllowed` (409). A repeat that finds the action already done
(`already_done`) is harmless: the services return quietly instead of refusing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from accounts.models import Role, User

from .delegations import delegation_in_force
from .exceptions import ActionNotAllowed, TransitionNotAllowed
from .models import RESOLUTIONS_TO_DELIVER, TRANSITIONS, InfoRequest, Status
from .permissions import (
    ASSIGN,
    CHANGE,
    DRAFT,
    NOTES,
    PERMS_BY_ROLE,
    SIGN,
    VIEW,
    WORK,
    perms_on,
)

# --- predicates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Predicate:
    """A named yes/no question, about the actor (`Facts`) or about the request alone
    (`InfoRequest`); `a & b`, `a | b` and `~a` make new ones."""

    name: str
    test: Callable[[Any], bool]
    # For a predicate on the actor: the roles it admits, as the API documents them.
    roles: tuple[str, ...] = ()

    def __call__(self, subject: Any) -> bool:
        return self.test(subject)

    def __and__(self, other: Predicate) -> Predicate:
        return Predicate(f"({self.name} & {other.name})", lambda f: self(f) and other(f))

    def __or__(self, other: Predicate) -> Predicate:
        # Either admits: the roles of both, for the API's documentation.
        roles = tuple(sorted({*self.roles, *other.roles}))
        return Predicate(f"({self.name} | {other.name})", lambda f: self(f) or other(f), roles)

    def __invert__(self) -> Predicate:
        return Predicate(f"~{self.name}", lambda f: not self(f))


@dataclass(frozen=True)
class Facts:
    """What the predicates read: the actor's permissions on this request, read once."""

    user: User
    info_request: InfoRequest
    perms: frozenset[str]

    @cached_property
    def signature_delegation(self):
        """The delegation of signature the actor holds for the request's commune today, read
        once, and only of a member of that commune."""
        if not (self.user.is_active and DRAFT in self.perms):
            return None
        return delegation_in_force(user=self.user, commune_id=self.info_request.commune_id)


def _holds(perm: str, name: str) -> Predicate:
    # The request's permissions are granted to its commune's role groups when it is drafted
    # and to its prefecture's when it is signed (services.drafting._grant_to_organisation_groups):
    # holding one is being that role in this request's own commune or prefecture.
    roles = tuple(sorted(role for role, perms in PERMS_BY_ROLE.items() if perm in perms))
    return Predicate(name, lambda f: f.user.is_active and perm in f.perms, roles)


# Who: a role towards this request, never towards requests in general.
sees_it = _holds(VIEW, "sees_it")
commune_author = _holds(CHANGE, "commune_author")  # a legal officer or the mayor of its commune
commune_drafter = _holds(DRAFT, "commune_drafter")  # the same two, answering for the commune
commune_mayor = _holds(SIGN, "commune_mayor")
prefecture_worker = _holds(WORK, "prefecture_worker")  # a liaison or admin of its prefecture
prefecture_admin = _holds(ASSIGN, "prefecture_admin")
reads_notes = _holds(NOTES, "reads_notes")  # the prefecture's side only
# A member of the commune to whom its mayor delegated signature, within the delegation's period
# (sharing.delegations): signs "pour le maire et par délégation".
holds_signature_delegation = Predicate(
    "holds_signature_delegation",
    lambda f: f.signature_delegation is not None,
    (Role.LEGAL_OFFICER.value,),
)
signer = commune_mayor | holds_signature_delegation
drafted_it = Predicate("drafted_it", lambda f: f.info_request.created_by_id == f.user.pk)
# The mayor gives up any draft of the commune; a legal officer only the drafts they wrote.
discards_it = Predicate(
    "(commune_mayor | (commune_author & drafted_it))",
    lambda f: commune_mayor(f) or (commune_author(f) and drafted_it(f)),
    commune_author.roles,
)


# When: what the request itself must be like, beyond its status.
has_answer_to_deliver = Predicate(
    "has_answer_to_deliver", lambda r: r.resolution in RESOLUTIONS_TO_DELIVER
)
delivered = Predicate("delivered", lambda r: r.status == Status.DELIVERED)
# A decided request waits for its delivery date only when there is something to deliver.
has_running_deadline = Predicate(
    "has_running_deadline",
    lambda r: r.status != Status.DECIDED or r.delivery_due is not None,
)
always = Predicate("always", lambda _subject: True)
holds_it = Predicate("holds_it", lambda f: f.info_request.assigned_to_id == f.user.pk)


# --- the table ------------------------------------------------------------------------------

ALL_STATUSES = frozenset(Status)
# A liaison takes the request over while it is being worked on; once the answer is delivered
# (or the request closed or withdrawn) there is no work left to give anyone.
ASSIGNABLE = frozenset(
    {Status.SUBMITTED, Status.ACKNOWLEDGED, Status.CLARIFICATION_REQUESTED, Status.DECIDED}
)
# The deadline each status waits for, which `extend` moves.
EXTENDABLE: dict[str, str] = {
    Status.SUBMITTED: "acknowledgement_due",
    Status.ACKNOWLEDGED: "decision_due",
    Status.DECIDED: "delivery_due",
}
STILL_ALIVE = ALL_STATUSES - {Status.CLOSED, Status.WITHDRAWN, Status.DISCARDED}


@dataclass(frozen=True)
class Rule:
    """Who may take an action, from which statuses, and under which extra conditions."""

    who: Predicate
    statuses: frozenset[str]
    when: Predicate = always
    # The status a successful action leads to, where a repeat finding it there is harmless.
    repeat_target: str | None = None
    # On the actor's facts: the action is already done for them (a request they hold already,
    # for "take"); not offered, and the service returns quietly.
    done_for: Predicate | None = None
    detail: str = field(default="", compare=False)


def _transition(
    action: str, who: Predicate, *, when: Predicate = always, repeat: bool = True
) -> Rule:
    sources, target = TRANSITIONS[action]
    return Rule(who=who, statuses=sources, when=when, repeat_target=target if repeat else None)


RULES: dict[str, Rule] = {
    "update": Rule(commune_author, frozenset({Status.DRAFT}), detail="Only a draft can be edited."),
    "sign": _transition("sign", signer),
    "send_back": _transition("send_back", signer, repeat=False),
    "withdraw": _transition("withdraw", commune_mayor),
    "discard": Rule(
        discards_it,
        TRANSITIONS["discard"][0],
        repeat_target=TRANSITIONS["discard"][1],
        detail="Only a draft can be discarded; a signed request is withdrawn.",
    ),
    # Clarify leads back to acknowledged, also reached otherwise: a repeat is a mistake.
    "clarify": _transition("clarify", commune_drafter, repeat=False),
    "acknowledge": _transition("acknowledge", prefecture_worker),
    "assign": Rule(prefecture_admin, ASSIGNABLE),
    # A liaison (or the admin) takes the request for themselves, in one click.
    "take": Rule(prefecture_worker, ASSIGNABLE, done_for=holds_it),
    "request_clarification": _transition("request_clarification", prefecture_worker),
    "decide": _transition("decide", prefecture_worker),
    "record_delivery": Rule(
        prefecture_worker,
        TRANSITIONS["record_delivery"][0],
        when=has_answer_to_deliver,
        repeat_target=TRANSITIONS["record_delivery"][1],
        detail="Only a granted or partially granted request has an answer to deliver.",
    ),
    "close": Rule(
        prefecture_worker,
        TRANSITIONS["close"][0],
        when=delivered | ~has_answer_to_deliver,
        repeat_target=TRANSITIONS["close"][1],
        detail="A granted request closes once its delivery is recorded.",
    ),
    "extend": Rule(prefecture_worker, frozenset(EXTENDABLE), when=has_running_deadline),
    "add_note": Rule(reads_notes, ALL_STATUSES),
    "remind": Rule(sees_it, STILL_ALIVE),
}

ACTIONS: tuple[str, ...] = tuple(RULES)


def describe(action: str) -> str:
    """The rule in words, for the API's documentation."""
    rule = RULES[action]

    def codes(values: Iterable[str]) -> str:
        return ", ".join(f"`{value}`" for value in values)

    text = (
        f"Who: the request's own {codes(rule.who.roles)} (`{rule.who.name}`). "
        f"In status: {codes(status for status in Status if status in rule.statuses)}."
    )
    if "|" in rule.who.name:
        text += f" Who precisely: `{rule.who.name}`."
    if rule.when is not always:
        text += f" Only when: `{rule.when.name}`."
    if rule.done_for is not None:
        text += f" Not offered, and a quiet repeat, when: `{rule.done_for.name}`."
    return text + " The request's `allowed_actions` says whether you may now."


# --- asking the table -------------------------------------------------------------------------


def facts_for(user: User, info_request: InfoRequest, perms: Iterable[str] | None = None) -> Facts:
    """The facts the predicates read; `perms` when the caller already read them."""
    if perms is None:
        perms = perms_on(user, info_request)
    return Facts(user=user, info_request=info_request, perms=frozenset(perms))


def permitted(action: str, facts: Facts) -> bool:
    """Whether the actor's role towards this request lets them take the action at all."""
    return RULES[action].who(facts)


def possible(action: str, info_request: InfoRequest) -> bool:
    """Whether the request's status and state let the action be taken now, by whoever may."""
    rule = RULES[action]
    return info_request.status in rule.statuses and rule.when(info_request)


def already_done(action: str, info_request: InfoRequest) -> bool:
    """A repeat that finds the request where the action leads: harmless, nothing to do."""
    target = RULES[action].repeat_target
    return target is not None and info_request.status == target


def allows(
    user: User, action: str, info_request: InfoRequest, *, facts: Facts | None = None
) -> bool:
    """Whether this user may take this action on this request now. The status first: it reads
    the request alone, where who may act can read the database (a legal officer's delegation
    of signature, which only a draft's signature needs)."""
    facts = facts or facts_for(user, info_request)
    done_for = RULES[action].done_for
    return (
        possible(action, info_request)
        and permitted(action, facts)
        and not (done_for is not None and done_for(facts))
    )


def allowed_actions(
    user: User, info_request: InfoRequest, perms: Iterable[str] | None = None
) -> list[str]:
    """The actions this user may take on this request now, in the table's order."""
    facts = facts_for(user, info_request, perms)
    return [action for action in RULES if allows(user, action, info_request, facts=facts)]


def ensure_permitted(actor: User, action: str, info_request: InfoRequest) -> None:
    """Raises ActionNotAllowed unless the actor's role lets them take the action here."""
    if not permitted(action, facts_for(actor, info_request)):
        raise ActionNotAllowed(action=action)


def ensure_possible(action: str, info_request: InfoRequest) -> None:
    """Raises TransitionNotAllowed unless the request's status and state allow the action."""
    if not possible(action, info_request):
        raise TransitionNotAllowed(
            action=action, status=info_request.status, detail=RULES[action].detail
        )


def check(actor: User, action: str, info_request: InfoRequest) -> None:
    """The services' one refusal: not allowed (ActionNotAllowed), then not now (409)."""
    ensure_permitted(actor, action, info_request)
    ensure_possible(action, info_request)
