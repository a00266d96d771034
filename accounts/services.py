"""Writes on organisations and memberships; role groups are created here and nowhere else."""

import hashlib
import re

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.forms.fields import Field
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from audit.services import audit_record

from .exceptions import MemberNotManaged, ProConnectRefused
from .models import ROLES_BY_KIND, Membership, Organization, OrganizationGroup, User
from .security_services import tokens_revoke_all
from .selectors import managed_organization


def organization_group(*, organization: Organization, role: str) -> Group:
    """The single group of (organisation, role), created on first use."""
    link = (
        OrganizationGroup.objects.select_related("group")
        .filter(organization=organization, role=role)
        .first()
    )
    if link is not None:
        return link.group
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(
            name=f"{organization.kind}:{organization.code}:{role}"
        )
        link, _ = OrganizationGroup.objects.get_or_create(
            organization=organization, role=role, defaults={"group": group}
        )
    return link.group


def organization_group_ids(*, organization: Organization, roles: list[str]) -> dict[str, int]:
    """The group ids of several roles of the organisation, read in one query; a group not
    made yet is created as `organization_group` creates it."""
    found = dict(
        OrganizationGroup.objects.filter(organization=organization, role__in=roles).values_list(
            "role", "group_id"
        )
    )
    for role in roles:
        if role not in found:
            found[role] = organization_group(organization=organization, role=role).pk
    return found


@transaction.atomic
def membership_create(
    *, user: User, organization: Organization, role: str, actor: User | None
) -> Membership:
    """Gives a user a role in an organisation; the role must fit the organisation's kind."""
    if role not in ROLES_BY_KIND[organization.kind]:
        raise ValidationError(
            {
                "role": f"The role {role!r} does not exist in an organisation of kind "
                f"{organization.kind!r}."
            }
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role
    )
    user.groups.add(organization_group(organization=organization, role=role))
    if created:
        audit_record(
            actor=actor,
            action="membership.created",
            target=user,
            organization=organization,
            details={"role": str(role), "username": user.username},
        )
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, actor: User | None) -> None:
    """Removes a role; the user leaves the role group unless another membership keeps it."""
    user, organization, role = membership.user, membership.organization, membership.role
    membership.delete()
    user.groups.remove(organization_group(organization=organization, role=role))
    audit_record(
        actor=actor,
        action="membership.deleted",
        target=user,
        organization=organization,
        details={"role": str(role), "username": user.username},
    )


PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser")
# What else staff may change in the admin: recorded as which fields changed, not their values.
PROFILE_FIELDS = ("username", "first_name", "last_name", "email", "language")


