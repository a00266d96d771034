"""Identifiers disguised as something else: a name written in hex, or with its letters spaced.

"4b6172696d20484144444144" is "Karim HADDAD" in hex; "K a r i m  H A D D A D" is the same
name letter-spaced. The screen reads the text a second time with each such run decoded or
joined up, padded with spaces to its former length so that every other offset stays right.

A run of hex is read only when its bytes decode as UTF-8 to printable text made mostly of
letters, digits and spaces: a hash, a UUID or a request id decodes to bytes that are not text.
Letters spaced one space apart are joined up only in runs of four letters or more, so that
the single-letter words of French ("il y a à faire") and short acronyms ("S I G") are left as
they are; whatever is joined up is screened as any other text would be.
"""

import re

from .scan import Span

_HEX = re.compile(r"(?<!\w)(?:0x)?((?:[0-9A-Fa-f]{2}){6,})(?!\w)")
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
_CASE_CHANGE = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])|(?<=[A-ZÀ-Þ])(?=[A-ZÀ-Þ][a-zà-ÿ])")


def unveiled(text: str) -> tuple[str, list[Span]] | None:
    """The text with its hex and letter-spaced runs made readable, and where they lie; None
    when it has none."""
    runs = [(m.span(), readable) for m in _HEX.finditer(text) if (readable := _hex_text(m[1]))]
    runs += [(m.span(), _joined(m.group())) for m in _SPACED_RUN.finditer(text) if _long(m)]
    if not runs:
        return None
    chars = list(text)
    for (start, end), readable in runs:
        chars[start:end] = readable.ljust(end - start)
    return "".join(chars), [span for span, _ in runs]


def widened(spans: list[Span], runs: list[Span]) -> list[Span]:
    """Spans found in the readable text, each grown to cover the runs it touches as written."""
    grown = []
    for start, end in spans:
        for run_start, run_end in runs:
            if start < run_end and run_start < end:
                start, end = min(start, run_start), max(end, run_end)
        grown.append((start, end))
    return grown


def _hex_text(digits: str) -> str | None:
    try:
        decoded = bytes.fromhex(digits).decode("utf-8")
    except UnicodeDecodeError:
        return None
    readable = sum(c.isalnum() or c == " " for c in decoded)
    if decoded.isprintable() and readable >= _TEXT_SHARE * len(decoded):
        return decoded
    return None


def _long(m: re.Match[str]) -> bool:
    return sum(not c.isspace() and c.isalpha() for c in m.group()) >= _SPACED_LETTERS


def _joined(run: str) -> str:
    """ "K a r i m  H A D D A D" → "Karim HADDAD"; "K a r i m H A D D A D" as well."""
    words = _WORD_GAP.sub(" ", _BETWEEN_LETTERS.sub("", run))
    return _CASE_CHANGE.sub(" ", words)
