"""Identifiers shaped as numbers and codes: NIR, IBAN, e-mail, phone, ID documents, plates."""

import re

from .lexicons import NOT_SURNAMES, words
from .scan import Scan, Spans, fold, starts_word

# Groups apart with spaces, dots or hyphens ("1-85-05-78-006-084-91"), the key also after a
# slash or a dash ("… 084 / 91").
_NIR = re.compile(
    r"([1-478])[ .-]?(\d\d)[ .-]?(0[1-9]|1[0-2]|[23]\d|4[0-2]|[5-9]\d)[ .-]?(\d\d|2[AB])"
    r"[ .-]?(\d{3})[ .-]?(\d{3})(?:(?:[ .-]?| ?[/-] ?)(\d\d))?(?![\w-])",
    re.IGNORECASE,
)


def nir(scan: Scan, *, key_checked: bool = False) -> Spans:
    """13 digits with a plausible structure, followed or not by the 2-digit key.

    The key is not checked: a NIR with a typo in its key is still a person's number, whether
    the key is written apart ("... 084 36") or glued ("...08436"). Glued digits that cannot be
    a key (00, 98, 99) make the 15 digits some other number. With ``key_checked``, a glued key
    must be right, for digits that may be several numbers read together.
    """
    for m in scan.at_numbers(_NIR):
        sex, year, month, dept, commune, order, key = m.groups()
        if not starts_word(scan.text, m.start(), ".-/"):
            continue
        if dept in {"00", "96"} or commune == "000" or order == "000":
            continue
        if key is not None and scan.text[m.start(7) - 1] not in " .-/":
            digits = sex + year + month + dept.upper().replace("2A", "19").replace("2B", "18")
            right = 97 - int(digits + commune + order) % 97 == int(key)
            if not (right or (1 <= int(key) <= 97 and not key_checked)):
                continue
        yield m.span()


_IBAN = re.compile(r"[A-Z]{2}\d\d(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?!\w)")
_RIB = re.compile(r"\d{5} \d{5} [A-Z0-9]{11} \d\d(?!\w)")


def iban(scan: Scan) -> Spans:
    """IBANs with a valid ISO 7064 checksum, French-shaped ones even with a typo; French RIBs."""
    for m in scan.at_numbers(_IBAN, back=2):
        compact = m.group().replace(" ", "")
        numeric = int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4]))
        french = compact.startswith("FR") and len(compact) == 27
        if starts_word(scan.text, m.start()) and (numeric % 97 == 1 or french):
            yield m.span()
    for m in scan.at_numbers(_RIB):
        if starts_word(scan.text, m.start()):
            yield m.span()


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
_OBFUSCATED_EMAIL = re.compile(
    r"[\w.+-]+ *(?:[(\[{] *(?:at|arobase) *[)\]}]| arobase ) *[\w-]+", re.IGNORECASE
)


def email(scan: Scan) -> Spans:
    """Plain addresses and the usual obfuscations ("jean [at] exemple.fr", "arobase")."""
    if "@" in scan.text:
        yield from (m.span() for m in _EMAIL.finditer(scan.text))
    cues = ("arobase", "at)", "at]", "at}")
    yield from (m.span() for m in scan.near(cues, _OBFUSCATED_EMAIL, before=40, after=40))


_PHONE = re.compile(
    r"(?:(?:\+|00) ?33\)? ?(?:\(0\) ?)?|0)(?P<first>[1-9])(?P<rest>(?:[ .-]?\d\d){4})(?!\w)"
    r"|\+(?!33)[1-9]\d{0,2}(?:[ .-]?\d){7,12}(?!\w)"
)


# "06/12/34/56/78", "06_12_34_56_78", "06,12,34,56,78": one separator throughout, so that no
# date ("03/04/2026") can be read as one.
_PHONE_SLASHED = re.compile(r"0(?P<first>[1-9])(?P<sep> ?[/_,] ?)\d\d(?:(?P=sep)\d\d){3}(?![\w/])")
# "06 12 34 56 7 8", "0 6 1 2 3 4 5 6 7 8": ten digits in groups of one or two.
_DIGITS_APART = re.compile(r"\d\d?(?:[ .-]\d\d?){4,9}(?!\w|[ .-]\d)")


def phone(scan: Scan) -> Spans:
    """French numbers in every usual spelling, and foreign numbers written with "+"."""
    for back in (0, 1):  # "06…", "0033…" start on the digits, "+33…" one character before
        for m in scan.at_numbers(_PHONE, back=back):
            if not starts_word(scan.text, m.start(), "+"):
                continue
            # 080x numbers are free public lines (e.g. the national radicalisation line).
            first, rest = m.group("first"), m.group("rest")
            if first == "8" and rest.lstrip(" .-").startswith("0"):
                continue
            yield m.span()
    for m in scan.at_numbers(_PHONE_SLASHED):
        if starts_word(scan.text, m.start(), "/") and m.group("first") != "8":
            yield m.span()
    for m in scan.at_numbers(_DIGITS_APART):
        digits = "".join(c for c in m.group() if c.isdigit())
        if (
            len(digits) == 10
            and re.fullmatch(r"0[1-9]", digits[:2])
            and not digits.startswith("080")
            and starts_word(scan.text, m.start(), "+")
        ):
            yield m.span()