@transaction.atomic
def user_privileges_save(*, user: User, actor: User | None, created: bool = False) -> User:
    """Saves a user edited by platform staff; a new account or a change of its active, staff
    or superuser flags is recorded with the flags' new values, a change of its names, address,
    username or language with the fields' names."""
    before = (
        None
        if created or user.pk is None
        else User.objects.filter(pk=user.pk).values(*PRIVILEGE_FIELDS, *PROFILE_FIELDS).first()
    )
    user.save()
    changed = {
        field: getattr(user, field)
        for field in PRIVILEGE_FIELDS
        if before is None or before[field] != getattr(user, field)
    }
    if before is None:
        audit_record(
            actor=actor, action="user.created", target=user, details={"username": user.username}
        )
    else:
        edited = [field for field in PROFILE_FIELDS if before[field] != getattr(user, field)]
        if edited:
            audit_record(
                actor=actor,
                action="user.profile_changed",
                target=user,
                details={"username": user.username, "fields": edited},
            )
    if changed:
        audit_record(
            actor=actor,
            action="user.privileges_changed",
            target=user,
            details={"username": user.username, **changed},
        )
    if changed.get("is_active") is False:
        tokens_revoke_all(user=user, actor=actor, reason="deactivated")
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """The user's language for the web pages (applied at each sign-in) and for e-mails."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": f"{language!r} is not an available language."})
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.language == language:
        return user
    user.language = language
    user.save(update_fields=["language"])
    audit_record(actor=user, action="user.language_changed", details={"language": language})
    return user


NAME_MAX = 150


@transaction.atomic
def proconnect_identity_bind(
    *, userinfo: dict, acr: str | None, amr: list | None, second_factor: bool
) -> User:
    """Binds a ProConnect identity to the one account an administrator created with its e-mail
    (case-insensitive), active, and member of the organisation whose SIRET the identity
    carries; the names follow ProConnect's. Raises ProConnectRefused with a reason code."""
    email = str(userinfo.get("email") or "").strip()
    siret = str(userinfo.get("siret") or "").strip()
    if not email or not siret:
        raise ProConnectRefused("claims_missing")
    users = list(User.objects.select_for_update().filter(email__iexact=email)[:2])
    if not users:
        raise ProConnectRefused("unknown_email")
    if len(users) > 1:
        raise ProConnectRefused("ambiguous_email")
    user = users[0]
    if not user.is_active:
        raise ProConnectRefused("inactive_account", user=user)
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__siret=siret)
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise ProConnectRefused("siret_mismatch", user=user)
    names = _proconnect_names(userinfo)
    names_changed = names is not None and names != (user.first_name, user.last_name)
    if names is not None and names_changed:
        user.first_name, user.last_name = names
    user.proconnect_last_login = timezone.now()
    user.save(update_fields=["first_name", "last_name", "proconnect_last_login"])
    audit_record(
        actor=user,
        action="auth.proconnect.login",
        organization=membership.organization,
        details={
            "acr": proconnect_acr(acr),
            "amr": proconnect_amr(amr),
            "second_factor": second_factor,
            "idp_id": _identity_provider(userinfo.get("idp_id")),
            "names_updated": names_changed,
            "names_refused": names is None,
        },
    )
    return user


def _proconnect_names(userinfo: dict) -> tuple[str, str] | None:
    """The names ProConnect sends, when both are a name as the profile takes one; None
    otherwise, and the account keeps its own. An identity provider may let its users type
    theirs: "Karim né le 03/04/1998" or an address would go wherever the name is shown."""
    first_name, last_name = userinfo.get("given_name"), userinfo.get("usual_name")
    if not isinstance(first_name, str) or not isinstance(last_name, str):
        return None
    try:
        return _checked_names(first_name, last_name)
    except ValidationError:
        return None


# What the audit log and the session keep of ProConnect's own claims about the authentication:
# their values when they are among those its documentation lists (acr) or RFC 8176's
# registry and ProConnect's (amr), "other" otherwise; the identity provider's id when it is
# a UUID, as ProConnect gives them, a digest otherwise. An identity provider fills amr, and
# these were kept as sent (an outside tester's finding).
KNOWN_ACR = frozenset(
    {
        "eidas1",
        "eidas2",
        "eidas3",
        "https://proconnect.gouv.fr/assurance/self-asserted",
        "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
        "https://proconnect.gouv.fr/assurance/consistency-checked",
        "https://proconnect.gouv.fr/assurance/consistency-checked-2fa",
    }
)
KNOWN_AMR = frozenset(
    {
        *("face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pop"),
        *("pwd", "rba", "retina", "sc", "sms", "swk", "tel", "user", "vbm", "wia"),
        *("totp", "email", "mail"),
    }
)
AMR_MAX = 10
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def proconnect_acr(acr: object) -> str:
    if not acr:
        return ""
    return acr if isinstance(acr, str) and acr in KNOWN_ACR else "other"


def proconnect_amr(amr: object) -> list[str]:
    if not isinstance(amr, list):
        return []
    kept = dict.fromkeys(
        method if isinstance(method, str) and method in KNOWN_AMR else "other" for method in amr
    )
    return list(kept)[:AMR_MAX]


def _identity_provider(idp_id: object) -> str:
    if not idp_id:
        return ""
    text = str(idp_id)
    if _UUID.fullmatch(text.lower()):
        return text.lower()
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


