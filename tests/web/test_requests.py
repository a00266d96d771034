"""The request screens: lists, the request's page, the draft form, and who reaches what."""

import base64
import re
import zlib
from html import unescape

import pytest
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone, translation

from sharing.formats import long_date
from sharing.models import InfoRequest, Status
from sharing.templatetags.relais import (
    localised,
    overdue_badge,
    running_due,
    status_badge,
    urgency_label,
    waiting_on,
)
from sharing.views.requests import list_rows
from tests.factories import PURPOSE, category, draft, legal_basis, request_in
from tests.web.conftest import last_event

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

PERSON = "Merci de nous dire si Jean DUPONT est inscrit au FSPRT et où il habite."


def detail(reference: str) -> str:
    return reverse("request-detail", kwargs={"reference": reference})


def test_a_commune_lists_only_its_own_requests(web, orgs, people):
    own = draft(orgs.montelimar)
    other = draft(orgs.valence)
    response = web(people.legal_officer).get(reverse("requests"))
    assert response.status_code == 200
    html = response.content.decode()
    assert own.reference in html
    assert other.reference not in html
    listed = last_event("request.listed", actor_username=people.legal_officer.username)
    assert listed.details["references"] == [own.reference]
    assert listed.details["via"] == "web"


def test_the_inbox_sorts_by_what_is_due_first_and_hides_drafts(web, orgs, people):
    draft(orgs.montelimar)
    submitted = request_in(Status.SUBMITTED, orgs.montelimar)
    acknowledged = request_in(Status.ACKNOWLEDGED, orgs.valence)
    InfoRequest.objects.filter(pk=acknowledged.pk).update(
        decision_due=submitted.acknowledgement_due.replace(year=2000)
    )
    html = web(people.liaison).get(reverse("requests")).content.decode()
    references = re.findall(r"\d{5}-\d{4}-\d{4}", html)
    assert references.index(acknowledged.reference) < references.index(submitted.reference)
    assert "Brouillon" not in re.sub(r"<option.*?</option>", "", html, flags=re.S)
    assert "En retard" in html


def test_the_inbox_rows_escape_what_was_typed_and_link_each_request(web, orgs, people):
    """The rows' values are worked out in Python (sharing.views.requests.list_rows) and
    written by the template: what the commune typed stays escaped, and each row links to its
    own request and "take" action."""
    typed = "Troubles devant l'école & <b>tapage</b> nocturne"
    submitted = request_in(Status.SUBMITTED, orgs.montelimar, purpose=typed)
    for language, take in (("fr", "Je la prends"), ("en", "Take it")):
        html = web(people.liaison, language=language).get(reverse("requests")).content.decode()
        assert "<b>tapage</b>" not in html
        assert "Troubles devant l&#x27;école &amp; &lt;b&gt;tapage&lt;/b&gt; nocturne" in html
        assert f'<a href="{detail(submitted.reference)}" class="relais-nowrap">' in html
        action = reverse(
            "request-action", kwargs={"reference": submitted.reference, "action": "take"}
        )
        assert f'formaction="{action}">{take}<span class="fr-sr-only"> (' in html
        assert f'id="select-{submitted.reference}" name="selected"' in html


def test_the_inbox_filters_by_status_commune_category_overdue_and_reference(web, orgs, people):
    montelimar = request_in(Status.SUBMITTED, orgs.montelimar)
    valence = request_in(Status.ACKNOWLEDGED, orgs.valence, category_code="social-support")
    client = web(people.liaison)

    def shown(**query):
        html = client.get(reverse("requests"), query).content.decode()
        return {ref for ref in (montelimar.reference, valence.reference) if ref in html}

    assert shown() == {montelimar.reference, valence.reference}
    assert shown(status="acknowledged") == {valence.reference}
    assert shown(commune=orgs.montelimar.code) == {montelimar.reference}
    assert shown(category="social-support") == {valence.reference}
    assert shown(reference=montelimar.reference) == {montelimar.reference}
    assert shown(reference=montelimar.reference.lower()) == {montelimar.reference}
    assert shown(reference=orgs.valence.code) == {valence.reference}  # a prefix
    assert shown(overdue="on") == set()
    InfoRequest.objects.filter(pk=valence.pk).update(
        decision_due=valence.decision_due.replace(year=2000)
    )
    assert shown(overdue="on") == {valence.reference}


