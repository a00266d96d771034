"""The text under screening, folded once, with what several detectors look up computed once."""

import html
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import unquote

Span = tuple[int, int]
Spans = Iterator[Span]

_CLEANUP = {"\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
            "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-",
            "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
            "\t": " "}  # fmt: skip
_UNCLEAN = re.compile("[" + "".join(_CLEANUP) + "]")
# Invisible characters that stand for a space ("Karim\u200bHADDAD"): a second reading of the
# text puts a space there, where the first joins the words around it ("Ka\u200brim").
_INVISIBLE_SPACES = re.compile("[\u200b\u2060\ufeff]")
_DIGIT_RUN = re.compile(r"[0-9]+")
# "&#64;", "&nbsp;", "%40", "%20": what is typed or pasted from a web page or an address bar.
_HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PERCENT_ENCODED = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # Arabic-Indic and every other script's digits
_MIXED_WORD = re.compile(r"[^\W\d_]*[\u0370-\u03ff\u0400-\u052f][^\W\d_]*")
_LATIN_LETTER = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]")
# Cyrillic and Greek letters drawn like Latin ones ("Karim HADDAD" typed with a Cyrillic K, a, H
# and A), and the Latin letter each is read as.
_LOOKALIKES = (
    "\u0410\u0412\u0415\u0405\u0406\u0408\u041a\u041c\u041d\u041e\u0420\u0421"
    "\u0422\u0425\u0423\u0430\u0435\u0456\u0458\u043e\u0441\u0440\u0445\u0443"
    "\u0455\u0501\u04bb\u051b\u051d"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4"
    "\u03a5\u03a7\u03b1\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7"
)
_LATIN_SKELETON = str.maketrans(_LOOKALIKES, "ABESIJKMHOPCTXYaeijocpxysdhqwABEZHIKMNOPTYXaikvoptux")


def normalise(text: str, *, spaced: bool = False) -> str:
    """Decodes HTML entities and URL-encoding; folds no-break spaces, other scripts' digits,
    Cyrillic or Greek letters inside Latin words, curly apostrophes and invisible characters
    (deleted, or read as spaces with ``spaced``)."""
    if "&" in text:
        text = _HTML_ENTITY.sub(lambda m: html.unescape(m.group()), text)
    if "%" in text:
        text = _PERCENT_ENCODED.sub(lambda m: unquote(m.group()), text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(), 0)), text)
        text = _MIXED_WORD.sub(_latin_skeleton, text)
        if spaced:
            text = _INVISIBLE_SPACES.sub(" ", text)
    return _UNCLEAN.sub(lambda m: _CLEANUP[m.group()], text)


def has_invisible_spaces(text: str) -> bool:
    return _INVISIBLE_SPACES.search(text) is not None


def _latin_skeleton(m: re.Match[str]) -> str:
    """A word mixing Latin letters with Cyrillic or Greek ones, read with Latin letters only."""
    word = m.group()
    return word.translate(_LATIN_SKELETON) if _LATIN_LETTER.search(word) else word


class Scan:
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

    def masked(self, spans: list[Span]) -> "Scan":
        chars = list(self.text)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        return Scan("".join(chars))

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


@lru_cache(maxsize=16384)
def fold(word: str) -> str:
    """Lower case without accents, the form every word list is written in."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def starts_word(text: str, start: int, also: str = "") -> bool:
    """Whether a match at ``start`` is not the tail of a longer word or number."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_" + also)
