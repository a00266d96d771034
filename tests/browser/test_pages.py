"""Every main page, for the role that uses it, in French and in English: no serious or critical
axe-core violation, no Content-Security-Policy violation, and a screenshot.

French (the source language) runs for every role; English for one sample role on every run, and
for every role with RELAIS_BROWSER_ALL_LANGUAGES=1 (the templates are the same for both
languages: `tests/web/test_translations.py` checks that every message is translated)."""

import os

import pytest

from sharing.models import Resolution, Status
from sharing.services.drafting import info_request_send_back
from tests.browser.conftest import (
    csp_violations,
    screenshot,
    serious_violations,
    settled,
    sign_in,
)
from tests.factories import PASSWORD, draft, request_in

pytestmark = pytest.mark.slow  # scheduled first in its group (tests/conftest.py)


@pytest.fixture(scope="module")
def requests_in_every_status(orgs, people):
    return {
        "draft": draft(orgs.montelimar),
        "submitted": request_in(Status.SUBMITTED, orgs.montelimar, urgency="urgent"),
        "acknowledged": request_in(Status.ACKNOWLEDGED, orgs.montelimar),
        "clarification": request_in(Status.CLARIFICATION_REQUESTED, orgs.montelimar),
        "decided": request_in(Status.DECIDED, orgs.valence),
        "refused": request_in(Status.CLOSED, orgs.valence, resolution=Resolution.REFUSED),
        "sent_back": info_request_send_back(
            info_request=draft(orgs.montelimar),
            actor=people.mayor,
            remark="Préciser la base légale retenue.",
        ),
    }


PAGES = {
    None: [
        "/connexion/",
        "/accessibilite/",
        "/mentions-legales/",
        "/donnees-personnelles/",
        "/compte/mot-de-passe/oublie/",
    ],
    "legal_officer": [
        "/demandes/",
        "/demandes/nouvelle/",
        "/demandes/{clarification}/",
        "/demandes/{clarification}/clarify/",
        "/demandes/{draft}/modifier/",
        "/demandes/{sent_back}/",
        "/notifications/",
        "/compte/",
        "/compte/mot-de-passe/",
    ],
    "mayor": [
        "/demandes/{draft}/",
        "/demandes/{draft}/sign/",
        "/demandes/{draft}/send-back/",
        "/demandes/{submitted}/withdraw/",
    ],
    "liaison": [
        "/demandes/",
        "/demandes/{acknowledged}/",
        "/demandes/{acknowledged}/decide/",
        "/demandes/{acknowledged}/request-clarification/",
        "/demandes/{acknowledged}/extend/",
        "/demandes/{decided}/record-delivery/",
        "/statistiques/",
        "/demandes/vues/?query=status%3Dopen%26sort%3Dcommune",
    ],
    "prefecture_admin": [
        "/equipe/",
        "/equipe/liaison-26/reassigner/",
        "/demandes/{submitted}/assign/",
    ],
    "auditor_national": [
        "/audit/journal/",
        "/audit/exports/",
        "/audit/integrite/",
        "/statistiques/",
    ],
}


ENGLISH_SAMPLE_ROLE = "liaison"


def _role_languages() -> list[tuple[str | None, str]]:
    every_language = os.environ.get("RELAIS_BROWSER_ALL_LANGUAGES") == "1"
    return [
        (role, language)
        for language in ("fr", "en")
        for role in PAGES
        if language == "fr" or every_language or role == ENGLISH_SAMPLE_ROLE
    ]


@pytest.mark.parametrize(("role", "language"), _role_languages())
def test_main_pages_are_accessible_and_csp_clean(
    new_page, people, requests_in_every_status, role, language
):
    references = {name: r.reference for name, r in requests_in_every_status.items()}
    page = new_page(language)
    if role is not None:
        user = getattr(people, role)
        # Signing in applies the user's own language over the browser's.
        user.language = language
        user.save(update_fields=["language"])
        sign_in(page, user.username, PASSWORD)
    problems = []
    for index, template in enumerate(PAGES[role]):
        path = template.format(**references)
        response = page.goto(path)
        assert response.status == 200, path
        settled(page)
        assert page.locator("html").get_attribute("lang") == language
        screenshot(page, f"{language}-{role or 'anonymous'}-{index:02d}")
        problems += [f"{path}: {line}" for line in serious_violations(page)]
        problems += [f"{path}: CSP {line}" for line in csp_violations(page)]
    assert problems == [], "\n".join(problems)