def test_the_list_filters_survive_nonsense_query_strings(web, people):
    response = web(people.liaison).get(
        reverse("requests"), {"status": "nope", "page": "x", "Foo-Bar": "1"}
    )
    assert response.status_code == 200


def test_detail_shows_the_request_and_records_the_view(web, orgs, people):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    response = web(people.legal_officer).get(detail(info_request.reference))
    assert response.status_code == 200
    html = response.content.decode()
    assert info_request.reference in html
    assert "Historique" in html
    assert "Réception accusée" in html  # the timeline
    viewed = last_event("request.viewed", target_ref=info_request.reference)
    assert viewed.actor_username == people.legal_officer.username
    assert viewed.details["via"] == "web"


@pytest.mark.parametrize(
    "who", ["legal_officer_valence", "mayor_arras", "liaison62", "auditor_national", "staff"]
)
def test_another_communes_request_is_not_found_by_url(web, orgs, people, who):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    client = web(getattr(people, who))
    for url in (
        detail(info_request.reference),
        reverse("request-edit", kwargs={"reference": info_request.reference}),
        reverse("request-receipt", kwargs={"reference": info_request.reference}),
        reverse("request-action", kwargs={"reference": info_request.reference, "action": "decide"}),
    ):
        assert client.get(url).status_code == 404, url
    denied = last_event("request.not_found", actor_username=getattr(people, who).username)
    assert denied.outcome == "denied"
    assert denied.details["reference"] == info_request.reference


