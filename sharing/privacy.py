"""Refuses free text that carries personal identifiers, before anything is saved.

Relais stores the status of a request, never its substance (DESIGN.md, "The one rule"):
every free-text field goes through :func:`screen_text`, and a text that identifies someone is
refused whole. The refusal names the field and the kinds of identifier, never the value.

The screen errs towards refusing: a refused legitimate text costs its author a rewording, an
accepted identifier is a leak that cannot be undone. Choices worth knowing:

* Dates. Requests are full of legitimate dates (meetings, letters, deadlines, legal texts), so
  a date alone is not refused. A date is a date of birth when birth wording (né, née,
  naissance, DDN, âgé de) stands a few words before or after it ("né en 1985" too), or when
  it is a full date (day, month, year) at least 14 years old that is not introduced as the
  date of something: no "le", "du", "depuis"… just before it and no legal text, event or
  foundation wording (loi, circulaire, attentat, créée…) shortly before. "Personne signalée :
  17/08/1992" or "Kevin, 1985-03-12" are refused; "la loi du 6 janvier 1978" is not. Fourteen
  years because the people concerned are adolescents or adults, and recent dates are
  meetings and deadlines.
* Names. Detected in the conventions of French administrative writing: "Prénom NOM",
  "NOM Prénom", "JEAN DUPONT", a civility + a name ("M. Dupont", "Madame DURAND"), a listed
  first name + a capitalised surname ("Karim Benali") or an initial ("Karim B."), and
  "le nommé X", "nom de famille X". A civility followed by le/la/l' or a function ("Monsieur le
  Préfet") is an office; a lone initial ("M. X") is how people anonymise and passes. Upper-case
  words known as acronyms or headings (FSPRT, CLSPD, URGENT…), words without a vowel and
  roman numerals are never surnames. After an unlisted first word, "Xxx NOM" counts only
  mid-sentence after a lower-case word, with one surname of four letters or more that does
  not end like a common noun (-TION, -ITÉ…): headings ("Salle ESPACE CULTUREL") and town
  names at the start of a sentence pass. Names after "rue", "collège", "stade"… and a short
  list of eponyms (Jean Jaurès, Samuel Paty…) are places, not people.
* Addresses need a street number and a street type ("12 rue…", "3 place du Marché"), a
  postcode and a town ("26200 Montélimar", except after "INSEE"), or residence wording next to
  a street type ("domicilié rue…"): "la place de la République" alone is a place.
* NIR: a wrong key glued to the 13 digits means another number; written apart, the 13
  digits are still a plausible NIR and are refused.
* Known blind spots: names typed in lower case, a first name alone, an unlisted first name
  at the start of a sentence or with a surname in ordinary case. The screen supports the
  secure channel; it does not replace it.

Number-shaped patterns are only tried where a run of digits starts and cue-driven ones only
around their cue words, so that a 2,000-character field is screened in about a millisecond.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from .exceptions import PersonalDataRefused

# Canonical order of kinds, used for the order of findings and in messages.
LABELS: dict[str, str] = {
    "nir": "a social-security number (NIR)",
    "date_of_birth": "a date of birth",
    "phone": "a phone number",
    "email": "an e-mail address",
    "address": "a postal address",
    "id_document": "an identity-document number",
    "person_name": "a person's name",
    "plate": "a vehicle registration plate",
    "iban": "a bank account number (IBAN)",
}


@dataclass(frozen=True)
class Finding:
    """One kind of identifier found in a text; deliberately without the matched value."""

    kind: str
    label: str


def find_identifiers(text: str) -> list[Finding]:
    """Lists the kinds of personal identifier in ``text``, one per kind, in canonical order."""
    scan = _Scan(_normalise(text))
    found: set[str] = set()
    # Long numbers first, blanked out once found, so that their digits are not read again
    # as a phone number or a date.
    for kind, finder in _MASKING_DETECTORS:
        spans = list(finder(scan))
        if spans:
            found.add(kind)
            scan = scan.masked(spans)
    for kind, finder in _DETECTORS:
        if next(finder(scan), None) is not None:
            found.add(kind)
    return [Finding(kind=kind, label=label) for kind, label in LABELS.items() if kind in found]


def screen_text(*, field: str, text: str) -> None:
    """Refuses a free-text field that identifies someone; the error never echoes the text."""
    findings = find_identifiers(text)
    if findings:
        raise PersonalDataRefused(
            field=field,
            kinds=[finding.kind for finding in findings],
            labels=[finding.label for finding in findings],
        )


Spans = Iterator[tuple[int, int]]

_CLEANUP = {"\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
            "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-",
            "\u2013": "-", "\t": " "}  # fmt: skip
_UNCLEAN = re.compile("[" + "".join(_CLEANUP) + "]")
_DIGIT_RUN = re.compile(r"[0-9]+")


def _normalise(text: str) -> str:
    """Folds no-break spaces, full-width digits, curly apostrophes and invisible characters."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _UNCLEAN.sub(lambda m: _CLEANUP[m.group()], text)