@transaction.atomic
def proconnect_refusal_record(*, refusal: ProConnectRefused) -> None:
    """A refused ProConnect sign-in: the account it would have been, when known, and the
    reason code; never the identity's claims."""
    audit_record(
        actor=refusal.user,
        action="auth.proconnect.refused",
        outcome="refused",
        details={"reason": refusal.reason},
    )


@transaction.atomic
def proconnect_logout_record(*, user: User) -> None:
    """The sign-out sent on to ProConnect (RP-initiated logout)."""
    audit_record(actor=user, action="auth.proconnect.logout")


@transaction.atomic
def user_profile_update(*, user: User, first_name: str, last_name: str, language: str) -> User:
    """The person's own names (unless ProConnect sets them) and language; the audit log keeps
    which fields changed, not the names."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": f"{language!r} is not an available language."})
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = []
    if not user.uses_proconnect:
        first_name, last_name = _checked_names(first_name, last_name)
        if user.first_name != first_name:
            user.first_name = first_name
            changed.append("first_name")
        if user.last_name != last_name:
            user.last_name = last_name
            changed.append("last_name")
    if user.language != language:
        user.language = language
        changed.append("language")
    if changed:
        user.save(update_fields=changed)
        audit_record(
            actor=user,
            action="user.profile_changed",
            details={
                "fields": changed,
                **({"language": language} if "language" in changed else {}),
            },
        )
    return user


@transaction.atomic
def user_password_changed_record(*, user: User, via: str) -> int:
    """A password changed by its owner (`change`) or through an e-mailed link (`reset`, the
    invitation's included). Every API token of the account is revoked with it, as its other
    sessions are: whoever knew the old password may have issued one, which would otherwise keep
    its access for up to 90 days. Returns how many were revoked."""
    audit_record(actor=user, action="user.password_changed", target=user, details={"via": via})
    return tokens_revoke_all(user=user, actor=user, reason=f"password_{via}")


# An agent's own first or last name: words of letters joined by a space, a hyphen, an
# apostrophe or a full stop ("Jean-Pierre", "N'Diaye", "de La Tour", "J.-P."), eight at most.
# Names are account data, shown beside what their holder did; a figure, a comma or a bracket
# has no place in one, and is how a date of birth, a phone number or a note about someone else
# got into a name, then into the username made from it and the audit log (an outside red
# team's finding).
_PERSON_NAME = re.compile(r"[^\W\d_]+(?:(?:[ '\u2019-]+|\. ?|\.-)[^\W\d_]+)*\.?")
NAME_WORDS_MAX = 8


def person_name(value: str) -> None:
    """Validator of an agent's first or last name (blank allowed: the field says if required)."""
    value = value.strip()
    if value and (
        not _PERSON_NAME.fullmatch(value) or len(re.findall(r"[^\W\d_]+", value)) > NAME_WORDS_MAX
    ):
        raise ValidationError(
            gettext_lazy(
                "Un nom : des lettres, avec entre elles des espaces, traits d'union, "
                "apostrophes ou points."
            ),
            code="invalid",
        )


def _checked_names(first_name: str, last_name: str) -> tuple[str, str]:
    """Both names, each a name: colleagues and auditors read them beside what their holder
    did, as the invitation asked them."""
    errors = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if not value.strip():
            errors[field] = [str(Field.default_error_messages["required"])]
            continue
        try:
            person_name(value)
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    return first_name.strip()[:NAME_MAX], last_name.strip()[:NAME_MAX]


def _ensure_manages(*, actor: User, organization: Organization) -> None:

    managed_organization(user=actor, organization_id=organization.pk)


def _ensure_role_fits(*, organization: Organization, role: str) -> None:
    if role not in ROLES_BY_KIND[organization.kind]:
        raise ValidationError({"role": "This role does not exist in this organisation."})


def _member_in(*, organization: Organization, user: User, actor: User) -> list[Membership]:
    """The user's memberships here; someone else's, never the actor's own nor platform
    staff's, else MemberNotManaged."""
    if user.pk == actor.pk or user.is_staff or user.is_superuser:
        raise MemberNotManaged
    memberships = list(
        Membership.objects.select_for_update().filter(user=user, organization=organization)
    )
    if not memberships:
        raise MemberNotManaged
    return memberships


def unique_username(*, first_name: str, last_name: str, email: str) -> str:
    """`prenom.nom` (ASCII), or the e-mail's local part, with a number when already taken."""
    parts = [slugify(part) for part in (first_name, last_name) if slugify(part)]
    base = ".".join(parts) or slugify(email.split("@")[0])
    base = (base or "membre")[:140]
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}.{number}"
    return candidate


