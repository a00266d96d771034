"""Numbers written in words and obfuscated e-mails: what hurried or careful writers do.

"zéro six douze trente-quatre cinquante-six soixante-dix-huit", "né le douze mars
quatre-vingt-cinq", "un quatre-vingt-cinq zéro cinq…" (a NIR), "zero six one two…" in English.
Every run of number words is rewritten as digits (groups of one run glued together, as people
dictate a phone number in pairs), and the rules for numbers and dates read the rewritten text.
E-mails written with "arobase", "at", "point", "dot" are recognised when their shape leaves no
doubt: an "at" between words needs a domain ending (".com", "point fr").
"""

import re
from bisect import bisect_right
from functools import partial

from . import dates, numbers
from .scan import Scan, Span, Spans

_UNITS = {"zero": 0, "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
          "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11,
          "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
          "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
          "oh": 0, "premier": 1, "first": 1, "second": 2, "third": 3, "fourth": 4,
          "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
          "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
          "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19}  # fmt: skip
_TENS = {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50,
         "soixante": 60, "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
         "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90, "twentieth": 20, "thirtieth": 30}  # fmt: skip
_SCALES = {"cent": 100, "cents": 100, "hundred": 100, "mille": 1000, "mil": 1000}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
# A run: number words (or short digit groups) joined by spaces, hyphens, commas, dots, "et".
_TOKEN = rf"(?:{_NUMBER_WORD}|\d{{1,4}})"
_RUN = re.compile(
    rf"(?<![\w-]){_TOKEN}(?:(?:[ \-,.]+|[ \-]et[ \-]|[ \-]and[ \-])+{_TOKEN})*(?![\w-])",
    re.IGNORECASE,
)
_HAS_WORD = re.compile(rf"(?<![\w-])(?:{_NUMBER_WORD})(?![\w])", re.IGNORECASE)
_SPLIT = re.compile(r"[^\W_]+")


def phone(scan: Scan) -> Spans:
    yield from _on_digits(scan, numbers.phone)


def nir(scan: Scan) -> Spans:
    # The rewriting glues every group of a run of number words: fifteen digits there may be
    # several numbers said in a row, and only a right key makes them a NIR.
    yield from _on_digits(scan, partial(numbers.nir, key_checked=True))


def date_of_birth(scan: Scan) -> Spans:
    yield from _on_digits(scan, dates.date_of_birth)


# "@" with spaces around it, "arobas" (misspelt), "(a)"; a dot as "[.]" or "(.)".
_AT = (
    r"(?:\s*@\s*|\s*[\[({]\s*@\s*[\])}]\s*|\(at\)|\[at\]|\{at\}|\s+at\s+|\s*arobase?\s*|\s+chez\s+|\s*\(chez\)\s*"
    r"|\s*\(a\)\s*)"
)
_DOT = (
    r"(?:\s*\.\s*|\s*\(dot\)\s*|\s*\[dot\]\s*|\s+dot\s+|\s+point\s+|\s*\(point\)\s*"
    r"|\s*\[\.\]\s*|\s*\(\.\)\s*)"
)
_TLD = r"(?:com|fr|net|org|eu|be|ch|io|info|gouv|biz|de|uk|es|it|ma|dz|tn)"
_OBFUSCATED = re.compile(
    rf"(?<![\w.])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}{_TLD}(?![\w])"
    rf"|(?<![\w.])[\w+-]+(?:{_DOT}[\w+-]+)*\s*arobase?\s*[\w-]+",
    re.IGNORECASE,
)
_EMAIL_CUES = (" at ", "(at)", "[at]", "{at}", "arobas", " chez ", "(chez)", " @", "@ ", "(a)",
               "[@", "(@", "{@")  # fmt: skip


def email(scan: Scan) -> Spans:
    """ "jean point dupont arobase gmail point com", "j.dupont at orange dot fr"."""
    lower = scan.lower
    if not any(cue in lower for cue in _EMAIL_CUES):
        return
    for m in _OBFUSCATED.finditer(scan.text):
        if " chez " in m.group().lower() and not re.search(rf"{_DOT}{_TLD}\Z", m.group(), re.I):
            continue
        yield m.span()


def _on_digits(scan: Scan, finder) -> Spans:
    """Runs ``finder`` on the text with number words rewritten as digits; spans of the text."""
    rewritten = _rewritten(scan.text)
    if rewritten is None:
        return
    text, starts, origins = rewritten
    for start, end in finder(Scan(text)):
        yield _origin(starts, origins, start), _origin(starts, origins, max(start, end - 1)) + 1


def _origin(starts: list[int], origins: list[Span], at: int) -> int:
    """Maps a position of the rewritten text back to the original one (piece by piece)."""
    i = bisect_right(starts, at) - 1
    piece_start, (origin_start, origin_end) = starts[i], origins[i]
    piece_end = starts[i + 1] if i + 1 < len(starts) else at + 1
    if origin_end - origin_start == piece_end - piece_start:
        return origin_start + at - piece_start  # a copied piece: same offsets
    return origin_start if at == piece_start else max(origin_start, origin_end - 1)


_CACHE: dict[str, tuple[str, list[int], list[Span]] | None] = {}


def _rewritten(text: str) -> tuple[str, list[int], list[Span]] | None:
    """The text with each run of number words as digits, and where each piece came from."""
    if text in _CACHE:
        return _CACHE[text]
    result = None
    if _HAS_WORD.search(text):
        pieces: list[str] = []
        starts: list[int] = []
        origins: list[Span] = []
        at = 0
        length = 0
        for m in _RUN.finditer(text):
            digits = _digits(m.group())
            if digits is None:
                continue
            for piece, origin in ((text[at : m.start()], (at, m.start())), (digits, m.span())):
                starts.append(length)
                origins.append(origin)
                pieces.append(piece)
                length += len(piece)
            at = m.end()
        if pieces:
            starts.append(length)
            origins.append((at, len(text)))
            pieces.append(text[at:])
            result = ("".join(pieces), starts, origins)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[text] = result
    return result


def _digits(run: str) -> str | None:
    """ "zéro six douze trente-quatre" → "061234"; None when the run has no number word."""
    words = [w.lower() for w in _SPLIT.findall(run) if w.lower() not in {"et", "and"}]
    if not any(not w.isdigit() for w in words):
        return None
    if len(words) == 1 and words[0] in {"un", "une", "oh", "premier", "first", "second"}:
        return None  # the article, not a number
    groups: list[int | str] = []
    current: int | None = None
    last = ""
    for word in words:
        if word.isdigit():
            if current is not None:
                groups.append(current)
                current = None
            groups.append(word)
        elif word in _SCALES:
            scale = _SCALES[word]
            if scale == 100 and current is not None and current % 1000 > 19 and current < 1000:
                groups.append(current)  # "vingt-six, cent quatre-vingt-dix-huit": two groups
                current = 100
            elif scale == 100:
                thousands, rest = divmod(current or 0, 1000)
                current = thousands * 1000 + (rest or 1) * 100
            else:
                current = (current or 1) * 1000
        elif word in _TENS:
            value = _TENS[word]
            if value == 20 and last == "quatre" and current is not None and current % 100 == 4:
                current += 76  # quatre-vingt
            elif current is not None and _extends(current, value):
                current += value
            else:
                if current is not None:
                    groups.append(current)
                current = value
        else:
            value = _UNITS[word]
            if value == 0:
                if current is not None:
                    groups.append(current)
                    current = None
                groups.append("0")
            elif current is not None and _extends(current, value):
                current += value
            else:
                if current is not None:
                    groups.append(current)
                current = value
        last = word
        if word in {"vingts", "cents"} and current is not None:
            groups.append(current)  # the plural ends a number: "quatre-vingts, douze"
            current = None
    if current is not None:
        groups.append(current)
    return "".join(str(group) for group in groups)


def _extends(current: int, value: int) -> bool:
    """Whether ``value`` continues the number being read rather than starting the next one."""
    if current >= 100 and current % 100 == 0:
        return value < 100
    if current >= 1000 and current % 1000 < 100 and current % 100 == 0:
        return True
    rest = current % 100
    if rest == 10:
        return 0 < value < 10  # dix-sept, dix-huit, dix-neuf
    if rest in {20, 30, 40, 50, 70, 90} or (rest >= 20 and rest % 10 == 0):
        return value < 10 or (rest in {60, 80} and value < 20)
    return False