class _Scan:
    """The text under screening, with what several detectors look up computed once.

    Scanning a whole text costs about the same for any pattern that does not start with a
    literal, so number-shaped identifiers are only tried where a run of digits starts, and
    cue-driven patterns only around their cue words (found with ``str.find``).
    """

    __slots__ = ("_lower", "numbers", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.numbers = [m.start() for m in _DIGIT_RUN.finditer(text)]
        self._lower: str | None = None

    @property
    def lower(self) -> str:
        if self._lower is None:
            lower = self.text.lower()
            # Offsets must stay those of the text ("İ" lowers to two characters).
            self._lower = lower if len(lower) == len(self.text) else self.text
        return self._lower

    def masked(self, spans: list[tuple[int, int]]) -> "_Scan":
        chars = list(self.text)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        return _Scan("".join(chars))

    def at_numbers(self, pattern: re.Pattern[str], *, back: int = 0) -> Iterator[re.Match[str]]:
        """Matches of ``pattern`` starting ``back`` characters before a run of digits."""
        text = self.text
        for start in self.numbers:
            if start >= back and (m := pattern.match(text, start - back)):
                yield m

    def near(
        self, cues: tuple[str, ...], pattern: re.Pattern[str], *, before: int, after: int
    ) -> Iterator[re.Match[str]]:
        """Matches of ``pattern`` in a window around each occurrence of a cue word."""
        for cue in cues:
            at = self.lower.find(cue)
            while at != -1:
                yield from pattern.finditer(self.text, max(0, at - before), at + after)
                at = self.lower.find(cue, at + 1)


@lru_cache(maxsize=4096)
def _fold(word: str) -> str:
    """Lower case without accents, the form every word list below is written in."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


def _starts_word(text: str, start: int, also: str = "") -> bool:
    """Whether a match at ``start`` is not the tail of a longer word or number."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_" + also)


# --- numbers ----------------------------------------------------------------------------------

_NIR = re.compile(
    r"([1-478])[ .]?(\d\d)[ .]?(0[1-9]|1[0-2]|[23]\d|4[0-2]|[5-9]\d)[ .]?(\d\d|2[AB])"
    r"[ .]?(\d{3})[ .]?(\d{3})(?:[ .]?(\d\d))?(?!\w)",
    re.IGNORECASE,
)


def _nir(scan: _Scan) -> Spans:
    """13 digits with a plausible structure, followed or not by the 2-digit key.

    A key glued to the 13 digits must be right, or the 15 digits are some other number. A
    wrong key written apart ("... 084 36") still leaves a plausible 13-digit NIR in the text:
    a mistyped key hides nothing, so the number is refused anyway.
    """
    for m in scan.at_numbers(_NIR):
        sex, year, month, dept, commune, order, key = m.groups()
        if not _starts_word(scan.text, m.start(), "."):
            continue
        if dept in {"00", "96"} or commune == "000" or order == "000":
            continue
        if key is not None and scan.text[m.start(7) - 1] not in " .":
            digits = sex + year + month + dept.upper().replace("2A", "19").replace("2B", "18")
            if 97 - int(digits + commune + order) % 97 != int(key):
                continue
        yield m.span()


_IBAN = re.compile(r"[A-Z]{2}\d\d(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?!\w)")
_RIB = re.compile(r"\d{5} \d{5} [A-Z0-9]{11} \d\d(?!\w)")


def _iban(scan: _Scan) -> Spans:
    """IBANs with a valid ISO 7064 checksum, French-shaped ones even with a typo; French RIBs."""
    for m in scan.at_numbers(_IBAN, back=2):
        compact = m.group().replace(" ", "")
        numeric = int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4]))
        french = compact.startswith("FR") and len(compact) == 27
        if _starts_word(scan.text, m.start()) and (numeric % 97 == 1 or french):
            yield m.span()
    for m in scan.at_numbers(_RIB):
        if _starts_word(scan.text, m.start()):
            yield m.span()


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
_OBFUSCATED_EMAIL = re.compile(
    r"[\w.+-]+ *(?:[(\[{] *(?:at|arobase) *[)\]}]| arobase ) *[\w-]+", re.IGNORECASE
)


def _email(scan: _Scan) -> Spans:
    """Plain addresses and the usual obfuscations ("jean [at] exemple.fr", "arobase")."""
    if "@" in scan.text:
        yield from (m.span() for m in _EMAIL.finditer(scan.text))
    cues = ("arobase", "at)", "at]", "at}")
    yield from (m.span() for m in scan.near(cues, _OBFUSCATED_EMAIL, before=40, after=40))


_PHONE = re.compile(
    r"(?:(?:\+|00) ?33 ?(?:\(0\) ?)?|0)(?P<first>[1-9])(?P<rest>(?:[ .-]?\d\d){4})(?!\w)"
    r"|\+(?!33)[1-9]\d{0,2}(?:[ .-]?\d){7,12}(?!\w)"
)