def test_missing_and_forbidden_answer_the_same_404(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    client = web(people.legal_officer_valence)
    forbidden = client.get(detail(info_request.reference))
    missing = client.get(detail("26362-2026-9999"))
    assert forbidden.status_code == missing.status_code == 404
    assert "Page non trouvée" in forbidden.content.decode()


@pytest.mark.parametrize(
    "who", ["legal_officer", "mayor", "liaison", "prefecture_admin", "legal_officer_valence"]
)
def test_what_a_list_shows_and_what_a_detail_allows_agree(web, orgs, people, who):
    requests = [
        request_in(Status.SUBMITTED, orgs.montelimar),
        request_in(Status.ACKNOWLEDGED, orgs.valence),
        request_in(Status.SUBMITTED, orgs.arras),
    ]
    client = web(getattr(people, who))
    html = client.get(reverse("requests"), {"status": ""}).content.decode()
    for info_request in requests:
        listed = info_request.reference in html
        status = client.get(detail(info_request.reference)).status_code
        assert (status == 200) == listed, (who, info_request.reference)


def test_internal_notes_never_reach_the_commune(web, orgs, people):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    note = "Point à voir avec le cabinet du préfet avant la réponse."
    response = web(people.liaison).post(
        reverse("request-action", kwargs={"reference": info_request.reference, "action": "notes"}),
        {"text": note},
    )
    assert response.status_code == 302
    assert note in web(people.liaison).get(detail(info_request.reference)).content.decode()
    commune_page = web(people.legal_officer).get(detail(info_request.reference)).content.decode()
    assert note not in commune_page
    assert "Notes internes" not in commune_page
    response = web(people.mayor).post(
        reverse("request-action", kwargs={"reference": info_request.reference, "action": "notes"}),
        {"text": note},
    )
    assert response.status_code == 404


def test_new_request_form_guides_the_choice_of_category_and_legal_basis(web, people):
    html = web(people.legal_officer).get(reverse("request-create")).content.decode()
    assert 'type="radio" name="category"' in html
    assert 'type="radio" name="legal_basis"' in html
    assert "Bases légales possibles" in html
    assert "fr-hint-text" in html


def test_new_request_is_drafted_for_the_commune(web, orgs, people):
    response = web(people.legal_officer).post(
        reverse("request-create"),
        {
            "category": category().pk,
            "legal_basis": legal_basis().pk,
            "purpose": PURPOSE,
            "urgency": "urgent",
            "secure_channel_ref": "br-2026-0141",
        },
    )
    assert response.status_code == 302
    info_request = InfoRequest.objects.get()
    assert response["Location"] == detail(info_request.reference)
    assert info_request.commune == orgs.montelimar
    assert info_request.status == Status.DRAFT
    assert info_request.secure_channel_ref == "BR-2026-0141"
    assert info_request.urgency == "urgent"


def test_personal_data_is_refused_next_to_the_field_and_the_text_stays_for_rewording(web, people):
    response = web(people.legal_officer).post(
        reverse("request-create"),
        {
            "category": category("social-support").pk,
            "legal_basis": legal_basis().pk,
            "purpose": PERSON,
            "urgency": "urgent",
            "secure_channel_ref": "BR-2026-0141",
        },
    )
    assert response.status_code == 400
    assert not InfoRequest.objects.exists()
    html = response.content.decode()
    group = re.search(
        r'<div class="fr-input-group fr-input-group--error">(.*?)</div>\s*</div>', html, re.S
    )
    assert group is not None
    assert "id_purpose" in group.group(1)
    assert "le nom d'une personne" in unescape(group.group(1))
    # The refused text stays in the author's form, unsaved, with the name marked.
    assert re.search(r"<textarea[^>]*>\s*Merci de nous dire si Jean DUPONT", html)
    assert '<mark title="le nom d&#x27;une personne">Jean DUPONT</mark>' in html
    assert 'value="BR-2026-0141"' in html
    assert re.search(r'value="urgent"[^>]*checked|checked[^>]*value="urgent"', html)
    assert re.search(
        rf'value="{category("social-support").pk}"[^>]*checked|checked[^>]*value="{category("social-support").pk}"',
        html,
    )


def test_the_marked_words_of_a_refused_text_are_escaped(web, people):
    purpose = "Voir <script>alert(1)</script> avec Karim Benali, 06 12 34 56 78."
    response = web(people.legal_officer).post(
        reverse("request-create"),
        {
            "category": category("social-support").pk,
            "legal_basis": legal_basis().pk,
            "purpose": purpose,
            "urgency": "normal",
        },
    )
    assert response.status_code == 400
    assert not InfoRequest.objects.exists()
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<mark title="un numéro de téléphone">06 12 34 56 78</mark>' in html
    assert "Karim Benali</mark>" in html


def test_a_legal_basis_that_does_not_fit_the_category_is_refused_next_to_it(web, people):
    response = web(people.legal_officer).post(
        reverse("request-create"),
        {
            "category": category("association-subsidy").pk,
            "legal_basis": legal_basis("cpp-11-2").pk,
            "purpose": PURPOSE,
            "urgency": "normal",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'id="radio-id_legal_basis".*?</fieldset>', html, re.S).group(0)
    assert "ne s'applique pas à la catégorie choisie" in unescape(error)
    assert PURPOSE in unescape(html)  # the purpose typed is kept


def test_only_commune_users_draft(web, people):
    assert web(people.liaison).get(reverse("request-create")).status_code == 404
    assert last_event("permission.denied", actor_username=people.liaison.username) is not None


def test_a_draft_is_edited_and_a_signed_request_is_not(web, orgs, people):
    info_request = draft(orgs.montelimar)
    url = reverse("request-edit", kwargs={"reference": info_request.reference})
    client = web(people.legal_officer)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "category": info_request.category_id,
            "legal_basis": info_request.legal_basis_id,
            "purpose": PURPOSE + " Complément.",
            "urgency": "normal",
            "secure_channel_ref": "",
        },
    )
    assert response.status_code == 302
    info_request.refresh_from_db()
    assert info_request.purpose.endswith("Complément.")
    signed = request_in(Status.SUBMITTED, orgs.montelimar)
    response = client.get(reverse("request-edit", kwargs={"reference": signed.reference}))
    assert response.status_code == 302
    assert response["Location"] == detail(signed.reference)


def test_edit_keeps_other_fields_when_the_purpose_is_refused(web, orgs, people):
    info_request = draft(orgs.montelimar)
    response = web(people.legal_officer).post(
        reverse("request-edit", kwargs={"reference": info_request.reference}),
        {
            "category": info_request.category_id,
            "legal_basis": info_request.legal_basis_id,
            "purpose": PERSON,
            "urgency": "normal",
            "secure_channel_ref": "BR-2026-0999",
        },
    )
    assert response.status_code == 400
    info_request.refresh_from_db()
    assert info_request.purpose == PURPOSE
    assert 'value="BR-2026-0999"' in response.content.decode()


