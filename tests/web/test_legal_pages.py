"""The footer's pages: the accessibility statement (RGAA 4.1), the legal notice and the
personal-data page, readable signed out, in French and in English."""

import re
from html import unescape

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

PAGES = {
    "accessibility": ("Déclaration d'accessibilité", "Accessibility statement"),
    "legal-notice": ("Mentions légales", "Legal notice"),
    "personal-data": ("Données personnelles", "Personal data"),
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_page_answers_signed_out_in_both_languages(web, name, language):
    response = web(language=language).get(reverse(name))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    french, english = PAGES[name]
    assert f"<h1>{french if language == 'fr' else english}</h1>" in html


def test_the_footer_links_lead_to_the_pages(web, people):
    for client in (web(), web(people.liaison)):
        html = unescape(client.get(reverse("personal-data")).content.decode())
        footer = re.search(r'<div class="fr-footer__bottom">(.*?)</ul>', html, re.S).group(1)
        for name, label in (
            ("accessibility", "Accessibilité : non conforme"),
            ("legal-notice", "Mentions légales"),
            ("personal-data", "Données personnelles"),
        ):
            assert f'href="{reverse(name)}">{label}</a>' in footer


def test_the_accessibility_statement_says_what_was_checked_and_the_recourse(web):
    html = unescape(web().get(reverse("accessibility")).content.decode())
    assert "non conforme avec le référentiel général d'amélioration de l'accessibilité" in html
    assert "4.1" in html
    checked = re.search(r'<ul id="checked-pages">(.*?)</ul>', html, re.S).group(1)
    assert checked.count("<li>") >= 10
    assert "Statistiques" in checked
    assert "Défenseur des droits" in html


def test_the_legal_notice_and_the_data_page_name_the_operator_when_configured(web, settings):
    before = unescape(web().get(reverse("legal-notice")).content.decode())
    assert "RELAIS_PUBLISHER" in before
    settings.RELAIS_PUBLISHER = "Préfecture de la Drôme"
    settings.RELAIS_HOST = "Hébergeur public, 1 rue de l'Exemple, 75000 Paris"
    settings.RELAIS_CONTACT_EMAIL = "accessibilite@example.gouv.fr"
    html = unescape(web().get(reverse("legal-notice")).content.decode())
    assert re.search(r'<p id="publisher">Préfecture de la Drôme</p>', html)
    assert "Hébergeur public" in html
    data = unescape(web().get(reverse("personal-data")).content.decode())
    assert 'href="mailto:accessibilite@example.gouv.fr"' in data
    assert "365 jours" in data
    english = unescape(web(language="en").get(reverse("personal-data")).content.decode())
    assert "365 days" in english
