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


@pytest.fixture
def people(orgs):
    return SimpleNamespace(
        legal_officer=member(orgs.montelimar, Role.LEGAL_OFFICER),
        mayor=member(orgs.montelimar, Role.MAYOR),
        legal_officer_valence=member(orgs.valence, Role.LEGAL_OFFICER),
        mayor_valence=member(orgs.valence, Role.MAYOR),
        liaison=member(orgs.pref26, Role.LIAISON),
        prefecture_admin=member(orgs.pref26, Role.PREFECTURE_ADMIN),
        liaison62=member(orgs.pref62, Role.LIAISON),
        legal_officer_arras=member(orgs.arras, Role.LEGAL_OFFICER),
        mayor_arras=member(orgs.arras, Role.MAYOR),
        auditor_national=member(orgs.oversight_national, Role.AUDITOR, username="auditor-national"),
        auditor26=member(orgs.oversight26, Role.AUDITOR, username="auditor-26"),
        staff=UserFactory(username="staff-admin", is_staff=True),
    )


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
