"""Identifiers disguised as something else: a name written in hex or base64, or letter-spaced.

"4b6172696d20484144444144" is "Karim HADDAD" in hex, "S2FyaW0gSEFEREFE" in base64;
"K a r i m  H A D D A D" is the same name letter-spaced. The screen reads each such run a
second time decoded or joined up, with the words around it, padded with spaces to its former
length so that offsets stay right.

Hex is read as well with its bytes a space apart ("4b 61 72 69 6d") or each after "\\x"
("\\x4b\\x61"), six bytes at least. A run of hex is read only when its bytes decode as UTF-8
to printable text made mostly of letters, digits and spaces: a hash, a UUID or a request id
decodes to bytes that are not text, a list of numbers to control characters.
Base64 is read the same way, in either alphabet, padded or not, and only in runs that no word
is written like: seven characters or more (five bytes: a surname alone, "SGFkZGFk" is "Haddad",
which after "l'agent" is refused as written plainly) with a digit, a "+", "/" or "=" among them,
or a capital after a small letter. References, tokens, random ids and product names ("iPhone15",
"Win11Pro") decode to bytes, not text.
A word written in leetspeak ("K4r1m H4DD4D", "M0h4m3d", "8EN4L1", "6u1ll4ume", "$0PH1E B€N@L1",
"K!R!M", "K4r1m-H4dd4d") is read with its digits and signs as the letters they stand for, when it
has two letters at least (each part a hyphen joins, read apart), is written in one case or
capitalised, as names are, and becomes letters only: "A4", "F35", "2B", "1er", "COVID-19",
"A4-A3", a token such as "eyJhbGciOiJIUzI1NiJ9" or a reference such as "ARR-2026-045" are left
as they are.
Letters spaced one space apart are joined up only in runs of four letters or more, so that
the single-letter words of French ("il y a à faire") and short acronyms ("S I G") are left as
they are; whatever is joined up is screened as any other text would be. Letters a dot or a
hyphen apart ("K.a.r.i.m", "H-A-D-D-A-D") are joined up in words of four letters or more, which
initials ("J.-P.", "M. R. D.") never are.
"""

import base64
import binascii
import re
from collections.abc import Iterator
from itertools import chain

from .scan import Span

_HEX = re.compile(r"(?<!\w)(?:0x)?((?:[0-9A-Fa-f]{2}){6,})(?!\w)")
# Hex bytes a space apart or each after "\x", as a hex dump or a string literal shows them.
_HEX_BYTES = re.compile(
    r"(?<![\w\\])[0-9A-Fa-f]{2}(?: [0-9A-Fa-f]{2}){5,}(?!\w)|(?:\\x[0-9A-Fa-f]{2}){6,}"
)
# Base64 in either alphabet ("+/" or "-_"), its padding optional, five bytes at least.
_BASE64 = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_-]{7,}={0,2}(?![\w+/=-])")
# What a word or a hyphenated name never has: "Saint-Jean-de-Maurienne" is skipped unread.
_NOT_A_WORD = re.compile(r"[0-9+/=]|[a-z][A-Z]")
_URL_SAFE = str.maketrans("-_", "+/")
# A word of letters and the digits and signs leetspeak draws letters with, one of them at
# least, or such words joined by hyphens ("K4r1m-H4dd4d"); not a piece of a reference, a plate
# or an address ("ARR-2026-045", "AB-123-CD", "jean@mairie.fr"). "@", "!" and "|" stand for a
# letter only inside a word ("B3N@L1", "K!R!M"), never at its end ("Attention !", "15 €").
_LEET_PIECE = r"[A-Za-z013456789$€][A-Za-z013456789@$€!|]*(?<=[A-Za-z013456789])"
_LEET = re.compile(
    rf"(?<![\w@.$€!|-])(?=[A-Za-z-]*[013456789@$€!|]){_LEET_PIECE}(?:-{_LEET_PIECE})*"
    r"(?![\w@.$€!|-])"
)
_LEET_LETTERS = str.maketrans("013456789@$€!|", "oieasgtbgaseii")
_ORDINAL = re.compile(r"\d+(?:er|re|e|nd|nde)s?")  # "1er", "1res"
# Characters read again on either side of a run, to the end of a word.
_CONTEXT = 60
# Two thirds of the decoded characters at least: "jean.dupont@gmail.com" has its dots and "@".
_TEXT_SHARE = 2 / 3

# Single letters a space apart ("K a r i m"), words of them two spaces or a mark apart.
_LETTER = r"[^\W\d_]"
_SPACED_WORD = rf"{_LETTER}(?: {_LETTER})*"
_SPACED_RUN = re.compile(
    rf"(?<![\w'-]){_LETTER}(?: {_LETTER})+(?:(?: {{2,}}| ?[-/,;:|] ?){_SPACED_WORD})*(?![\w'-])"
)
_SPACED_LETTERS = 4
_BETWEEN_LETTERS = re.compile(rf"(?<={_LETTER}) (?={_LETTER})")
_WORD_GAP = re.compile(r" {2,}")
# Where a name's words were run together with single spaces: "KarimHADDAD", "HADDADKarim".
# Letters a dot or a hyphen apart ("K.a.r.i.m H-A-D-D-A-D"), words of them a space apart. The
# four letters a word needs leave initials ("J.-P.", "M. R. D.") and most acronyms as they are.
_DOTTED_WORD = rf"{_LETTER}(?:[.-]{_LETTER}){{3,}}\.?"
_DOTTED_RUN = re.compile(rf"(?<![\w.-]){_DOTTED_WORD}(?: {_DOTTED_WORD})*(?![\w-])")
_DOT_OR_HYPHEN = re.compile(r"[.-]")
_CASE_CHANGE = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])|(?<=[A-ZÀ-Þ])(?=[A-ZÀ-Þ][a-zà-ÿ])")


