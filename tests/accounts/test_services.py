"""Memberships and role groups: one group per organisation and role, made by services."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.models import Membership, OrganizationGroup, Role
from accounts.services import (
    membership_create,
    membership_delete,
    organization_group,
    organization_group_ids,
    user_set_language,
)
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def test_membership_puts_the_user_in_the_organisation_role_group(orgs):
    user = UserFactory(username="nouvelle-juriste")
    membership_create(user=user, organization=orgs.montelimar, role=Role.LEGAL_OFFICER, actor=None)
    assert list(user.groups.values_list("name", flat=True)) == ["commune:26198:legal_officer"]


def test_members_with_the_same_role_share_one_group(orgs):
    first, second = UserFactory(), UserFactory()
    for user in (first, second):
        membership_create(user=user, organization=orgs.pref26, role=Role.LIAISON, actor=None)
    assert set(first.groups.all()) == set(second.groups.all())
    assert (
        OrganizationGroup.objects.filter(organization=orgs.pref26, role=Role.LIAISON).count() == 1
    )


def test_organization_group_is_created_once(orgs):
    group = organization_group(organization=orgs.arras, role=Role.MAYOR)
    assert organization_group(organization=orgs.arras, role=Role.MAYOR) == group
    assert Group.objects.filter(name="commune:62041:mayor").count() == 1


def test_several_role_groups_are_read_at_once_and_a_missing_one_is_made(orgs):
    """The people of the module hold the Montélimar roles, so their groups exist; Arras's
    mayor group is made on demand, as `organization_group` makes it."""
    roles = [Role.LEGAL_OFFICER, Role.MAYOR]
    expected = {
        role: organization_group(organization=orgs.montelimar, role=role).pk for role in roles
    }
    assert organization_group_ids(organization=orgs.montelimar, roles=roles) == expected
    OrganizationGroup.objects.filter(organization=orgs.arras, role=Role.MAYOR).delete()
    made = organization_group_ids(organization=orgs.arras, roles=[Role.MAYOR])
    assert made == {Role.MAYOR: organization_group(organization=orgs.arras, role=Role.MAYOR).pk}


@pytest.mark.parametrize(
    ("org", "role"),
    [
        ("montelimar", Role.LIAISON),
        ("montelimar", Role.AUDITOR),
        ("pref26", Role.MAYOR),
        ("pref26", Role.LEGAL_OFFICER),
        ("oversight26", Role.PREFECTURE_ADMIN),
        ("oversight_national", Role.MAYOR),
    ],
)
def test_membership_refused_when_role_does_not_fit_the_organisation_kind(orgs, org, role):
    user = UserFactory()
    with pytest.raises(ValidationError) as caught:
        membership_create(user=user, organization=getattr(orgs, org), role=role, actor=None)
    assert "role" in caught.value.message_dict
    assert not Membership.objects.filter(user=user).exists()
    assert not user.groups.exists()


def test_repeated_membership_is_a_no_op_without_second_audit_event(orgs, people):
    user = UserFactory(username="maire-adjoint")
    for _ in range(2):
        membership_create(user=user, organization=orgs.valence, role=Role.MAYOR, actor=people.staff)
    assert Membership.objects.filter(user=user).count() == 1
    events = AuditEvent.objects.filter(action="membership.created", target_ref=str(user.pk))
    assert events.count() == 1
    assert events.get().details == {"role": "mayor", "username": "maire-adjoint"}
    assert events.get().actor_username == "staff-admin"


def test_membership_delete_removes_the_group_and_is_audited(orgs, people):
    user = UserFactory(username="ancien-referent")
    membership = membership_create(
        user=user, organization=orgs.pref62, role=Role.LIAISON, actor=None
    )
    membership_delete(membership=membership, actor=people.staff)
    assert not user.groups.exists()
    assert not Membership.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="membership.deleted", target_ref=str(user.pk)).exists()


def test_membership_delete_keeps_the_other_roles_groups(orgs):
    user = UserFactory()
    kept = membership_create(user=user, organization=orgs.pref26, role=Role.LIAISON, actor=None)
    dropped = membership_create(
        user=user, organization=orgs.pref26, role=Role.PREFECTURE_ADMIN, actor=None
    )
    membership_delete(membership=dropped, actor=None)
    assert list(user.groups.values_list("name", flat=True)) == ["prefecture:26:liaison"]
    assert Membership.objects.get(user=user) == kept


def test_a_users_language_is_set_once_audited_and_only_to_an_available_one(db):
    user = UserFactory()
    user_set_language(user=user, language="en")
    user_set_language(user=user, language="en")
    user.refresh_from_db()
    assert user.language == "en"
    assert AuditEvent.objects.filter(action="user.language_changed").count() == 1
    with pytest.raises(ValidationError):
        user_set_language(user=user, language="de")
    user.refresh_from_db()
    assert user.language == "en"


class TestProConnectIdentityBind:
    """The binding rules, on the service itself (the end-to-end flow is in test_proconnect)."""

    @staticmethod
    def claims(**overrides):
        from accounts.validators import with_luhn_key

        return {
            "email": "Agent@Drome.gouv.fr",
            "siret": with_luhn_key("1726000110001"),
            "given_name": "Anne",
            "usual_name": "Roy",
            "idp_id": "fia1v2",
            **overrides,
        }

    @pytest.fixture
    def agent(self, orgs):
        from tests.factories import member

        orgs.pref26.siret = self.claims()["siret"]
        orgs.pref26.save()
        return member(orgs.pref26, "liaison", username="agent", email="agent@drome.gouv.fr")

    def bind(self, **overrides):
        from accounts.services import proconnect_identity_bind

        return proconnect_identity_bind(
            userinfo=self.claims(**overrides), acr="eidas1", amr=["pwd"], second_factor=False
        )

    def test_binds_case_insensitively_and_takes_the_names(self, agent):
        user = self.bind()
        assert user.pk == agent.pk
        assert user.display_name == "Anne Roy"
        assert user.uses_proconnect

    def test_two_accounts_with_the_address_are_refused(self, agent):
        from accounts.exceptions import ProConnectRefused
        from tests.factories import UserFactory

        UserFactory(username="twin", email="AGENT@drome.gouv.fr")
        with pytest.raises(ProConnectRefused) as refused:
            self.bind()
        assert refused.value.reason == "ambiguous_email"

    @pytest.mark.parametrize("missing", ["email", "siret"])
    def test_missing_email_or_siret_is_refused(self, agent, missing):
        from accounts.exceptions import ProConnectRefused

        with pytest.raises(ProConnectRefused) as refused:
            self.bind(**{missing: ""})
        assert refused.value.reason == "claims_missing"

    @pytest.mark.parametrize(
        "planted",
        [
            {"given_name": "Karim né le 03/04/1998"},
            {"usual_name": "12 rue des Lilas 26000 Valence"},
            {"given_name": "Zoé\u200d"},
            {"usual_name": ["Karim", "Haddad"]},
            {"usual_name": ""},
        ],
    )
    def test_names_that_are_no_name_leave_the_accounts_own(self, agent, planted):
        from audit.models import AuditEvent

        agent.first_name, agent.last_name = "Anne", "Roy"
        agent.save()
        user = self.bind(**planted)
        assert (user.first_name, user.last_name) == ("Anne", "Roy")
        details = AuditEvent.objects.get(action="auth.proconnect.login").details
        assert details["names_refused"] is True
        assert details["names_updated"] is False

    def test_the_claims_about_the_authentication_are_kept_in_known_values_only(self, agent):
        from accounts.services import proconnect_identity_bind
        from audit.models import AuditEvent

        uuid = "71144AB3-EE1A-4401-B7B3-79B44F7DAEEB"
        proconnect_identity_bind(
            userinfo=self.claims(idp_id=uuid),
            acr="Karim Haddad",
            amr=["pwd", "mfa", "Karim Haddad 03/04/1998", "pwd", {"x": 1}],
            second_factor=True,
        )
        details = AuditEvent.objects.get(action="auth.proconnect.login").details
        assert details["acr"] == "other"
        assert details["amr"] == ["pwd", "mfa", "other"]
        assert details["idp_id"] == uuid.lower()
        assert details["names_refused"] is False

    def test_an_organisation_without_siret_never_matches(self, agent, orgs):
        from accounts.exceptions import ProConnectRefused

        orgs.pref26.siret = ""
        orgs.pref26.save()
        with pytest.raises(ProConnectRefused) as refused:
            self.bind()
        assert refused.value.reason == "siret_mismatch"
