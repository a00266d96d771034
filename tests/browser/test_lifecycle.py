"""A request's whole life in a real browser, across the four roles, with accessibility checks
(axe-core: no serious or critical violation) and no Content-Security-Policy violation on each
page that tests/browser/test_pages.py does not already check in the same shape (a form with its
errors, an empty list, a draft as its author sees it, an export under way…), and a screenshot
of each main page."""

import base64
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sharing.models import InfoRequest, Status
from tests.browser.conftest import (
    csp_violations,
    screenshot,
    serious_violations,
    settled,
    sign_in,
    sign_out,
)
from tests.factories import PASSWORD, request_in

pytestmark = pytest.mark.slow  # scheduled first in its group (tests/conftest.py)

PURPOSE = (
    "Point de situation sur l'état de la menace dans la commune avant la réunion du CLSPD de "
    "mars, conformément à l'instruction du 13 novembre 2018."
)


@pytest.fixture
def audit_key(settings, tmp_path):
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.AUDIT_SIGNING_KEY = base64.b64encode(seed).decode("ascii")
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_EXPORT_DIR = tmp_path


class Checks:
    """Collects, page after page, what must be empty at the end: axe and CSP findings."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def page(self, page, name: str) -> None:
        settled(page)
        screenshot(page, name)
        self.problems += [f"{name}: {line}" for line in serious_violations(page)]
        self.problems += [f"{name}: CSP {line}" for line in csp_violations(page)]

    def seen(self, page, name: str) -> None:
        """A page that tests/browser/test_pages.py checks in the same shape, for the same role
        and in the same language (the same form, list or detail, with other data): its
        screenshot only. Axe took a fifth of a second of Chromium's CPU a page, for nothing
        it had not found there."""
        screenshot(page, name)

    def assert_clean(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


def click_action(page, label: str) -> None:
    page.get_by_role("link", name=label, exact=True).first.click()
    page.wait_for_load_state()


def choose(page, label: str) -> None:
    """Ticks the radio button whose label starts with `label` the way a user does: by clicking
    the label (the DSFR draws its own radio over the input)."""
    radio = page.get_by_role("radio", name=re.compile("^" + re.escape(label)))
    page.click(f"label[for='{radio.get_attribute('id')}']")


def submit(page) -> None:
    page.click("main form[method=post] button[type=submit] >> nth=-1")
    page.wait_for_load_state()


def status_of(reference: str) -> str:
    return InfoRequest.objects.get(reference=reference).status


def test_a_request_from_draft_to_closed_across_the_four_roles(new_page, people, audit_key):
    checks = Checks()

    # The legal officer drafts; the personal-data screen refuses a name next to the field.
    page = new_page()
    page.goto("/")
    checks.seen(page, "01-login")
    sign_in(page, people.legal_officer.username, PASSWORD)
    assert page.url.endswith("/demandes/")
    checks.page(page, "02-commune-requests")
    page.get_by_role("link", name="Nouvelle demande").first.click()
    choose(page, "Point général sur l'état de la menace")
    choose(page, "Instruction NOR INTK1826096J du 13 novembre 2018")
    choose(page, "Urgente")
    page.fill("#id_secure_channel_ref", "BR-2026-0141")
    page.fill("#id_purpose", "Merci de nous dire si Jean DUPONT est inscrit au FSPRT.")
    submit(page)
    error = page.locator(".fr-input-group--error")
    assert "le nom d'une personne" in error.inner_text()
    # The refused text stays in the form, unsaved, with the words in question marked.
    assert page.input_value("#id_purpose") == (
        "Merci de nous dire si Jean DUPONT est inscrit au FSPRT."
    )
    assert "DUPONT" in " ".join(page.locator("mark").all_inner_texts())
    assert page.input_value("#id_secure_channel_ref") == "BR-2026-0141"
    assert page.get_by_label("Urgente").is_checked()
    checks.page(page, "03-new-request-refused")
    page.fill("#id_purpose", PURPOSE)
    submit(page)
    reference = re.search(r"/demandes/([0-9AB]{5}-\d{4}-\d{4})/", page.url).group(1)
    assert status_of(reference) == Status.DRAFT
    checks.page(page, "04-draft")
    sign_out(page)

    # The mayor signs.
    sign_in(page, people.mayor.username, PASSWORD)
    page.goto(f"/demandes/{reference}/")
    click_action(page, "Signer et transmettre")
    checks.seen(page, "05-sign-confirmation")
    submit(page)
    assert status_of(reference) == Status.SUBMITTED
    assert page.get_by_text("Demande signée et transmise à la préfecture.").is_visible()
    receipt = page.request.get(f"/demandes/{reference}/accuse-de-reception.pdf")
    assert receipt.headers["content-type"] == "application/pdf"
    sign_out(page)

    # The prefecture admin assigns it and sees the team.
    sign_in(page, people.prefecture_admin.username, PASSWORD)
    page.goto(f"/demandes/{reference}/assign/")
    page.select_option("#id_liaison", people.liaison.username)
    submit(page)
    assert InfoRequest.objects.get(reference=reference).assigned_to == people.liaison
    page.goto("/equipe/")
    checks.seen(page, "06-team")
    sign_out(page)

    # The liaison acknowledges and asks for precisions.
    sign_in(page, people.liaison.username, PASSWORD)
    checks.seen(page, "07-prefecture-inbox")
    page.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Accuser réception").click()
    page.wait_for_load_state()
    assert status_of(reference) == Status.ACKNOWLEDGED
    page.fill("#id_text", "Voir avec le cabinet avant de répondre.")
    page.get_by_role("button", name="Ajouter la note").click()
    page.wait_for_load_state()
    checks.page(page, "08-prefecture-request")
    click_action(page, "Demander des précisions")
    page.fill("#id_message", "Merci de préciser le périmètre géographique de la demande.")
    submit(page)
    assert status_of(reference) == Status.CLARIFICATION_REQUESTED
    sign_out(page)

    # The legal officer answers; the internal note is not on the commune's page.
    sign_in(page, people.legal_officer.username, PASSWORD)
    page.goto(f"/demandes/{reference}/")
    assert "Voir avec le cabinet" not in page.content()
    click_action(page, "Apporter les précisions")
    page.fill("#id_message", "Le périmètre est celui du quartier nord.")
    submit(page)
    assert status_of(reference) == Status.ACKNOWLEDGED
    checks.page(page, "09-commune-request")
    sign_out(page)

    # The liaison decides, records the delivery and closes.
    sign_in(page, people.liaison.username, PASSWORD)
    page.goto(f"/demandes/{reference}/")
    click_action(page, "Enregistrer la décision")
    choose(page, "Accordée")
    page.select_option("#id_procureur_agreement", "agreed")
    page.select_option("#id_intelligence_agreement", "agreed")
    checks.seen(page, "10-decide")
    submit(page)
    assert status_of(reference) == Status.DECIDED
    click_action(page, "Enregistrer la remise")
    choose(page, "Entretien bilatéral")
    submit(page)
    assert status_of(reference) == Status.DELIVERED
    page.get_by_role("button", name="Clore la demande").click()
    page.wait_for_load_state()
    assert status_of(reference) == Status.CLOSED
    page.goto("/statistiques/")
    checks.seen(page, "11-statistics")
    sign_out(page)

    # The national auditor finds every step, exports it and checks the log's integrity.
    sign_in(page, people.auditor_national.username, PASSWORD)
    page.fill("#id_reference", reference)
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    events = page.locator("#events-table").inner_text()
    for action in (
        "Demande signée et transmise",
        "Réception accusée",
        "Demande close",
        "Demande consultée",
    ):
        assert action in events
    checks.seen(page, "12-audit-log")
    page.get_by_role("link", name="Exporter cette recherche").click()
    assert page.input_value("#id_reference") == reference
    checks.seen(page, "13-audit-exports")
    page.get_by_role("button", name="Demander l'export").click()
    download_button = page.locator("#export-download")
    download_button.wait_for(state="visible")
    assert page.locator("#export-bar").get_attribute("value") == "100"
    checks.page(page, "14-audit-export")
    with page.expect_download() as download:
        download_button.click()
    assert download.value.suggested_filename.endswith(".zip")
    page.goto("/audit/integrite/")
    page.get_by_role("button", name="Vérifier maintenant").click()
    page.wait_for_load_state()
    assert "Vérification réussie" in page.locator("#verification-result").inner_text()
    checks.page(page, "15-audit-integrity")

    checks.assert_clean()


def test_a_commune_user_cannot_reach_another_communes_request_by_url(new_page, orgs, people):
    other = request_in(Status.SUBMITTED, orgs.montelimar)
    page = new_page()
    sign_in(page, people.legal_officer_valence.username, PASSWORD)
    response = page.goto(f"/demandes/{other.reference}/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page non trouvée").is_visible()
    assert other.purpose not in page.content()
    response = page.goto(f"/demandes/{other.reference}/withdraw/")
    assert response.status == 404
    screenshot(page, "16-not-found")
    html = page.goto("/demandes/").text()
    assert other.reference not in html
