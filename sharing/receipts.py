"""The acknowledgement of receipt of a signed request, as a PDF (reportlab).

CRPA L.112-3 and R.112-5: the acknowledgement states the date of receipt, the service in
charge, the date after which silence amounts to a decision, and how that decision can be
contested. It names the request by its reference and category only: like every other output of
Relais it carries the status of the request, never its substance (no purpose, no message).
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from accounts.models import Organization

from .formats import localised_field, long_date
from .models import ExpiryPolicy, InfoRequest

BLUE_FRANCE = colors.HexColor("#000091")


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "brand": ParagraphStyle("brand", parent=sheet["Normal"], fontName="Helvetica-Bold",
                                fontSize=10, leading=12),
        "title": ParagraphStyle("title", parent=sheet["Title"], fontName="Helvetica-Bold",
                                fontSize=18, leading=22, alignment=0, textColor=BLUE_FRANCE),
        "heading": ParagraphStyle("heading", parent=sheet["Heading2"], fontName="Helvetica-Bold",
                                  fontSize=12, leading=15, spaceBefore=8, spaceAfter=4),
        "body": ParagraphStyle("body", parent=sheet["Normal"], fontName="Helvetica",
                               fontSize=10, leading=14),
        "small": ParagraphStyle("small", parent=sheet["Normal"], fontName="Helvetica",
                                fontSize=8, leading=11, textColor=colors.HexColor("#3a3a3a")),
    }  # fmt: skip


def _day(value) -> str:
    """`1er décembre 2026`: the French of an official document, "1er" included."""
    return long_date(value, "fr") if value else "—"


def silence_text(info_request: InfoRequest) -> str:
    """What the prefecture's silence means once the decision deadline has passed."""
    if info_request.category.expiry_policy == ExpiryPolicy.IMPLICIT_REJECTION:
        return _(
            "À défaut de décision à cette date, la demande est réputée rejetée : le silence "
            "gardé par l'administration vaut décision implicite de rejet (article L.231-4 du "
            "code des relations entre le public et l'administration)."
        )
    return _(
        "Le dépassement de cette date est signalé à la préfecture ; pour cette catégorie de "
        "demande, Relais n'y attache pas de décision implicite."
    )


def contest_text(info_request: InfoRequest) -> str:
    """How a rejection, explicit or implicit, can be contested."""
    return _(
        "Une décision de rejet, explicite ou implicite, peut faire l'objet d'un recours gracieux "
        "auprès du préfet ou d'un recours contentieux devant le tribunal administratif "
        "territorialement compétent, dans un délai de deux mois à compter de sa notification "
        "ou, pour une décision implicite, de la date à laquelle elle est née (articles R.421-1 "
        "et R.421-2 du code de justice administrative). Le tribunal peut être saisi par "
        "l'application Télérecours citoyens (www.telerecours.fr)."
    )


def service_lines(organization: Organization) -> list[str]:
    """The service's designation, postal address and telephone (CRPA R.112-5), as far as the
    organisation's record gives them: its name alone when they are not filled in."""
    found = [organization.name, *organization.address_lines]
    if organization.phone:
        found.append(_("Tél. %(phone)s") % {"phone": organization.phone})
    return found


def signature_text(info_request: InfoRequest) -> str:
    """In which capacity the request was signed: by the mayor, or by a deputy "pour le maire et
    par délégation", named with the delegation order's reference."""
    delegation = info_request.signature_delegation
    if delegation is None:
        return _("Le maire de la commune.")
    return _("Pour le maire et par délégation, %(name)s (arrêté de délégation n° %(order)s).") % {
        "name": delegation.deputy.display_name,
        "order": delegation.order_reference,
    }


def receipt_pdf(*, info_request: InfoRequest) -> bytes:
    """The acknowledgement of receipt of a signed request (submitted_at is set): an official
    French document, in French whatever the reader's interface language."""
    if info_request.submitted_at is None:
        raise ValueError("a draft has no acknowledgement of receipt")
    with translation.override("fr"):
        return _render(info_request)


def _render(info_request: InfoRequest) -> bytes:
    styles = _styles()
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Accusé de réception — demande %(reference)s")
        % {"reference": info_request.reference},
        author=info_request.prefecture.name,
        subject=_("Accusé de réception (CRPA L.112-3, R.112-5)"),
        creator="Relais",
        lang=translation.get_language(),
    )
    received = timezone.localtime(info_request.submitted_at)
    category_name = localised_field(info_request.category, "name")

    def para(text: str, style: str = "body") -> Paragraph:
        return Paragraph(escape(str(text)), styles[style])

    def lines(texts: list[str], style: str = "body") -> Paragraph:
        return Paragraph("<br/>".join(escape(str(text)) for text in texts), styles[style])

    service = service_lines(info_request.prefecture)

    rows: list[tuple[str, str | list[str]]] = [
        (_("Demande"), info_request.reference),
        (_("Commune"), f"{info_request.commune.name} ({info_request.commune.code})"),
        (_("Catégorie"), str(category_name)),
        (_("Base légale"), info_request.legal_basis.citation),
        (_("Signataire"), signature_text(info_request)),
        (
            _("Date de réception"),
            _("%(date)s à %(time)s")
            % {"date": _day(received.date()), "time": received.strftime("%H:%M")},
        ),
        (_("Service chargé de la demande"), service),
        (_("Date limite de décision"), _day(info_request.decision_due)),
    ]
    table = Table(
        [
            [para(label), lines(value) if isinstance(value, list) else para(value)]
            for label, value in rows
        ],
        colWidths=[55 * mm, 115 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    story = [
        para("RÉPUBLIQUE FRANÇAISE", "brand"),
        para(info_request.prefecture.name, "brand"),
        *([lines(service[1:], "small")] if len(service) > 1 else []),
        Spacer(1, 10 * mm),
        para(_("Accusé de réception"), "title"),
        Spacer(1, 4 * mm),
        para(
            _(
                "La préfecture a reçu le %(date)s la demande d'information de la commune de "
                "%(commune)s, signée par son maire et transmise par Relais."
            )
            % {"date": _day(received.date()), "commune": info_request.commune.name}
            if info_request.signature_delegation_id is None
            else _(
                "La préfecture a reçu le %(date)s la demande d'information de la commune de "
                "%(commune)s, signée pour le maire et par délégation et transmise par Relais."
            )
            % {"date": _day(received.date()), "commune": info_request.commune.name}
        ),
        Spacer(1, 4 * mm),
        table,
        para(_("Délai de décision"), "heading"),
        para(
            _(
                "La préfecture se prononce au plus tard le %(date)s. Ce délai est suspendu "
                "lorsque la préfecture demande des précisions, jusqu'à leur réception, et peut "
                "être prolongé pour un motif indiqué à la commune."
            )
            % {"date": _day(info_request.decision_due)}
        ),
        para(_("Silence de l'administration"), "heading"),
        para(silence_text(info_request)),
        para(_("Voies et délais de recours"), "heading"),
        para(contest_text(info_request)),
        Spacer(1, 8 * mm),
        para(
            _(
                "Accusé de réception délivré en application des articles L.112-3 et R.112-5 du "
                "code des relations entre le public et l'administration. Relais conserve le "
                "statut de la demande, jamais son contenu. Document établi le %(today)s."
            )
            % {"today": _day(timezone.localdate())},
            "small",
        ),
    ]
    document.build(story)
    return buffer.getvalue()
