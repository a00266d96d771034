"""The organisation's members, managed by the prefecture's administrator and the commune's
mayor: invite, change role, deactivate. Another organisation's page or member is a 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.services import audit_record
from config.forms import DsfrForm

from .exceptions import MemberNotManaged
from .models import ROLES_BY_KIND, Organization, Role, User
from .selectors import managed_organization, member_of, members_of, organizations_managed_by
from .services import member_deactivate, member_invite, member_role_change, person_name

# Service refusals in the person's words.
FIELD_ERRORS = {
    "Enter a valid e-mail address.": gettext_lazy("Saisissez une adresse électronique valide."),
    "An account already uses this e-mail address.": gettext_lazy(
        "Un compte Relais existe déjà à cette adresse. S'il doit rejoindre votre organisation, "
        "adressez-vous à l'administrateur de la plateforme."
    ),
    "This role does not exist in this organisation.": gettext_lazy(
        "Ce rôle n'existe pas dans votre organisation."
    ),
}


def role_choices(organization: Organization) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in Role if role in ROLES_BY_KIND[organization.kind]]


class InviteForm(DsfrForm, forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("Prénom"), max_length=150, validators=[person_name]
    )
    last_name = forms.CharField(label=gettext_lazy("Nom"), max_length=150, validators=[person_name])
    email = forms.EmailField(
        label=gettext_lazy("Adresse électronique professionnelle"),
        max_length=User._meta.get_field("email").max_length,
    )
    role = forms.ChoiceField(label=gettext_lazy("Rôle"), choices=())

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organization)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=())

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organization)


def _organization(request, organization_id: int) -> Organization:
    try:
        return managed_organization(user=request.user, organization_id=organization_id)
    except MemberNotManaged:
        _denied(request)


def _member(request, organization: Organization, user_id: int) -> User:
    user = member_of(organization=organization, user_id=user_id)
    if user is None:
        _denied(request)
    return user


def _denied(request):
    audit_record(
        actor=request.user,
        action="member.not_found",
        outcome="denied",
        details={"endpoint": f"web:{request.resolver_match.url_name}"},
    )
    raise Http404


def _page(request, organization: Organization, invite_form=None, status: int = 200):
    return render(
        request,
        "accounts/members.html",
        {
            "organization": organization,
            "members": members_of(organization=organization),
            "roles": role_choices(organization),
            "invite_form": invite_form or InviteForm(organization=organization),
        },
        status=status,
    )


@login_required
def members_home(request):
    """The members page of the one organisation the user manages, or the choice of them."""
    organizations = organizations_managed_by(user=request.user)
    if not organizations:
        _denied(request)
    if len(organizations) == 1:
        return redirect("members", organization_id=organizations[0].pk)
    return render(request, "accounts/members_home.html", {"organizations": organizations})


@login_required
def member_list(request, organization_id: int):
    return _page(request, _organization(request, organization_id))


@login_required
@require_POST
def member_invite_view(request, organization_id: int):
    organization = _organization(request, organization_id)
    form = InviteForm(request.POST, organization=organization)
    if form.is_valid():
        try:
            user = member_invite(actor=request.user, organization=organization, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(
                        field if field in form.fields else None, FIELD_ERRORS.get(message, message)
                    )
        except MemberNotManaged:
            _denied(request)
        else:
            messages.success(
                request,
                _("%(name)s est invité : un lien pour choisir son mot de passe lui est envoyé.")
                % {"name": user.display_name},
            )
            return redirect("members", organization_id=organization.pk)
    return _page(request, organization, invite_form=form, status=400)


@login_required
@require_POST
def member_role(request, organization_id: int, user_id: int):
    organization = _organization(request, organization_id)
    user = _member(request, organization, user_id)
    form = RoleForm(request.POST, organization=organization)
    if not form.is_valid():
        messages.error(request, _("Choisissez un rôle de votre organisation."))
        return redirect("members", organization_id=organization.pk)
    try:
        member_role_change(
            actor=request.user, organization=organization, user=user, role=form.cleaned_data["role"]
        )
    except MemberNotManaged:
        _denied(request)
    messages.success(request, _("Le rôle de %(name)s est changé.") % {"name": user.display_name})
    return redirect("members", organization_id=organization.pk)


@login_required
@require_POST
def member_deactivate_view(request, organization_id: int, user_id: int):
    organization = _organization(request, organization_id)
    user = _member(request, organization, user_id)
    try:
        member_deactivate(actor=request.user, organization=organization, user=user)
    except MemberNotManaged:
        _denied(request)
    messages.success(
        request, _("Le compte de %(name)s est désactivé.") % {"name": user.display_name}
    )
    return redirect("members", organization_id=organization.pk)