def test_receipt_pdf_for_a_signed_request_only(web, orgs, people):
    signed = request_in(Status.SUBMITTED, orgs.montelimar)
    response = web(people.mayor).get(
        reverse("request-receipt", kwargs={"reference": signed.reference})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert last_event("request.receipt_downloaded", target_ref=signed.reference) is not None
    unsigned = draft(orgs.montelimar)
    response = web(people.mayor).get(
        reverse("request-receipt", kwargs={"reference": unsigned.reference})
    )
    assert response.status_code == 404


def pdf_text(content: bytes) -> str:
    """The strings the PDF's page streams show (reportlab writes Helvetica text as `(...) Tj`
    in ASCII85-encoded, deflated streams), decoded as the standard fonts' Latin-1 encoding."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
        stream = stream.strip()
        if stream.endswith(b"~>"):
            stream = zlib.decompress(base64.a85decode(stream[:-2]))
        for text in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", stream):
            text = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), text)
            shown.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1"))
    return "\n".join(shown)


def receipt_of(client, info_request) -> str:
    response = client.get(reverse("request-receipt", kwargs={"reference": info_request.reference}))
    assert response.status_code == 200
    return pdf_text(response.content)


def test_receipt_names_the_services_postal_address_and_phone(web, orgs, people):
    orgs.pref26.postal_address = "3 boulevard Vauban\n\n26030 Valence Cedex\n"
    orgs.pref26.phone = "04 75 79 28 00"
    orgs.pref26.save(update_fields=["postal_address", "phone"])
    signed = request_in(Status.SUBMITTED, orgs.montelimar)

    text = receipt_of(web(people.mayor), signed)

    assert "Préfecture de la Drôme" in text
    assert "3 boulevard Vauban" in text
    assert "26030 Valence Cedex" in text
    assert "Tél. 04 75 79 28 00" in text
    assert signed.reference in text


def test_receipt_without_address_or_phone_names_the_service_alone(web, orgs, people):
    signed = request_in(Status.SUBMITTED, orgs.montelimar)
    text = receipt_of(web(people.mayor), signed)
    assert "Préfecture de la Drôme" in text
    assert "Tél." not in text


def test_receipt_is_in_french_with_1er_for_an_english_speaking_user(web, orgs, people, travel):
    people.mayor.language = "en"
    people.mayor.save(update_fields=["language"])
    now = timezone.now()
    first_of_month = timezone.localtime(now).replace(day=1, hour=10)
    travel(seconds=(first_of_month - now).total_seconds())
    signed = request_in(Status.SUBMITTED, orgs.montelimar)
    travel.back()

    text = receipt_of(web(people.mayor, language="en"), signed)

    assert "Accusé de réception" in text
    assert "Acknowledgement" not in text
    assert f"1er {long_date(first_of_month, 'fr').split(' ', 1)[1]}" in text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_list_rows_show_what_the_template_filters_showed(orgs, people, language):
    """Each value `list_rows` gives the template is what the tag or filter it replaces gives
    (a purpose past 70 characters cut as `truncatechars:70` cuts it, combining accents
    included; the status badge; dates in the page's language)."""
    long_purpose = "Réunion du groupe de travail sur la prévention " + "e\u0301" * 40 + " fin"
    rows = [
        request_in(Status.SUBMITTED, orgs.montelimar, purpose=long_purpose, urgency="urgent"),
        request_in(Status.DRAFT, orgs.valence),
        request_in(Status.DECIDED, orgs.montelimar),
    ]
    InfoRequest.objects.filter(pk=rows[0].pk).update(assigned_to=people.liaison)
    listed = list(InfoRequest.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk"))
    with translation.override(language):
        shown = list_rows(listed, today=timezone.localdate())
        for row, values in zip(listed, shown, strict=True):
            expected = {
                "url": detail(row.reference),
                "commune": row.commune.name,
                "category": localised(row.category, "name"),
                "purpose": truncatechars(row.purpose, 70),
                "received": long_date(row.submitted_at) or "—",
                "due": long_date(running_due(row)) if running_due(row) else "—",
                "late": bool(overdue_badge(row)),
                "waiting_on": waiting_on(row),
                "urgency": urgency_label(row.urgency),
                "assignee": (row.assigned_to.display_name if row.assigned_to else "") or "—",
                "status_badge": status_badge(row),
            }
            values["status_badge"] = (
                f'<p class="fr-badge {values["status_class"]}">{values["status"]}</p>'
            )
            assert {key: values[key] for key in expected} == expected
    assert shown[0]["purpose"] != long_purpose  # cut
    assert shown[0]["urgent"]
