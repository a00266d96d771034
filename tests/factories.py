"""Test data built through the real code paths.

Organisations and users are plain rows; memberships go through
`accounts.services.membership_create` so that role groups exist exactly as in production;
requests reach a status only by running the lifecycle services, never by setting `status`.
Categories and legal bases are seeded by a data migration: fetch them by `code`.
"""

import functools
from datetime import date

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Membership, Organization, OrgKind, Role, User
from accounts.services import membership_create
from sharing.models import (
    Category,
    DeliveryChannel,
    InfoRequest,
    LegalBasis,
    ReasonCode,
    Resolution,
    Status,
)
from sharing.services.clarification import info_request_request_clarification
from sharing.services.drafting import (
    info_request_create,
    info_request_discard,
    info_request_sign,
    info_request_withdraw,
)
from sharing.services.handling import (
    info_request_acknowledge,
    info_request_close,
    info_request_decide,
    info_request_record_delivery,
)

PASSWORD = "pw-for-tests-only"

# A purpose a mayor would really write, and that the personal-data screen accepts.
PURPOSE = (
    "Point de situation sur l'état de la menace dans la commune avant la réunion du CLSPD "
    "de mars, conformément à l'instruction du 13 novembre 2018."
)


class PrefectureFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("kind", "code")

    kind = OrgKind.PREFECTURE
    code = "26"
    name = factory.LazyAttribute(lambda o: f"Préfecture ({o.code})")
    departement_code = factory.LazyAttribute(lambda o: o.code)


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("kind", "code")

    kind = OrgKind.COMMUNE
    prefecture = factory.SubFactory(PrefectureFactory)
    name = factory.LazyAttribute(lambda o: f"Commune {o.code}")
    departement_code = factory.LazyAttribute(lambda o: o.prefecture.departement_code)

    @factory.lazy_attribute_sequence
    def code(self, n):
        # INSEE codes of the prefecture's département: 26001, 26002, …
        return f"{self.prefecture.departement_code}{(n % 999) + 1:03d}"


class OversightFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("kind", "code")

    kind = OrgKind.OVERSIGHT
    code = "igrs-national"
    name = "Inspection générale (portée nationale)"
    departement_code = ""


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@relais.test")
    password = factory.django.Password(PASSWORD)
    language = "fr"


def member(organization: Organization, role: str, *, username: str | None = None, **extra) -> User:
    """A user holding `role` in `organization`, through the membership service (groups set)."""
    user = UserFactory(username=username or f"{role}-{organization.code}", **extra)
    membership_create(user=user, organization=organization, role=role, actor=None)
    return user


def _holder(organization: Organization, role: str) -> User:
    """Someone already holding the role there, or `<role>-<code>` made to hold it (the same
    user the `people` fixture names, so that both agree on who is who)."""
    membership = (
        Membership.objects.filter(organization=organization, role=role, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.user
    return member(organization, role)


def category(code: str = "general-threat-briefing") -> Category:
    return Category.objects.get(code=code)


def legal_basis(code: str = "instruction-intk1826096j") -> LegalBasis:
    return LegalBasis.objects.get(code=code)


def draft(
    commune: Organization,
    *,
    actor: User | None = None,
    purpose: str = PURPOSE,
    category_code: str = "general-threat-briefing",
    legal_basis_code: str = "instruction-intk1826096j",
    urgency: str = "normal",
    secure_channel_ref: str = "",
) -> InfoRequest:
    return info_request_create(
        actor=actor or _holder(commune, Role.LEGAL_OFFICER),
        commune=commune,
        category=category(category_code),
        legal_basis=legal_basis(legal_basis_code),
        purpose=purpose,
        urgency=urgency,
        secure_channel_ref=secure_channel_ref,
    )


# The path the lifecycle takes to each status; withdrawn is reached from a draft.
_PATH = [
    Status.DRAFT,
    Status.SUBMITTED,
    Status.ACKNOWLEDGED,
    Status.CLARIFICATION_REQUESTED,
    Status.DECIDED,
    Status.DELIVERED,
    Status.CLOSED,
]


def request_in(
    status: str,
    commune: Organization,
    *,
    resolution: str = Resolution.GRANTED,
    withdrawn_from: str = Status.SUBMITTED,
    **draft_options,
) -> InfoRequest:
    """A request of `commune` driven through the real services until it is in `status`.

    `resolution` chooses the decision for decided/delivered/closed; a refused or redirected
    request goes from decided straight to closed (and cannot be in `delivered`). A withdrawn
    request is withdrawn from `withdrawn_from` (by default once signed, so that both sides
    know it; withdrawn from a draft, it never reached the prefecture).
    """
    if status == Status.DISCARDED:
        return info_request_discard(
            info_request=draft(commune, **draft_options), actor=_holder(commune, Role.MAYOR)
        )
    if status == Status.WITHDRAWN:
        return info_request_withdraw(
            info_request=request_in(withdrawn_from, commune, **draft_options),
            actor=_holder(commune, Role.MAYOR),
            reason="La commune a obtenu l'information en séance du CLSPD.",
        )
    info_request = draft(commune, **draft_options)
    target = _PATH.index(status)

    # Who signs and who handles, looked up once for the whole walk.
    @functools.cache
    def mayor():
        return _holder(commune, Role.MAYOR)

    @functools.cache
    def liaison():
        return _holder(commune.prefecture, Role.LIAISON)

    steps = {
        Status.SUBMITTED: lambda r: info_request_sign(info_request=r, actor=mayor()),
        Status.ACKNOWLEDGED: lambda r: info_request_acknowledge(info_request=r, actor=liaison()),
        Status.CLARIFICATION_REQUESTED: lambda r: info_request_request_clarification(
            info_request=r,
            actor=liaison(),
            message="Merci de préciser le périmètre géographique de la demande.",
        ),
        Status.DECIDED: lambda r: info_request_decide(
            info_request=r,
            actor=liaison(),
            resolution=resolution,
            reason_code=ReasonCode.NO_LEGAL_BASIS if resolution == Resolution.REFUSED else "",
        ),
        Status.DELIVERED: lambda r: info_request_record_delivery(
            info_request=r,
            actor=liaison(),
            channel=DeliveryChannel.BILATERAL_MEETING,
            delivered_on=timezone.localdate(),
        ),
        Status.CLOSED: lambda r: info_request_close(info_request=r, actor=liaison()),
    }
    for step in _PATH[1 : target + 1]:
        if step == Status.CLARIFICATION_REQUESTED and target > _PATH.index(step):
            # The clarification round trip is not on the way to a decision.
            continue
        if (
            step == Status.DELIVERED
            and status == Status.CLOSED
            and resolution
            not in {
                Resolution.GRANTED,
                Resolution.PARTIALLY_GRANTED,
            }
        ):
            continue
        info_request = steps[step](info_request)
    assert info_request.status == status, (info_request.status, status)
    return info_request


def today() -> date:
    return timezone.localdate()
