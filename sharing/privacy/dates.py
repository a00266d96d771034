"""Dates of birth among the many legitimate dates of a request (see the package docstring)."""

import re
from datetime import UTC, datetime

from .scan import Scan, Spans, fold, starts_word

# English dates are only read next to birth wording (their year is then not needed).
_DATE = re.compile(
    r"(?P<d>\d\d?) ?(?P<s>[/.-]) ?(?P<m>\d\d?) ?[/.-] ?(?P<y>(?:19|20)\d\d|\d\d)(?![\d/-]|\.\d)"
    r"|(?P<td>\d\d?)(?:er)? +(?P<tm>janv(?:ier|\.)?|f[ée]v(?:rier|r?\.)?|mars|avr(?:il|\.)?"
    r"|mai|juin|juil(?:let|\.)?|ao[uû]t|sept(?:embre|\.)?|oct(?:obre|\.)?|nov(?:embre|\.)?"
    r"|d[ée]c(?:embre|\.)?)(?: +(?P<ty>(?:19|20)\d\d))?(?!\w)"
    r"|(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d?)-(?P<id>\d\d?)(?![\d-])"
    r"|(?P<ed>\d\d?)(?:st|nd|rd|th)? +(?:of +)?(?P<em>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov"
    r"|dec)[a-z]*\.?(?: +(?P<ey>(?:19|20)\d\d))?(?!\w)",
    re.IGNORECASE,
)
_MONTHS = {"jan": 1, "fev": 2, "mar": 3, "avr": 4, "mai": 5, "aou": 8, "sep": 9, "oct": 10,
           "nov": 11, "dec": 12}  # fmt: skip
_YEAR = re.compile(r"(?:19|20)\d\d(?!\d)")
_TWO_DIGITS = re.compile(r"\d\d(?![\d%])(?! *(?:ans|mois|jours|ann[ée]es|semaines|h)\b)")
_BIRTH_CUE = re.compile(
    r"(?<!\w)(?:n(?:é|ée|és|ées|ee|ees)|naissance|naiss\.|ddn|d\.d\.n|dob|[âa]gée?s? +de|born"
    r"|date +of +birth|birthday|birth +date)(?!\w)"
    r"|(?<!\w)(?:ne|n\.)(?= +(?:le|en) +\d)",
    re.IGNORECASE,
)
_STRONG_BIRTH_CUE = re.compile(
    r"(?<!\w)(?:n(?:é|ée|és|ées|ee|ees)|(?:date|ann[ée]e) +de +naissance|ddn|dob|born"
    r"|date +of +birth)(?!\w)",
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


# "DDN 03041998", "ddn=19980403": eight digits, day first or year first.
_COMPACT_DATE = re.compile(
    r"(?:(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d\d"
    r"|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?!\d)"
)
# Birth wording right before compact digits: "date de naissance : ".
_CUE_REACH = 22
# "DDN 030498", "né 030498": six digits, day first, only right after birth wording.
_SHORT_COMPACT_DATE = re.compile(r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d\d(?!\d)")
# "l'intéressé 03041998", "contrôle de la personne 19980403", "le mis en cause 03041998": eight
# digits right after a word for a person can only be that person's date of birth (a case's
# date follows "dossier", "affaire" or "du", never the person; a file number follows "n°").
# Alone, the same digits may be any event's date. The words are nouns for the people a request
# is about, not participles that may date an event ("contrôlé 20260315").
_PERSON_NOUN = (
    r"personne|individu|int[ée]ress[ée]e?|(?:d[ée])?nomm[ée]e?|mineure?|majeure?|jeune|enfant"
    r"|adolescente?|agent|[ée]l[èe]ve|stagiaire|locataire|occupante?|salari[ée]e?|voisine?|fils"
    r"|fille|ressortissante?|administr[ée]e?|usag(?:er|[èe]re)|requ[ée]rante?|demand(?:eur|euse)"
    r"|b[ée]n[ée]ficiaire|titulaire|mise? +en +cause|suspecte?|pr[ée]venue?|d[ée]tenue?|victime"
    r"|conduct(?:eur|rice)|[ée]trang(?:er|[èe]re)|r[ée]fugi[ée]e?"
)
# "la personne concernée 03041998", "l'individu susvisé : 19980403".
_PERSON_QUALIFIER = (
    r"concern[ée]e?|signal[ée]e?|vis[ée]e?|susvis[ée]e?|pr[ée]cit[ée]e?|en +question"
)
_PERSON_BEFORE = re.compile(
    rf"(?i:(?<!\w)(?:{_PERSON_NOUN})s?(?: +(?:{_PERSON_QUALIFIER})s?)? *[:,]? *)\Z"
)
# The longest such words before the digits: "ressortissantes concernées : ".
_PERSON_REACH = 40
# "né en 98", "née en 02", "né(e) en 98": a two-digit year just after the cue.
_BORN_IN_SHORT_YEAR = re.compile(r"(?i:(?<!\w)n[ée]e?s?(?: ?\(e\))?(?: +en| +in)) +'?\Z")


def date_of_birth(scan: Scan) -> Spans:
    """Dates and years next to birth wording; old full dates not introduced as an event's."""
    text = scan.text
    for m in scan.at_numbers(_COMPACT_DATE):
        start = m.start()
        if not starts_word(text, start):
            continue
        if _STRONG_BIRTH_CUE.search(text, max(0, start - _CUE_REACH), start) or (
            _PERSON_BEFORE.search(text, max(0, start - _PERSON_REACH), start)
            and _past_date(m.group())
        ):
            yield m.span()
    for m in scan.at_numbers(_SHORT_COMPACT_DATE):
        start = m.start()
        if starts_word(text, start) and _STRONG_BIRTH_CUE.search(
            text, max(0, start - _CUE_REACH), start
        ):
            yield m.span()
    for m in scan.at_numbers(_TWO_DIGITS):
        if _BORN_IN_SHORT_YEAR.search(text, max(0, m.start() - 12), m.start()):
            yield m.span()
    for m in scan.at_numbers(_YEAR):
        start = m.start()
        cues = list(_STRONG_BIRTH_CUE.finditer(text, max(0, start - 45), start))
        if cues and not any(c in text[cues[-1].end() : start] for c in ".;\n"):
            yield m.span()  # "né en 1985", "née à Lyon en 1990"
    for m in scan.at_numbers(_DATE):
        start, end = m.span()
        if not starts_word(text, start, "/.-"):
            continue
        if m.group("d") is not None:
            day, month, year = int(m.group("d")), int(m.group("m")), m.group("y")
        elif m.group("iy") is not None:
            day, month, year = int(m.group("id")), int(m.group("im")), m.group("iy")
        elif m.group("ed") is not None:
            day, month, year = int(m.group("ed")), _ENGLISH_MONTHS[m.group("em").lower()], None
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


_ENGLISH_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip


def _past_date(digits: str) -> bool:
    """Whether eight digits, day or year first, make a real date from 1900 to this year."""
    for fmt in ("%d%m%Y", "%Y%m%d"):
        try:
            year = datetime.strptime(digits, fmt).year  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
        return 1900 <= year <= datetime.now(tz=UTC).year
    return False


def _month_number(name: str) -> int:
    folded = fold(name)
    if folded.startswith("jui"):
        return 6 if folded.startswith("juin") else 7
    return _MONTHS[folded[:3]]


def _two_digit_year(year: int) -> int:
    """A two-digit year never lies in the future: "12/03/85" is 1985, "14/05/26" is 2026."""
    return 2000 + year if 2000 + year <= datetime.now(tz=UTC).year else 1900 + year
