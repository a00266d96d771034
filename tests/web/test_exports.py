"""CSV and ODS exports of a filtered list of requests and of the statistics: the rows the page
shows, no typed text, one audit event per export with the kinds of filter, not their values."""

import csv
import io
from datetime import UTC, datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from odf import teletype
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from audit.models import AuditEvent
from sharing.models import InfoRequest, Status
from sharing.selectors import request_list as list_selectors
from sharing.spreadsheets import Sheet, csv_bytes
from tests.factories import request_in
from tests.web.conftest import last_event

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

PURPOSE_WORDS = "Cadre Quillemont"


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # a byte-order mark, for French spreadsheets
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def read_ods(content: bytes) -> dict[str, list[list[str]]]:
    """Every sheet's rows as text, read back with odfpy."""
    document = load(io.BytesIO(content))
    return {
        table.getAttribute("name"): [
            [teletype.extractText(cell) for cell in row.getElementsByType(TableCell)]
            for row in table.getElementsByType(TableRow)
        ]
        for table in document.spreadsheet.getElementsByType(Table)
    }


def ods_cell_types(content: bytes) -> set[str]:
    document = load(io.BytesIO(content))
    return {
        cell.getAttribute("valuetype")
        for cell in document.spreadsheet.getElementsByType(TableCell)
        if cell.getAttribute("valuetype")
    }


def with_purpose(status, commune, **options):
    return request_in(
        status,
        commune,
        purpose=f"Point de situation sur la sécurité du marché. {PURPOSE_WORDS}.",
        secure_channel_ref="BR-2026-0777",
        **options,
    )


# --- the list of requests ----------------------------------------------------------------------


def test_the_liaison_exports_the_filtered_list_as_csv_without_typed_text(web, orgs, people):
    briefing = with_purpose(Status.SUBMITTED, orgs.montelimar)
    subsidy = with_purpose(Status.ACKNOWLEDGED, orgs.valence, category_code="association-subsidy")
    request_in(Status.SUBMITTED, orgs.arras)  # another prefecture
    response = web(people.liaison).get(
        reverse("requests"), {"category": "general-threat-briefing", "export": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response.content)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Référence", "Statut", "Urgence"]
    assert "Confiée à" in header
    assert [row[0] for row in body] == [briefing.reference]
    assert subsidy.reference not in response.content.decode("utf-8-sig")
    assert body[0][header.index("Commune")] == "Montélimar"
    assert body[0][header.index("Préfecture")] == "Préfecture de la Drôme"
    assert body[0][header.index("Statut")] == str(Status.SUBMITTED.label)
    received = timezone.localdate(briefing.submitted_at).isoformat()
    assert body[0][header.index("Reçue le")] == received
    text = response.content.decode("utf-8-sig")
    assert PURPOSE_WORDS not in text
    assert "BR-2026-0777" not in text
    event = last_event("request.exported", actor_username=people.liaison.username)
    assert event.details["format"] == "csv"
    assert event.details["filters"] == ["category"]
    assert event.details["references"] == [briefing.reference]
    assert "general-threat-briefing" not in str(event.details)
    assert not AuditEvent.objects.filter(
        action="request.listed", actor_username=people.liaison.username
    ).exists()


def test_the_export_dates_are_the_day_in_france(web, orgs, people, time_machine):
    # 23:30 in UTC on 1 December is 00:30 on 2 December in Paris.
    time_machine.move_to(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), tick=False)
    request_in(Status.SUBMITTED, orgs.montelimar)
    response = web(people.liaison).get(reverse("requests"), {"export": "csv"})
    header, first = read_csv(response.content)[:2]
    assert first[header.index("Reçue le")] == "2026-12-02"