def _phone(scan: _Scan) -> Spans:
    """French numbers in every usual spelling, and foreign numbers written with "+"."""
    for back in (0, 1):  # "06…", "0033…" start on the digits, "+33…" one character before
        for m in scan.at_numbers(_PHONE, back=back):
            if not _starts_word(scan.text, m.start(), "+"):
                continue
            # 080x numbers are free public lines (e.g. the national radicalisation line).
            first, rest = m.group("first"), m.group("rest")
            if first == "8" and rest.lstrip(" .-").startswith("0"):
                continue
            yield m.span()


# --- dates ------------------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<d>\d\d?) ?(?P<s>[/.-]) ?(?P<m>\d\d?) ?[/.-] ?(?P<y>(?:19|20)\d\d|\d\d)(?![\d/-]|\.\d)"
    r"|(?P<td>\d\d?)(?:er)? +(?P<tm>janv(?:ier|\.)?|f[ée]v(?:rier|r?\.)?|mars|avr(?:il|\.)?"
    r"|mai|juin|juil(?:let|\.)?|ao[uû]t|sept(?:embre|\.)?|oct(?:obre|\.)?|nov(?:embre|\.)?"
    r"|d[ée]c(?:embre|\.)?)(?: +(?P<ty>(?:19|20)\d\d))?(?!\w)"
    r"|(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d?)-(?P<id>\d\d?)(?![\d-])",
    re.IGNORECASE,
)
_MONTHS = {"jan": 1, "fev": 2, "mar": 3, "avr": 4, "mai": 5, "aou": 8, "sep": 9, "oct": 10,
           "nov": 11, "dec": 12}  # fmt: skip
_YEAR = re.compile(r"(?:19|20)\d\d(?!\d)")
_BIRTH_CUE = re.compile(
    r"(?<!\w)(?:n(?:é|ée|és|ées|ee|ees)|naissance|naiss\.|ddn|d\.d\.n|dob|[âa]gée?s? +de)(?!\w)"
    r"|(?<!\w)ne(?= +(?:le|en) +\d)",
    re.IGNORECASE,
)
_STRONG_BIRTH_CUE = re.compile(
    r"(?<!\w)(?:n(?:é|ée|és|ées|ee|ees)|(?:date|ann[ée]e) +de +naissance|ddn|dob)(?!\w)",
    re.IGNORECASE,
)
# "le 20 juin 2008", "depuis le 1er septembre 2011": the date of something, not of someone.
_DATING_WORD = re.compile(r"(?i:(?<!\w)(?:le|du|au|et|depuis|dès|jusqu'au)) *\Z")
_DOCUMENT_CUE = re.compile(
    r"(?<!\w)(?:lois?|d[ée]crets?|arr[êe]t[ée]?s?|ordonnances?|circulaires?|instructions?"
    r"|directives?|r[èe]glements?|conventions?|d[ée]lib[ée]rations?|jugements?|d[ée]cisions?"
    r"|chartes?|codes?|trait[ée]s?|constitution|protocoles?|accords?|journal officiel|jorf"
    r"|attentats?|attaques?|cr[ée][ée]e?s?|fond[ée]e?s?|d[ée]clar[ée]e?s?|publi[ée]e?s?"
    r"|sign[ée]e?s?|adopt[ée]e?s?)(?!\w)",
    re.IGNORECASE,
)
# People concerned are adolescents or adults; more recent full dates are meetings, deadlines.
_OLD_DATE_YEAR = datetime.now(tz=UTC).year - 14


def _date_of_birth(scan: _Scan) -> Spans:
    """Dates and years next to birth wording; old full dates not introduced as an event's."""
    text = scan.text
    for m in scan.at_numbers(_YEAR):
        start = m.start()
        cues = list(_STRONG_BIRTH_CUE.finditer(text, max(0, start - 45), start))
        if cues and not any(c in text[cues[-1].end() : start] for c in ".;\n"):
            yield m.span()  # "né en 1985", "née à Lyon en 1990"
    for m in scan.at_numbers(_DATE):
        start, end = m.span()
        if not _starts_word(text, start, "/.-"):
            continue
        if m.group("d") is not None:
            day, month, year = int(m.group("d")), int(m.group("m")), m.group("y")
        elif m.group("iy") is not None:
            day, month, year = int(m.group("id")), int(m.group("im")), m.group("iy")
        else:
            day, month, year = int(m.group("td")), _month_number(m.group("tm")), m.group("ty")
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        # The window before includes the date's first digit, for "ne le 12/03/1985".
        if _BIRTH_CUE.search(text, max(0, start - 40), start + 1) or _BIRTH_CUE.search(
            text, end, end + 30
        ):
            yield m.span()
            continue
        if year is None or (len(year) == 2 and m.group("s") != "/"):
            continue
        full_year = int(year) if len(year) == 4 else _two_digit_year(int(year))
        if full_year > _OLD_DATE_YEAR or _DATING_WORD.search(text, max(0, start - 12), start):
            continue
        if not _DOCUMENT_CUE.search(text, max(0, start - 60), start):
            yield m.span()