_PASSPORT = re.compile(r"\d\d[A-Z]{2}\d{5}(?![\w-])")
_ID_CUES = ("cni", "identit", "passeport", "séjour", "sejour", "résident", "resident", "récépis",
            "recepis", "permis", "agdref", "étranger", "etranger", "visa", "passport", "identity",
            "id card", "licen", "permit", "ts", "tds", "fiscal", "allocataire", "caf",
            "msa")  # fmt: skip
_ID_CUE = re.compile(
    r"(?i:(?<!\w)cni(?!\w)|carte +(?:nationale +)?d'identit[ée]|pi[èe]ce +d'identit[ée]"
    r"|passeport|titre +(?:de +)?s[ée]jour|carte +(?:de +)?(?:s[ée]jour|r[ée]sident)"
    r"|r[ée]c[ée]piss[ée]|permis +(?:de +conduire|n°|num[ée]ro|:|[A-Z]{1,2} +n°)|agdref"
    r"|(?:num[ée]ro|n°|no\.?) +(?:d')?[ée]tranger|(?<!\w)visa(?!\w)|passport|identity +card"
    r"|id +card|(?:num[ée]ro|n°|no\.?) +fiscal|(?:num[ée]ro|n°) +(?:d')?allocataire"
    r"|allocataire +(?:(?:caf|msa) +)?(?:n°|num[ée]ro)|(?:num[ée]ro|n°) +(?:caf|msa)(?!\w)"
    r"|driv(?:ing|er'?s) +licen[cs]e|residence +(?:permit|card))"
    # "TS n° …", "TDS 75…": the abbreviations of "titre de séjour", in capitals only.
    r"|(?<!\w)T(?:D)?S(?= *(?:n°|no\.?|num|:|\d))"
)
# Where a number stands after its cue: "passeport délivré à Oran en 2019 sous le numéro …".
_ID_REACH = 70
_ID_TOKEN = re.compile(
    r"(?<![\w-])(?:\d{2,4}(?: \d{2,4}){2,5}|\d{2}(?: ?[A-Z]{2}) ?\d{5}|[A-Za-z0-9]{6,18})(?![\w-])"
)


_PHONE_CUE = re.compile(
    r"(?i:(?<!\w)(?P<cue>t[ée]l(?:[ée]phone)?|portable|mobile|phone|cell|gsm|fixe|joignable"
    r"|appeler|rappeler|call|num[ée]ro|whatsapp|telegram|snap(?:chat)?)(?!\w))[^\d\n]{0,25}"
    r"(?P<number>(?:\+?\d[ .-]?){8,14}\d)(?![\d])"
)
_PHONE_CUES = ("tél", "tel", "portable", "mobile", "phone", "cell", "gsm", "fixe", "joignable",
               "appel", "call", "numéro", "numero", "whatsapp", "telegram", "snap")  # fmt: skip


def phone_by_cue(scan: Scan) -> Spans:
    """A run of 10 to 15 digits just after phone wording, whatever its national format, or a
    French mobile number written without its leading 0."""
    for m in scan.near(_PHONE_CUES, _PHONE_CUE, before=2, after=50):
        digits = "".join(c for c in m.group("number") if c.isdigit() or c == "+")
        # Phone numbers start with a trunk or international prefix; 080x lines are free
        # public ones (e.g. the national radicalisation line).
        trunk = len(digits) >= 10 and digits[0] in "0+" and not digits.startswith("080")
        # A mobile without its trunk 0 ("son tél : 612345678"), only after phone wording:
        # after "numéro" nine digits are as often a SIREN.
        mobile = (
            len(digits) == 9 and digits[0] in "67" and not fold(m.group("cue")).startswith("num")
        )
        if trunk or mobile:
            yield m.span("number")


def id_document(scan: Scan) -> Spans:
    """Passport numbers anywhere; any code with digits just after ID-document wording."""
    for m in scan.at_numbers(_PASSPORT):
        if starts_word(scan.text, m.start(), "-"):
            yield m.span()
    text = scan.text
    for cue in scan.near(_ID_CUES, _ID_CUE, before=30, after=30):
        reach = cue.end() + _ID_REACH
        stop = _SENTENCE_STOP.search(text, cue.end(), reach)
        for m in _ID_TOKEN.finditer(text, cue.end(), stop.start() if stop else reach):
            token = m.group().replace(" ", "")
            digits = sum(c.isdigit() for c in token)
            # A year ("en 2019") is not a document number; near the cue a short code is.
            far = m.start() - cue.end() > 40
            if 6 <= len(token) <= 18 and digits >= 2 and (not far or digits >= 8):
                yield m.span()


# The end of a sentence, not the dot of "no. 123" or "réf. 45".
_SENTENCE_STOP = re.compile(r"[;\n]|[.!?](?=\s+[A-ZÀ-Þ])")