def test_the_ods_export_parses_and_holds_the_same_rows(web, orgs, people):
    created = [with_purpose(Status.SUBMITTED, orgs.montelimar) for _ in range(3)]
    response = web(people.liaison).get(reverse("requests"), {"export": "ods"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    [sheet] = read_ods(response.content).values()
    assert sheet[0][0] == "Référence"
    assert sorted(row[0] for row in sheet[1:]) == sorted(r.reference for r in created)
    assert "date" in ods_cell_types(response.content)
    assert PURPOSE_WORDS not in str(sheet)


def test_a_commune_exports_only_its_own_requests_and_no_assignee(web, orgs, people):
    own = with_purpose(Status.SUBMITTED, orgs.montelimar)
    other = with_purpose(Status.SUBMITTED, orgs.valence)
    response = web(people.legal_officer).get(reverse("requests"), {"export": "csv"})
    rows = read_csv(response.content)
    assert [row[0] for row in rows[1:]] == [own.reference]
    assert other.reference not in response.content.decode("utf-8-sig")
    assert "Confiée à" not in rows[0]


def test_the_export_links_keep_the_lists_filters(web, orgs, people):
    request_in(Status.SUBMITTED, orgs.montelimar)
    html = unescape(
        web(people.liaison)
        .get(reverse("requests"), {"category": "general-threat-briefing", "page": "1"})
        .content.decode()
    )
    assert 'href="?category=general-threat-briefing&export=csv"' in html
    assert 'href="?category=general-threat-briefing&export=ods"' in html


def test_personal_data_typed_in_the_search_is_left_out_of_the_export_and_its_record(
    web, orgs, people
):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    typed = "née le 17/08/1992"
    response = web(people.liaison).get(reverse("requests"), {"q": typed, "export": "csv"})
    assert response.status_code == 200
    assert [row[0] for row in read_csv(response.content)[1:]] == [info_request.reference]
    event = last_event("request.exported", actor_username=people.liaison.username)
    assert "q" not in event.details["filters"]
    assert "q" in event.details["refused"]
    assert "1992" not in str(event.details)


def test_a_list_too_long_to_export_sends_back_to_the_list(web, orgs, people, monkeypatch):
    monkeypatch.setattr(list_selectors, "EXPORT_MAX_ROWS", 2)
    for _ in range(3):
        request_in(Status.SUBMITTED, orgs.montelimar)
    client = web(people.liaison)
    response = client.get(reverse("requests"), {"status": "submitted", "export": "ods"})
    assert response.status_code == 302
    assert "export" not in response["Location"]
    assert "status=submitted" in response["Location"]
    assert last_event("request.exported", actor_username=people.liaison.username) is None


# --- the statistics ----------------------------------------------------------------------------


def test_the_statistics_export_as_ods_and_csv_with_the_pages_masking(web, orgs, people):
    for _ in range(2):
        request_in(Status.SUBMITTED, orgs.montelimar)
    national = web(people.auditor_national).get(reverse("stats"), {"export": "ods"})
    assert national.status_code == 200
    sheets = read_ods(national.content)
    assert set(sheets) >= {"Chiffres clés", "Par mois", "Issues", "Par préfecture"}
    months = sheets["Par mois"]
    assert months[0] == ["Mois", "Demandes"]
    assert months[-1][1] == "moins de 5"
    event = last_event("stats.exported", actor_username=people.auditor_national.username)
    assert event.details["format"] == "ods"
    assert event.details["masked"] is True

    own = web(people.liaison).get(reverse("stats"), {"export": "csv", "period": "3m"})
    rows = read_csv(own.content)
    monthly = [row for row in rows if row[0] == "Par mois"]
    assert monthly[-1][1:3] == ["Total", "2"]
    assert len(monthly) == 1 + 3 + 1  # the header, three months, the total
    assert "Montélimar" not in own.content.decode("utf-8-sig")
    assert (
        last_event("stats.exported", actor_username=people.liaison.username).details["period"][
            "kind"
        ]
        == "3m"
    )


def test_the_statistics_page_links_to_its_exports_with_the_period(web, people):
    html = unescape(web(people.liaison).get(reverse("stats"), {"period": "30j"}).content.decode())
    assert 'href="?period=30j&export=ods"' in html


def test_no_statistics_export_for_those_without_statistics(web, orgs, people):
    response = web(people.legal_officer).get(reverse("stats"), {"export": "csv"})
    assert response.status_code == 404


# --- the files ---------------------------------------------------------------------------------


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    content = csv_bytes([Sheet(name="x", header=["a", "b"], rows=[["=1+1", "-2"], ["@x", 3]])])
    assert read_csv(content)[1:] == [["'=1+1", "'-2"], ["'@x", "3"]]


def test_a_request_exported_is_the_same_request_on_the_page(web, orgs, people):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    InfoRequest.objects.filter(pk=info_request.pk).update(assigned_to=people.liaison)
    rows = read_csv(web(people.liaison).get(reverse("requests"), {"export": "csv"}).content)
    header, [row] = rows[0], rows[1:]
    assert row[header.index("Confiée à")] == people.liaison.display_name
    assert row[header.index("Statut")] == str(Status.ACKNOWLEDGED.label)
    assert row[header.index("Échéance")] == info_request.decision_due.isoformat()