@transaction.atomic
def member_invite(
    *,
    actor: User,
    organization: Organization,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
) -> User:
    """A new account in the actor's organisation, with no usable password: the e-mailed link
    lets the person choose one (or they sign in through ProConnect with that address)."""
    _ensure_manages(actor=actor, organization=organization)
    _ensure_role_fits(organization=organization, role=role)
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from error
    longest = User._meta.get_field("email").max_length  # a longer address is still valid
    if longest is not None and len(email) > longest:
        raise ValidationError({"email": "Enter a valid e-mail address."})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account already uses this e-mail address."})
    first_name, last_name = _checked_names(first_name, last_name)
    user = User(
        username=unique_username(first_name=first_name, last_name=last_name, email=email),
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=actor.language,
    )
    user.set_unusable_password()
    user.save()
    membership_create(user=user, organization=organization, role=role, actor=actor)
    audit_record(
        actor=actor,
        action="member.invited",
        target=user,
        organization=organization,
        details={"role": str(role), "username": user.username},
    )
    transaction.on_commit(
        lambda: send_invitation(user=user, organization=organization, inviter=actor)
    )
    return user


def send_invitation(*, user: User, organization: Organization, inviter: User) -> None:
    """The set-password link (Django's password-reset token, valid PASSWORD_RESET_TIMEOUT)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    language = user.language if user.language in dict(settings.LANGUAGES) else "fr"
    context = {
        "user": user,
        "organization": organization,
        "inviter": inviter.display_name,
        "link": settings.SITE_URL.rstrip("/") + path,
        "login_link": settings.SITE_URL.rstrip("/") + reverse("login"),
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    body = render_to_string(f"accounts/email/invitation.{language}.txt", context)
    subject = "[Relais] Votre compte Relais" if language == "fr" else "[Relais] Your Relais account"
    send_mail(subject, body, None, [user.email])


@transaction.atomic
def member_role_change(
    *, actor: User, organization: Organization, user: User, role: str
) -> list[Membership]:
    """The member's role here becomes `role` (one of the organisation's kind)."""
    _ensure_manages(actor=actor, organization=organization)
    _ensure_role_fits(organization=organization, role=role)
    memberships = _member_in(organization=organization, user=user, actor=actor)
    before = sorted(str(m.role) for m in memberships)
    if before == [role]:
        return memberships
    for membership in memberships:
        if membership.role != role:
            membership_delete(membership=membership, actor=actor)
    membership_create(user=user, organization=organization, role=role, actor=actor)
    audit_record(
        actor=actor,
        action="member.role_changed",
        target=user,
        organization=organization,
        details={"from": before, "to": str(role), "username": user.username},
    )
    return list(Membership.objects.filter(user=user, organization=organization))


@transaction.atomic
def member_deactivate(*, actor: User, organization: Organization, user: User) -> User:
    """Closes the account of a member of the actor's organisation only: one who also belongs
    elsewhere is left to an administrator of the platform. Their sessions end at their next
    request and their API token stops working (both check `is_active`)."""
    _ensure_manages(actor=actor, organization=organization)
    _member_in(organization=organization, user=user, actor=actor)
    if Membership.objects.filter(user=user).exclude(organization=organization).exists():
        raise MemberNotManaged
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="member.deactivated",
        target=user,
        organization=organization,
        details={"username": user.username},
    )
    return user