def unveiled(text: str) -> Iterator[tuple[int, str, list[Span]]]:
    """Around disguised runs, the text made readable: where a window starts in ``text``, the
    window with its runs decoded or joined up (each padded to its length), and their spans.

    Only windows are read again, not the whole text: the rest has been read already, and the
    words around a run are what it needs ("l'agent b o u z i d"). Runs whose windows overlap
    share one, so that no part of a text is read more than twice.
    """
    hex_runs = chain(
        ((m.span(), _hex_text(m[1])) for m in _HEX.finditer(text)),
        ((m.span(), _hex_text(m.group().replace("\\x", ""))) for m in _HEX_BYTES.finditer(text)),
    )
    base64_runs = (
        (m.span(), _base64_text(m.group()))
        for m in _BASE64.finditer(text)
        if _NOT_A_WORD.search(m.group()) and not _HEX.fullmatch(m.group())
    )
    leet_runs = ((m.span(), _unleet(m.group())) for m in _LEET.finditer(text))
    dotted_runs = (
        (m.span(), _DOT_OR_HYPHEN.sub("", m.group())) for m in _DOTTED_RUN.finditer(text)
    )
    spaced_runs = ((m.span(), _joined(m.group())) for m in _SPACED_RUN.finditer(text) if _long(m))
    windows: list[tuple[int, int, list[tuple[Span, str]]]] = []
    runs = chain(hex_runs, base64_runs, leet_runs, dotted_runs, spaced_runs)
    for span, readable in sorted((span, text) for span, text in runs if text is not None):
        left, right = _window(text, span)
        if windows and left < windows[-1][1]:
            left, _, held = windows.pop()
            windows.append((left, right, [*held, (span, readable)]))
        else:
            windows.append((left, right, [(span, readable)]))
    for left, right, held in windows:
        pieces, at = [], left
        for (start, end), readable in held:
            pieces += [text[at:start], readable.ljust(end - start)]
            at = end
        pieces.append(text[at:right])
        yield left, "".join(pieces), [span for span, _ in held]


def on_run(spans: list[Span], offset: int, runs: list[Span]) -> list[Span]:
    """The spans found in a window that touch one of its runs, in the text's positions and
    grown to cover the runs as written; the others were found, or not, by the first reading."""
    kept = []
    for s, e in spans:
        start, end = offset + s, offset + e
        touched = [(a, b) for a, b in runs if start < b and a < end]
        if touched:
            kept.append((min(start, touched[0][0]), max(end, touched[-1][1])))
    return kept


def _window(text: str, run: Span) -> Span:
    """A run with ``_CONTEXT`` characters on either side, widened to whole words."""
    start, end = run
    left = text.rfind(" ", 0, max(0, start - _CONTEXT)) + 1
    right = text.find(" ", min(len(text), end + _CONTEXT))
    return left, len(text) if right == -1 else right


def _hex_text(digits: str) -> str | None:
    """The text that hex digits stand for, or None when their bytes are not text."""
    return _text(bytes.fromhex(digits))


def _base64_text(run: str) -> str | None:
    """The text that a base64 run stands for, or None when it is not base64 of text."""
    run = run.rstrip("=").translate(_URL_SAFE)
    try:
        return _text(base64.b64decode(run + "=" * (-len(run) % 4), validate=True))
    except binascii.Error:
        return None  # a length no base64 has, or mixed padding


def _text(raw: bytes) -> str | None:
    """Decoded bytes when they are UTF-8 text made mostly of letters, digits and spaces."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    readable = sum(c.isalnum() or c == " " for c in decoded)
    if decoded.isprintable() and readable >= _TEXT_SHARE * len(decoded):
        return decoded
    return None


def _unleet(word: str) -> str | None:
    """ "K4r1m" → "Karim", "H4DD4D" → "HADDAD", "K4r1m-H4dd4d" → "Karim Haddad"; None for
    words that are not leetspeak: a part with fewer than two letters ("S-0456789", "A4-A3")
    or an ordinal.

    The hyphen is read as a space: in leetspeak it glues a first name to a surname as often as
    it joins a compound one, and "Jean Baptiste" is screened as surely as "Jean-Baptiste".
    """
    parts = word.split("-")
    if any(sum(c.isalpha() for c in part) < 2 or _ORDINAL.fullmatch(part) for part in parts):
        return None
    letters = [_unleet_part(part) for part in parts]
    # A name is written in one case, or capitalised; tokens and ids ("eyJhbGciOiJIUzI1NiJ9",
    # "MairieWifi5G") change case within a word and are left unread.
    if not all(part.isupper() or part.islower() or part.istitle() for part in letters):
        return None
    return " ".join(letters)


def _unleet_part(part: str) -> str:
    letters = part.translate(_LEET_LETTERS)
    return letters.upper() if part.upper() == part else letters


def _long(m: re.Match[str]) -> bool:
    return sum(c.isalpha() for c in m.group()) >= _SPACED_LETTERS


def _joined(run: str) -> str:
    """ "K a r i m  H A D D A D" → "Karim HADDAD"; "K a r i m H A D D A D" as well."""
    words = _WORD_GAP.sub(" ", _BETWEEN_LETTERS.sub("", run))
    return _CASE_CHANGE.sub(" ", words)