def _month_number(name: str) -> int:
    folded = _fold(name)
    if folded.startswith("jui"):
        return 6 if folded.startswith("juin") else 7
    return _MONTHS[folded[:3]]


def _two_digit_year(year: int) -> int:
    """A two-digit year never lies in the future: "12/03/85" is 1985, "14/05/26" is 2026."""
    return 2000 + year if 2000 + year <= datetime.now(tz=UTC).year else 1900 + year


# --- addresses, documents, plates -------------------------------------------------------------

# Street types that, after a number, can only be an address; the others ("place", "cours",
# "route"…) are ordinary words too, so they also need a capitalised name or a particle + name.
_STREET_ONLY = (
    r"rue|avenue|impasse|all[ée]e|chemin|quai|lieu-dit|lieudit|faubourg|fbg|ruelle|venelle"
)
_STREET_NAMED = (
    r"place|pl\.|cours|route|rte|square|sq\.|passage|voie|mail|clos|domaine|villa|cit[ée]"
    r"|r[ée]sidence|promenade|esplanade|parvis|mont[ée]e|traverse|hameau|lotissement|sentier"
    r"|chauss[ée]e|rond-point|av\.?|bd\.?|bld|blvd|boulevard|imp\.|ch\."
)
_STREET_ADDRESS = re.compile(
    r"\d{1,4}(?: ?(?i:bis|ter|quater|[a-d]))?,? +"
    rf"(?:(?i:{_STREET_ONLY})(?![\w-]) +(?:[dl]')?\w"
    rf"|(?i:{_STREET_NAMED})(?![\w-]) +(?:(?i:de la|de l'|du|des|de|d'|la|le|les|l') ?)?"
    r"[A-ZÀ-ÖØ-Þ0-9])"
)
_RESIDENCE_CUES = ("domicili", "demeurant", "résid", "resid", "habit")
_RESIDENCE = re.compile(
    r"(?<!\w)(?i:domicili[ée]e?s?|demeurant|r[ée]sidant|habitant|r[ée]side|habite)(?!\w)"
    rf"[^.;\n]{{0,25}}?(?<!\w)(?i:{_STREET_ONLY}|{_STREET_NAMED})(?![\w-])"
)
_POSTCODE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-8])\d{3} +(?:[A-ZÀ-ÖØ-Þ][\w'-]+|CEDEX)")
_INSEE_CUE = re.compile(r"(?i:insee|code commune|code officiel)")


def _address(scan: _Scan) -> Spans:
    """Number + street type, residence wording + street, or postcode + town (not INSEE codes)."""
    text = scan.text
    for m in scan.at_numbers(_STREET_ADDRESS):
        if _starts_word(text, m.start(), ",."):
            yield m.span()
    yield from (m.span() for m in scan.near(_RESIDENCE_CUES, _RESIDENCE, before=5, after=50))
    for m in scan.at_numbers(_POSTCODE):
        start = m.start()
        if _starts_word(text, start, "-") and not _INSEE_CUE.search(
            text, max(0, start - 25), start
        ):
            yield m.span()


_PASSPORT = re.compile(r"\d\d[A-Z]{2}\d{5}(?![\w-])")
_ID_CUES = ("cni", "identit", "passeport", "séjour", "sejour", "résident", "resident", "récépis",
            "recepis", "permis", "agdref", "étranger", "etranger", "visa")  # fmt: skip
_ID_CUE = re.compile(
    r"(?i:(?<!\w)cni(?!\w)|carte +(?:nationale +)?d'identit[ée]|pi[èe]ce +d'identit[ée]"
    r"|passeport|titre +de +s[ée]jour|carte +de +(?:s[ée]jour|r[ée]sident)|r[ée]c[ée]piss[ée]"
    r"|permis +de +conduire|agdref|num[ée]ro +(?:d')?[ée]tranger|(?<!\w)visa(?!\w))"
)
_ID_TOKEN = re.compile(r"(?<![\w-])(?:\d{2,4}(?: \d{2,4}){2,5}|[A-Za-z0-9]{6,15})(?![\w-])")


def _id_document(scan: _Scan) -> Spans:
    """Passport numbers anywhere; any code with digits just after ID-document wording."""
    for m in scan.at_numbers(_PASSPORT):
        if _starts_word(scan.text, m.start(), "-"):
            yield m.span()
    for cue in scan.near(_ID_CUES, _ID_CUE, before=30, after=30):
        for m in _ID_TOKEN.finditer(scan.text, cue.end(), cue.end() + 40):
            token = m.group().replace(" ", "")
            if 6 <= len(token) <= 15 and sum(c.isdigit() for c in token) >= 2:
                yield m.span()


_SIV_PLATE = re.compile(r"[A-HJ-NP-TV-Z]{2}[- ]?\d{3}[- ]?[A-HJ-NP-TV-Z]{2}(?![\w-])")
_FNI_PLATE = re.compile(
    r"\d{1,4}[- ](?P<letters>[A-Z]{2,3})[- ](?:0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])(?![\w-])"
)


def _plate(scan: _Scan) -> Spans:
    """SIV plates (AB-123-CD) and the older FNI ones (1234 AB 56), minus acronyms and months."""
    for back in (2, 3):  # "AB123CD", "AB-123-CD"
        for m in scan.at_numbers(_SIV_PLATE, back=back):
            if _starts_word(scan.text, m.start(), "-"):
                yield m.span()
    for m in scan.at_numbers(_FNI_PLATE):
        if (
            _starts_word(scan.text, m.start(), "-")
            and _fold(m.group("letters")) not in _NOT_SURNAMES
        ):
            yield m.span()


# --- names ------------------------------------------------------------------------------------

# Common first names in France, folded; words that are also ordinary capitalised nouns
# (France, Marine, Rose, Grâce, Avril, Mai, Noël, Prince, Islam…) are left out on purpose.
_FIRST_NAMES = _words("""
jean pierre michel andre philippe rene louis alain jacques bernard marcel daniel roger robert
paul claude christian henri georges nicolas francois patrick gerard christophe joseph julien
david eric frederic laurent stephane pascal sebastien thierry olivier thomas alexandre vincent
maurice raymond lucien guy didier dominique bruno sylvain romain mathieu matthieu guillaume
jerome antoine fabrice franck gilles jeremy kevin anthony maxime benjamin cedric cyril arnaud
florian ludovic loic yann yannick herve serge yves denis regis remi emmanuel xavier gregory
mickael michael damien adrien hugo lucas leo gabriel raphael arthur jules adam nathan ethan enzo
theo tom noah mael sacha victor martin clement baptiste quentin valentin alexis dylan jordan
corentin bastien mathis axel timothee simon samuel gael killian kylian erwan tristan marius
aurelien benoit bertrand charles edouard etienne fabien gaetan gauthier hector joel jonathan
lionel marc mathias morgan pierrick rodolphe thibault thibaut tony william yoann johan jimmy
steve steven teddy cyrille luc hugues alphonse albert alfred armand emile eugene fernand
gaston gustave leon leonard raoul roland max noe ilan elias sami lenny nolan evan kenzo malo
loris gaspard
marie jeanne francoise monique catherine nathalie isabelle sylvie anne martine christine nicole
sophie valerie sandrine stephanie celine veronique chantal brigitte patricia jacqueline
christiane laurence helene julie aurelie emilie caroline virginie claire camille lea manon
chloe emma ines jade louise alice lina anna juliette lucie zoe lola charlotte mathilde pauline
margaux clara sarah laura oceane elodie melanie audrey amandine justine morgane marion celia
eva nina mila agathe victoria sabrina jessica vanessa cindy laetitia severine corinne delphine
florence karine myriam muriel nadine odile pascale sabine solange suzanne yvette yvonne
genevieve denise madeleine simone colette josiane danielle michele gisele huguette annie
evelyne beatrice agnes cecile gaelle gwenaelle maryse mireille noemie anais elise estelle
fanny heloise ludivine maelle maeva romane salome jennifer elisabeth elizabeth therese
mohamed mohammed mohamad muhammad mohammad ahmed ahmad ali karim mehdi youssef yousef youcef
rachid said farid nordine nourredine abdel abdelkader abdellah abdallah abdelaziz abderrahmane
hamid hakim kamel kamal samir sofiane sofian yacine yassine yanis ilyes ilyas bilal hamza amine
omar othmane walid nabil mourad mustapha moustapha khaled khalid redouane reda tarik tarek
hichem hicham hassan hussein brahim ibrahim ismail ismael aziz djamel jamel jamal malik mounir
nassim nadir riad ryad rayan zakaria adel adil aymen ayoub anis imad lotfi lyes salim slimane
toufik yazid zinedine abdelhakim abdelkrim boualem messaoud mokhtar
fatima fatma aicha khadija leila nadia samira karima malika naima nora noura nour rachida
saida salima soraya yasmina yasmine zohra zineb meriem amel amina houda hafsa imane kenza
lamia latifa loubna nawel nesrine rania safia sana siham wafa dounia farida hanane hayat
djamila habiba ikram jamila maissa ouarda selma souad warda sonia
mamadou moussa amadou ousmane boubacar ibrahima abdoulaye souleymane cheikh modou seydou issa
oumar adama aliou alassane lamine mamadi sekou sidy yaya bakary demba kofi kwame koffi
djibril youssouf fatou aminata awa mariam mariama kadiatou hawa oumou assa astou binta coumba
djeneba fanta khady maimouna ndeye rokia salimata aissatou aissata
joao jose manuel antonio joaquim fernando paulo ricardo nuno rui carlos luis miguel pedro
diogo tiago goncalo sergio vitor armando artur maria ana sandra sofia catarina joana rita
filipa paula teresa conceicao
mehmet ahmet mustafa emre murat hakan kemal yusuf huseyin osman ozan burak ayse elif zeynep
emine hatice merve ivan igor dmitri sergei sergey andrei vasile ion bogdan piotr olga natalia
irina svetlana tatiana katarzyna magomed ramzan aslan khamzat rustam timur anzor minh john
james
""")
# People streets and schools are named after; mentioning them identifies no one concerned.
_EPONYMS = frozenset({
    "jean jaures", "jean moulin", "victor hugo", "jules ferry", "louis pasteur", "marie curie",
    "pierre curie", "emile zola", "paul langevin", "jean zay", "simone veil", "jean mace",
    "paul bert", "louise michel", "albert camus", "jacques prevert", "jean monnet",
    "robert schuman", "samuel paty", "dominique bernard", "jean rostand", "paul eluard",
    "marcel pagnol", "alphonse daudet", "emile loubet", "jean bouin", "leo lagrange",
    "pierre mendes", "louis aragon", "paul valery", "jacques brel", "georges brassens",
    "martin luther", "jean giono", "jean vilar", "louis armstrong", "jean ferrat",
    "jules verne", "anne frank", "charles peguy", "paul cezanne", "claude monet",
    "romain rolland", "jacques cartier", "pablo picasso",
})  # fmt: skip
_CIVILITIES = frozenset({"M", "MM", "Mr", "Mme", "Mmes", "Mlle", "Mlles", "Melle", "Monsieur",
                         "Madame", "Mademoiselle", "Messieurs", "Mesdames", "Dr", "Docteur", "Pr",
                         "Professeur", "Me", "Maître"})  # fmt: skip
_FUNCTIONS = _words("""
prefet prefete sous-prefet sous-prefete maire president presidente directeur directrice
procureur procureure ministre commissaire colonel general generale capitaine commandant
lieutenant adjoint adjointe conseiller conseillere secretaire depute deputee senateur
senatrice juge delegue deleguee chef inspecteur inspectrice recteur rectrice substitut
officier brigadier major doyen elu elue monsieur madame mademoiselle messieurs mesdames
""")
_STOPWORDS = _words("""
le la les l de du des d et ou en au aux un une pour par sur sous dans avec sans chez mais donc
car ni si que qui quoi ce cet cette ces son sa ses leur leurs il elle ils elles on nous vous je
tu selon suite objet vu cf ainsi alors apres avant depuis entre vers contre pendant lors
janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre lundi
mardi mercredi jeudi vendredi samedi dimanche
""")
_PARTICLES = _words(
    "le la les de du des del della di da dos das van von der ben bou el al ait ibn ould"
)
# Places and institutions named after people: "collège Jean Moulin", "rue Victor Hugo".
_PLACE_WORDS = _words("""
rue avenue boulevard bd place allee impasse chemin quai cours square college lycee ecole groupe
gymnase stade salle centre hopital clinique quartier residence cite espace mediatheque
bibliotheque parc pont maison foyer complexe institut fondation prix universite faculte campus
caserne aeroport gare station musee theatre piscine halle eglise mosquee promenade jardin
etablissement ehpad saint sainte st ste
""")
# Capitalised words that often precede an acronym or a heading in upper case.
_HEADWORDS = _words("""
demande requete reunion plan dispositif operation cellule commune ville mairie prefecture
departement region service services direction programme logiciel fichier application base
plateforme procedure reference ref dossier courrier note rapport instruction circulaire loi
decret arrete code article niveau posture alerte comite conseil groupe commission association
collectif projet secteur zone site signalement information informations retour suivi point
bilan etat menace risque urgence police gendarmerie brigade commissariat parquet tribunal cour
agence caisse office ministere republique europe union equipe unite mission pole bureau cabinet
secretariat participation inscription fiche fiches liste registre convention charte protocole
contrat accord subvention aide aides action actions mesure mesures seance session ordre annexe
titre chapitre section partie volet axe phase etape version numero reponse relance rappel compte
audience avis decision deliberation synthese cadre categorie motif statut classement diffusion
mention priorite vigilance lettre message reseau agent agents personnel contexte demandeur club
festival
""")
# Upper-case words that are acronyms or headings, never surnames (folded).
_NOT_SURNAMES = _words("""
fsprt clspd cispd cpraf crpa csi cpp cp cgct casf ceseda cjm cpi nor intk sgdsn dgsi dgse drsd
dnred tracfin scrt sdat pnat pj dcpj dipn ddsp ddpn ddets dreets ddcs drpj gir ase ccas cias rsa
caf cpam msa epci zsp qpv rgpd cnil cada ce caa ta tj tgi pv ars sg sgar sidpc cipdr cipdrr fipd
fipdr emopt ged gign raid bri bac pjj spip dap pmi mdph udaf apl aah css cmu hlm oph anru anct
cdad sncf ratp edf insee siret siren rna iban rib nir cni ddn dob agdref ofii ofpra cnda oqtf
itf opj apj apja ads asvp pm pn gn csp clsp cdd cdi drh dgs dga dgst sdis samu smur mjc pij cio
cfa iut bts cap bep dut cnrs ehpad ime itep cmp cmpp chu chs chr gip idf paca aura ue onu otan
usa fr ong jo jorf bo jaf jld jap ji nrbc cta ppr pnr sdis crs bst psig dir dr dg cm cm1 cm2
vigipirate sentinelle urgence urgent attentat attentats attaque objet confidentiel restreint
diffusion secret defense nb ps ref tel fax mail email ttc ht eur euros ok non oui ras etc pdf
faq ar lrar sms cv attention important rappel note info information demande reponse relance
copie cc annexe suite vu action decision accord refus france republique francaise etat prefet
prefete prefecture mairie maire commune departement region police gendarmerie nationale
municipale interieur justice ministere drome ardeche arras lens valence privas montelimar
janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre jan fev
mar avr jui juil aou sep sept oct nov dec lundi mardi mercredi jeudi vendredi samedi dimanche
nord sud est ouest centre agglo agglomeration metropole communaute pays ville provisoire
""")
_NOT_FIRST_WORDS = _HEADWORDS | _STOPWORDS | _FUNCTIONS | _PLACE_WORDS
# Upper-case common nouns of service and event names ("PRÉVENTION", "ANIMATIONS", "SÉCURITÉ").
_COMMON_NOUN_ENDING = re.compile(r"(?:TION|SION|ITÉ|ISME|IQUE|MENT|ANCE|ENCE|AGE|URE)S?$")
_VOWEL = re.compile(r"[AEIOUYÀÂÄÆÉÈÊËÎÏÔÖŒÙÛÜŸ]")
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-Þ][^\W\d_]*(?:['-][^\W\d_]+)*")
_WORD_BEFORE = re.compile(r"([^\W\d_]+(?:['-][^\W\d_]+)*)([\s«\"'(]*)\Z")
_WORD_AFTER = re.compile(r"\.? {1,3}([^\W\d_]+(?:['-][^\W\d_]+)*)")
_NAME_CUES = ("nomm", "alias", "appel", "nom", "identit", "patronyme")
_NAME_CUE = re.compile(
    r"(?i:(?<!\w)(?:d[ée]nomm[ée]e?|pr[ée]nomm[ée]e?|nomm[ée]e?|surnomm[ée]e?|alias"
    r"|s'appel(?:le|ait|ant)|nom +(?:de +famille|d'usage|de +naissance) *:?)"
    r"|(?<!\w)(?:nom|pr[ée]nom|patronyme|identit[ée]) *:) *"
    r"(?P<name>[A-ZÀ-ÖØ-Þ][^\W\d_]+)"
)


class _Word:
    """A capitalised word of the text; lower-case words are only looked at around these."""

    __slots__ = ("caps", "end", "key", "start", "text", "title")

    def __init__(self, match: re.Match[str]) -> None:
        self.text = match.group()
        self.start, self.end = match.span()
        self.key = _fold(self.text)
        self.caps = self.text.isupper() and len(self.text) >= 2
        self.title = not self.text.isupper()

    @property
    def first_name(self) -> bool:
        return all(part in _FIRST_NAMES for part in self.key.split("-"))


def _person_name(scan: _Scan) -> Spans:
    """Names in the conventions of French administrative writing (see the module docstring)."""
    for m in scan.near(_NAME_CUES, _NAME_CUE, before=12, after=60):
        key = _fold(m.group("name"))
        if key not in _FUNCTIONS and key not in _STOPWORDS and key not in _NOT_SURNAMES:
            yield m.span()
    text = scan.text
    words = [_Word(m) for m in _CAPITALISED.finditer(text) if _starts_word(text, m.start(), "'-")]
    for i, word in enumerate(words):
        if _names_someone(text, words, i):
            yield word.start, word.end


def _names_someone(text: str, words: list[_Word], i: int) -> bool:
    """Whether a person's name starts at ``words[i]``."""
    word = words[i]
    if word.text in _CIVILITIES:
        return _after_civility(text, words, i)
    if word.title:
        return _title_first(text, words, i)
    if not word.caps or (i > 0 and words[i - 1].caps and _adjacent(text, words[i - 1], word)):
        return False
    run = [word, *_caps_run(text, words, i + 1)]
    after = words[i + len(run)] if i + len(run) < len(words) else None
    if after and after.title and after.first_name and _adjacent(text, run[-1], after):
        return _surname_like(run, min_letters=2)  # "DUPONT Jean"
    if len(run) < 2 or " ".join(w.key for w in run) in _EPONYMS or _after_place(text, word):
        return False
    if run[0].first_name:
        return _surname_like(run[1:], min_letters=2)  # "JEAN DUPONT"
    if run[-1].first_name:
        return _surname_like(run[:-1], min_letters=2)  # "DUPONT JEAN"
    return False


def _title_first(text: str, words: list[_Word], i: int) -> bool:
    """A capitalised word followed by a surname: "Jean DUPONT", "Karim Benali", "Karim B."."""
    word = words[i]
    caps_run = _caps_run(text, words, i + 1)
    nxt = words[i + 1] if i + 1 < len(words) and _adjacent(text, word, words[i + 1]) else None
    if not caps_run and nxt is None:
        return False
    if not word.first_name:
        # An unlisted first word: only a single surname-like word, mid-sentence after a
        # lower-case word ("concernant Anouar BOUAZZA"); headings such as "Salle ESPACE
        # CULTUREL" or "service Prévention SÉCURITÉ" do not fit.
        before = _WORD_BEFORE.search(text, max(0, word.start - 30), word.start)
        return (
            before is not None
            and before.group(1).islower()
            and 0 < len(before.group(2)) <= 3
            and before.group(2).isspace()
            and word.key not in _NOT_FIRST_WORDS
            and len([w for w in caps_run if w.key not in _PARTICLES]) == 1
            and not _COMMON_NOUN_ENDING.search(caps_run[-1].text)
            and _surname_like(caps_run, min_letters=4)
        )
    if _after_place(text, word):
        return False
    if caps_run:
        return _surname_like(caps_run, min_letters=2)
    if nxt is None:
        return False
    if len(nxt.text) == 1 and text[nxt.end : nxt.end + 1] == ".":
        return True  # "Karim B."
    if nxt.title and nxt.key in _PARTICLES:
        after = words[i + 2] if i + 2 < len(words) else None
        return after is not None and after.title and _adjacent(text, nxt, after)  # "Jean Le Gall"
    if nxt.title and nxt.key not in _STOPWORDS and nxt.key not in _FUNCTIONS:
        return f"{word.key} {nxt.key}" not in _EPONYMS
    return False


def _after_civility(text: str, words: list[_Word], i: int) -> bool:
    """Yes for "M. Dupont", "Madame DURAND"; no for an office ("Monsieur le Préfet") or "M. X"."""
    civility = words[i]
    if civility.text == "M" and text[civility.end : civility.end + 1] != ".":
        return False  # an initial, not "Monsieur"
    after = _WORD_AFTER.match(text, civility.end)
    if after is None or i + 1 >= len(words) or words[i + 1].start != after.start(1):
        return False  # the next word is in lower case ("le", "la", "l'adjoint") or absent
    name = words[i + 1]
    if name.caps:  # "Mme LE GALL"; "M. LE PRÉFET" stops at the function
        return _surname_like([name, *_caps_run(text, words, i + 2)], min_letters=2)
    if name.key.startswith("l'") or name.key in _FUNCTIONS or name.key in _STOPWORDS:
        return False  # "Monsieur Le Préfet", "M. L'Adjoint", "Madame Maire"
    return len(name.text) >= 2


def _caps_run(text: str, words: list[_Word], i: int) -> list[_Word]:
    """Upper-case words following ``words[i - 1]`` closely, e.g. "LE GALL", "BEN ALI"."""
    run: list[_Word] = []
    while i < len(words) and words[i].caps and i > 0 and _adjacent(text, words[i - 1], words[i]):
        run.append(words[i])
        i += 1
    return run


def _surname_like(run: list[_Word], *, min_letters: int) -> bool:
    """Upper-case words read as a surname up to the first acronym, heading or vowel-less word."""
    surname: list[_Word] = []
    for word in run:
        if word.key in _NOT_SURNAMES or _ROMAN.fullmatch(word.text) or not _VOWEL.search(word.text):
            break
        surname.append(word)
    core = [word for word in surname if word.key not in _PARTICLES]
    return bool(core) and sum(c.isalpha() for w in surname for c in w.text) >= min_letters


def _adjacent(text: str, left: _Word, right: _Word) -> bool:
    gap = text[left.end : right.start]
    return 0 < len(gap) <= 3 and gap.isspace()


def _after_place(text: str, word: _Word) -> bool:
    """Whether ``word`` follows "rue", "collège", "stade"… (also in the plural)."""
    before = _WORD_BEFORE.search(text, max(0, word.start - 30), word.start)
    if before is None:
        return False
    key = _fold(before.group(1))
    return key in _PLACE_WORDS or key.removesuffix("s") in _PLACE_WORDS


_MASKING_DETECTORS = (("iban", _iban), ("nir", _nir), ("email", _email), ("phone", _phone))
_DETECTORS = (
    ("date_of_birth", _date_of_birth),
    ("address", _address),
    ("id_document", _id_document),
    ("plate", _plate),
    ("person_name", _person_name),
)
