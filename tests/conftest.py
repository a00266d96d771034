"""Two départements, a user for every role, and an API client per user.

Drôme (26): prefecture, Montélimar (26198) and Valence (26362).
Pas-de-Calais (62): prefecture and Arras (62041).
Oversight: a national body and one scoped to Drôme. Usernames follow the demo's
`<role>-<code>` convention so that a failing test reads like the demo.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import CommuneFactory, OversightFactory, PrefectureFactory, UserFactory, member


@pytest.fixture
def orgs(db):
    drome = PrefectureFactory(code="26", name="Préfecture de la Drôme")
    pas_de_calais = PrefectureFactory(code="62", name="Préfecture du Pas-de-Calais")
    return SimpleNamespace(
        pref26=drome,
        montelimar=CommuneFactory(code="26198", name="Montélimar", prefecture=drome),
        valence=CommuneFactory(code="26362", name="Valence", prefecture=drome),
        pref62=pas_de_calais,
        arras=CommuneFactory(code="62041", name="Arras", prefecture=pas_de_calais),
        oversight_national=OversightFactory(
            code="igrs-national", name="Inspection générale", departement_code=""
        ),
        oversight26=OversightFactory(
            code="ctrl-26", name="Mission de contrôle de la Drôme", departement_code="26"
        ),
    )


class People:
    """The users of every role, made on first use: `people.liaison` is `liaison-26`."""

    # name: (organisation attribute of `orgs`, role, username when not `<role>-<code>`)
    SPEC = {
        "legal_officer": ("montelimar", Role.LEGAL_OFFICER, None),
        "mayor": ("montelimar", Role.MAYOR, None),
        "legal_officer_valence": ("valence", Role.LEGAL_OFFICER, None),
        "mayor_valence": ("valence", Role.MAYOR, None),
        "liaison": ("pref26", Role.LIAISON, None),
        "prefecture_admin": ("pref26", Role.PREFECTURE_ADMIN, None),
        "liaison62": ("pref62", Role.LIAISON, None),
        "legal_officer_arras": ("arras", Role.LEGAL_OFFICER, None),
        "mayor_arras": ("arras", Role.MAYOR, None),
        "auditor_national": ("oversight_national", Role.AUDITOR, "auditor-national"),
        "auditor26": ("oversight26", Role.AUDITOR, "auditor-26"),
        "staff": (None, None, "staff-admin"),  # platform staff without any role
    }

    def __init__(self, orgs):
        self._orgs = orgs

    def __getattr__(self, name):
        if name not in self.SPEC:
            raise AttributeError(name)
        org, role, username = self.SPEC[name]
        if org is None:
            user = UserFactory(username=username, is_staff=True)
        else:
            user = member(getattr(self._orgs, org), role, username=username)
        setattr(self, name, user)
        return user

    def everyone(self) -> "People":
        for name in self.SPEC:
            getattr(self, name)
        return self


@pytest.fixture
def people(orgs):
    """Every user of every role, created up front (the matrix overrides this lazily)."""
    return People(orgs).everyone()


# Short aliases for the users most tests act as.
@pytest.fixture
def legal_officer(people):
    return people.legal_officer


@pytest.fixture
def mayor(people):
    return people.mayor


@pytest.fixture
def liaison(people):
    return people.liaison


@pytest.fixture
def prefecture_admin(people):
    return people.prefecture_admin


@pytest.fixture
def api():
    """`api(user)` → an APIClient authenticated as `user`; `api()` → an anonymous client."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return client_for


@pytest.fixture
def travel(monkeypatch):
    """`travel(days=-40)` stops the clock that Django and the services read at now + delta;
    `travel.back()` restarts it. Undone after the test."""
    real_now = timezone.now

    def to(**delta):
        moment = real_now() + timedelta(**delta)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    to.back = lambda: monkeypatch.setattr(timezone, "now", real_now)
    return to