# Groups apart with a hyphen, a space, a dot, a slash or an underscore ("AB.123.CD"), in
# capitals or not ("ab-123-cd", "fg456hj").
_SIV_PLATE = re.compile(
    r"(?P<left>(?i:[A-HJ-NP-TV-Z]{2}))(?P<sep>[-. /_]?)\d{3}(?P=sep)"
    r"(?P<right>(?i:[A-HJ-NP-TV-Z]{2}))(?![\w-])"
)
# Two-letter words and units around a number in lower case: "de 123 km", "et 120 ha".
_NOT_PLATE_LETTERS = words(
    "de da di le la ma sa ta ce se ne me te je en et es ex ah eh ha hl km kg mg ml mm cm dm"
    " pp cf vs nb st ca va"
)
_FNI_PLATE = re.compile(
    r"\d{1,4}[- ](?P<letters>[A-Z]{2,3})[- ](?:0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])(?![\w-])"
)


def plate(scan: Scan) -> Spans:
    """SIV plates (AB-123-CD) and the older FNI ones (1234 AB 56), minus acronyms and months."""
    for back in (2, 3):  # "AB123CD", "AB-123-CD"
        for m in scan.at_numbers(_SIV_PLATE, back=back):
            if not starts_word(scan.text, m.start(), "-"):
                continue
            left, right = m.group("left"), m.group("right")
            if not (left + right).isupper() and (
                left.lower() in _NOT_PLATE_LETTERS or right.lower() in _NOT_PLATE_LETTERS
            ):
                continue
            yield m.span()
    for m in scan.at_numbers(_FNI_PLATE):
        if starts_word(scan.text, m.start(), "-") and fold(m.group("letters")) not in NOT_SURNAMES:
            yield m.span()


# Watchlists and judicial files: the entry's number designates one person, and what that person
# is on the list for is the very substance that must never be stored (DESIGN.md, "The one rule").
_WATCHLIST_CUES = ("fspr", "fijai", "fpr", "fiche", "fiché", "taj", "fnaeg", "faed", "pnr",
                   "parquet", "matricul", "écrou", "ecrou")  # fmt: skip
_WATCHLIST_CUE = re.compile(
    r"(?i:(?<![\w])(?:fsprt?|fijai[st]|fpr|taj|fnaeg|faed)(?!\w)"
    r"|(?<!\w)fich[ée]e?s? +s(?!\w)|(?<!\w)fiche +(?:de +)?s[ûu]ret[ée]"
    r"|(?<!\w)(?:num[ée]ro|n°|no\.?) +(?:de +)?(?:pnr|parquet)(?!\w)"
    r"|(?<!\w)(?:pnr|parquet) +(?:n°|no\.?|num[ée]ro)(?!\w)"
    # A registration number designates one person as surely: "matricule 0456789", "écrou n° …".
    r"|(?<!\w)(?:matricules?|[ée]crou)(?!\w))"
)
# The number: after the cue in the same sentence ("inscrit au FSPRT sous le numéro 12345678"),
# or glued to it ("FSPR-2026-456789"); with five digits or more, so that a year is not one.
_WATCHLIST_REACH = 40
_WATCHLIST_NUMBER = re.compile(r"(?<!\w)\d[\d/.-]*\d(?!\w)")
# Years, spans of years and dates are when, not which: "fiché S depuis le 03/04/2021".
_NOT_A_FILE_NUMBER = re.compile(
    r"(?:19|20)\d\d(?:[-/](?:19|20)?\d\d)?|\d\d?[/.-]\d\d?[/.-](?:19|20)?\d\d"
)
# The file's legal basis is no entry of it: "le FIJAIS (art. 706-53-1 CPP)".
_LEGAL_TEXT_BEFORE = re.compile(
    r"(?i:(?<!\w)(?:art(?:icles?)?\.?|loi|d[ée]cret|arr[êe]t[ée]|ordonnance)"
    r"\s*(?:n°\s*)?(?:[LRD]\.?\s*)?)\Z"
)


# A fiche S written as its entry is filed, the letter glued to the number: "S-0456789".
_FICHE_S_NUMBER = re.compile(r"S-\d{5,10}(?![\w/-]|\.\d)")


def watchlist(scan: Scan) -> Spans:
    """A number after the name of a watchlist or judicial file (FSPRT, fiche S, FIJAIS, TAJ…)
    or a registration number; a fiche S number written "S-0456789"."""
    text = scan.text
    for m in scan.at_numbers(_FICHE_S_NUMBER, back=2):
        if starts_word(text, m.start(), "-/."):
            yield m.span()
    for cue in scan.near(_WATCHLIST_CUES, _WATCHLIST_CUE, before=12, after=30):
        reach = cue.end() + _WATCHLIST_REACH
        stop = _SENTENCE_STOP.search(text, cue.end(), reach)
        for m in _WATCHLIST_NUMBER.finditer(text, cue.end(), stop.start() if stop else reach):
            digits = sum(c.isdigit() for c in m.group())
            if (
                digits >= 5
                and not _NOT_A_FILE_NUMBER.fullmatch(m.group())
                and not _LEGAL_TEXT_BEFORE.search(text, max(0, m.start() - 15), m.start())
            ):
                yield m.span()
                break
