"""The text under screening, folded once, with what several detectors look up computed once."""

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

Span = tuple[int, int]
Spans = Iterator[Span]

_CLEANUP = {"\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
            "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-",
            "\u2013": "-", "\t": " "}  # fmt: skip
_UNCLEAN = re.compile("[" + "".join(_CLEANUP) + "]")
_DIGIT_RUN = re.compile(r"[0-9]+")


def normalise(text: str) -> str:
    """Folds no-break spaces, full-width digits, curly apostrophes and invisible characters."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _UNCLEAN.sub(lambda m: _CLEANUP[m.group()], text)


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
