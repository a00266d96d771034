"""Refuses free text that carries personal identifiers, before anything is saved.

Relais stores the status of a request, never its substance (DESIGN.md, "The one rule"):
every free-text field goes through :func:`screen_text`, and a text that identifies someone is
refused whole. The refusal names the field and the kinds of identifier, never the value.

The screen errs towards refusing: a refused legitimate text costs its author a rewording, an
accepted identifier is a leak that cannot be undone. It combines, in this order:

* rules for structured identifiers (:mod:`.numbers`, :mod:`.dates`, :mod:`.addresses`): NIR,
  IBAN, e-mail, phone, ID documents, watchlist and judicial file numbers (FSPRT, fiche S,
  FIJAIS…), plates, dates of birth, postal addresses;
* the same written in words or obfuscated (:mod:`.spelled`): "zéro six douze…", "né le douze
  mars quatre-vingt-cinq", "jean point dupont arobase…";
* anything above written in hex, in base64, in leetspeak or with its letters spaced
  (:mod:`.disguised`), read a second time made readable: "4b6172696d20484144444144",
  "S2FyaW0gSEFEREFE", "K4r1m H4DD4D", "K a r i m  H A D D A D";
* names by rule in the conventions of administrative writing (:mod:`.names`);
* names as hurried people type them, found with open-data lexicons of first names and
  surnames (:mod:`.casual`): "le fils de mohamed benali", nicknames ("dit", "alias"), and
  indirect identification (a first name or an initial with an age, a class, a school, a
  workplace or a family relation);
* a statistical French named-entity model (spaCy, :mod:`.model`), installed as a package and
  loaded once per process, whose person entities survive only when the context does not make
  them a place, an office, a town or an institution (:mod:`.context`).

Known blind spots: a first name alone without any context, a surname alone in lower case with
no word for a person before it ("l'agent bouzid" is refused) or that is also a French word
("l'agent petit"), a date of birth written as an event's date with no word of birth ("le
03.04.1998"). The screen supports the secure channel; it does not replace it.
"""

from dataclasses import dataclass

from ..exceptions import PersonalDataRefused
from . import addresses, casual, dates, disguised, model, names, numbers, spelled
from .scan import Scan, Span, Spans, has_invisible_spaces, normalise

# Canonical order of kinds, used for the order of findings and in messages.
LABELS: dict[str, str] = {
    "nir": "a social-security number (NIR)",
    "date_of_birth": "a date of birth",
    "phone": "a phone number",
    "email": "an e-mail address",
    "address": "a postal address",
    "id_document": "an identity-document number",
    "watchlist": "a watchlist or judicial file number",
    "person_name": "a person's name",
    "plate": "a vehicle registration plate",
    "iban": "a bank account number (IBAN)",
}


@dataclass(frozen=True)
class Finding:
    """One kind of identifier found in a text; deliberately without the matched value."""

    kind: str
    label: str


@dataclass(frozen=True)
class Highlight:
    """Where an identifier lies in the text, for its author's form only (never stored)."""

    kind: str
    start: int
    end: int


def find_identifiers(text: str) -> list[Finding]:
    """Lists the kinds of personal identifier in ``text``, one per kind, in canonical order."""
    found = _detect(text, every=False)
    return [Finding(kind=kind, label=label) for kind, label in LABELS.items() if kind in found]


def find_highlights(text: str) -> list[Highlight]:
    """Every identifier found in ``text`` with its position, for the author's web form only.

    Positions are those of ``text``; where normalising it changed its length, the positions
    cannot be trusted and only the kinds are returned, as zero-length highlights.
    """
    found = _detect(text, every=True)
    same_length = len(normalise(text)) == len(text)
    highlights = [
        Highlight(kind=kind, start=start, end=end) if same_length else Highlight(kind, 0, 0)
        for kind in LABELS
        for start, end in sorted(set(found.get(kind, [])))
    ]
    return highlights


def screen_text(*, field: str, text: str) -> None:
    """Refuses a free-text field that identifies someone; the error never echoes the text."""
    findings = find_identifiers(text)
    if findings:
        raise PersonalDataRefused(
            field=field,
            kinds=[finding.kind for finding in findings],
            labels=[finding.label for finding in findings],
        )


def _detect(
    text: str, *, every: bool, rules: bool = True, ner: bool = True
) -> dict[str, list[Span]]:
    """Spans per kind; with ``every`` false, stops at the first span of each kind.

    ``rules`` and ``ner`` switch the two halves of the screen, for the benchmark only.
    """
    found: dict[str, list[Span]] = {}
    normalised = normalise(text)
    _detect_in(normalised, found, every=every, rules=rules, ner=ner)
    if has_invisible_spaces(text):  # "Karim\u200bHADDAD": read once more, with a space there
        _detect_in(normalise(text, spaced=True), found, every=every, rules=rules, ner=ner)
    # Hex, base64, leetspeak and letter-spaced runs ("K a r i m"): their windows once more,
    # made readable. Every span is needed there, to keep those on a run; the model, the slowest
    # step, is asked only when the rules found no name there, as in the first reading.
    for offset, window, runs in disguised.unveiled(normalised):
        more: dict[str, list[Span]] = {}
        _detect_in(window, more, every=True, rules=rules, ner=False)
        if ner and "person_name" not in more:
            _detect_in(window, more, every=True, rules=False, ner=True)
        for kind, spans in more.items():
            if on_run := disguised.on_run(spans, offset, runs):
                found.setdefault(kind, []).extend(on_run)
    return found


def _detect_in(
    normalised: str, found: dict[str, list[Span]], *, every: bool, rules: bool, ner: bool
) -> None:
    """Adds to ``found`` the spans per kind in an already normalised text."""
    scan = Scan(normalised)

    def take(kind: str, spans: Spans) -> list[Span]:
        got = list(spans) if every else [span for span in (next(spans, None),) if span]
        if got:
            found.setdefault(kind, []).extend(got)
        return got

    # Long numbers first, blanked out once found, so that their digits are not read again
    # as a phone number or a date. Masking needs every span, whatever ``every`` says.
    for kind, finder in _MASKING_DETECTORS if rules else ():
        spans = list(finder(scan))
        if spans:
            found.setdefault(kind, []).extend(spans)
            scan = scan.masked(spans)
    for kind, finder in _DETECTORS if rules else ():
        if every or kind not in found:
            take(kind, finder(scan))
    # The model is the slowest step: only asked when the rules found no name (or for the web).
    if ner and (every or "person_name" not in found):
        take("person_name", iter(model.person_spans(scan.text)))


_MASKING_DETECTORS = (
    ("iban", numbers.iban),
    ("nir", numbers.nir),
    ("email", numbers.email),
    ("phone", numbers.phone),
)
_DETECTORS = (
    ("phone", numbers.phone_by_cue),
    ("nir", spelled.nir),
    ("phone", spelled.phone),
    ("email", spelled.email),
    ("date_of_birth", dates.date_of_birth),
    ("date_of_birth", spelled.date_of_birth),
    ("address", addresses.address),
    ("id_document", numbers.id_document),
    ("watchlist", numbers.watchlist),
    ("plate", numbers.plate),
    ("person_name", names.person_name),
    ("person_name", casual.person_name),
)
