"""Names in the conventions of French administrative writing, found by rule.

"Prénom NOM", "NOM Prénom", "JEAN DUPONT", a civility and a name ("M. Dupont", "Madame
DURAND"), a listed first name and a capitalised surname ("Karim Benali") or an initial ("Karim
B."), particles in lower case ("Jan de Vries"), "le nommé X", "une certaine X", "nom de famille
X", and a listed name alone as the subject of what a report says of a person ("DIALLO a encore
été vu", "Oliveira aurait quitté la commune"). A civility followed by le/la/l' or a function
("Monsieur le Préfet") is an office; a lone initial ("M. X") is how people anonymise and
passes. Upper-case words known as acronyms or headings (FSPRT, CLSPD, URGENT…), words without a
vowel and roman numerals are never surnames. After an unlisted first word, "Xxx NOM" counts
only mid-sentence after a lower-case word, with one surname of four letters or more that does
not end like a common noun (-TION, -ITÉ…). Names after "rue", "collège", "stade"… and a short
list of eponyms (Jean Jaurès, Samuel Paty…) are places, not people, and so is any part of an
eponym written around it ("Luther King" in "Martin Luther King"). Names typed in lower case or
in ordinary case are the business of :mod:`.casual` and of the statistical model
(:mod:`.model`).
"""

import re

from .context import named_place_before, within_eponym
from .lexicons import (
    CIVILITIES,
    EPONYMS,
    FUNCTIONS,
    NOT_FIRST_WORDS,
    NOT_SURNAMES,
    PARTICLES,
    PLACE_WORDS,
    STOPWORDS,
    first_names,
    surnames,
    town_names,
)
from .scan import Scan, Spans, fold, starts_word

# Upper-case common nouns of service and event names ("PRÉVENTION", "ANIMATIONS", "SÉCURITÉ").
_COMMON_NOUN_ENDING = re.compile(r"(?:TION|SION|ITÉ|ISME|IQUE|MENT|ANCE|ENCE|AGE|URE)S?$")
_VOWEL = re.compile(r"[AEIOUYÀÂÄÆÉÈÊËÎÏÔÖŒÙÛÜŸ]")
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-Þ][^\W\d_]*(?:['-][^\W\d_]+)*")
_WORD_BEFORE = re.compile(r"([^\W\d_]+(?:['-][^\W\d_]+)*)([\s«\"'(]*)\Z")
_WORD_AFTER = re.compile(r"(?:\. {0,3}| {1,3})([^\W\d_]+(?:['-][^\W\d_]+)*)")  # "M.Haddad"
_NAME_CUES = ("nomm", "alias", "appel", "nom", "identit", "patronyme", "certain")
_NAME_CUE = re.compile(
    r"(?i:(?<!\w)(?:d[ée]nomm[ée]e?|pr[ée]nomm[ée]e?|nomm[ée]e?|surnomm[ée]e?|alias"
    r"|s'appel(?:le|ait|ant)|nom +(?:de +famille|d'usage|de +naissance) *:?"
    r"|une? +certaine?|a +certain)"
    r"|(?<!\w)(?:nom|pr[ée]nom|patronyme|identit[ée]) *:) *"
    r"(?P<name>[A-ZÀ-ÖØ-Þ][^\W\d_]+)"
)


class _Word:
    """A capitalised word of the text; lower-case words are only looked at around these."""

    __slots__ = ("caps", "end", "key", "start", "text", "title")

    def __init__(self, match: re.Match[str]) -> None:
        self.text = match.group()
        self.start, self.end = match.span()
        self.key = fold(self.text)
        self.caps = self.text.isupper() and len(self.text) >= 2
        self.title = not self.text.isupper()

    @property
    def first_name(self) -> bool:
        return all(part in first_names() for part in self.key.split("-"))


def person_name(scan: Scan) -> Spans:
    """Names in the conventions of French administrative writing (see the module docstring)."""
    for m in scan.near(_NAME_CUES, _NAME_CUE, before=12, after=60):
        key = fold(m.group("name"))
        if key not in FUNCTIONS and key not in STOPWORDS and key not in NOT_SURNAMES:
            yield m.span()
    text = scan.text
    words = [_Word(m) for m in _CAPITALISED.finditer(text) if starts_word(text, m.start(), "'-")]
    for i, word in enumerate(words):
        if _names_someone(text, words, i) and not within_eponym(text, word.start, word.end):
            yield word.start, word.end
    yield from _subject_of_a_report(scan)
    yield from _after_initials(scan)


# "J.-B. Lefebvre", "J.B. Lefebvre", "J-B Lefebvre", and one initial glued: "Y.Benali".
_INITIALS_NAME = re.compile(
    r"(?<![\w.-])(?:[A-Z](?:\.-?|-)[A-Z]\.? ?|[A-Z]\.)"
    r"(?P<name>[A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-ZÀ-Þ][a-zà-ÿ]+)?)(?![\w-])"
)


def _after_initials(scan: Scan) -> Spans:
    """A listed surname after initials, as a signature or a list of staff writes them."""
    if "." not in scan.text and "-" not in scan.text:
        return
    for m in _INITIALS_NAME.finditer(scan.text):
        key = fold(m.group("name"))
        if (
            key in surnames()
            and key not in NOT_FIRST_WORDS
            and key not in NOT_SURNAMES
            and key not in town_names()
        ):
            yield m.span()


# What is said of a person in a report: "DIALLO a encore été vu", "Oliveira aurait quitté".
_PERSON_PREDICATE = re.compile(
    r" +(?:(?:a|avait|aurait) +(?:(?:encore|d[ée]j[àa]|aussi|de nouveau|r[ée]cemment|souvent)"
    r" +)?[ée]t[ée] +(?:vu|signal[ée]|interpell[ée]|contr[ôo]l[ée]|entendu|condamn[ée]"
    r"|aper[çc]u|rep[ée]r[ée]|plac[ée]|hospitalis[ée]|recrut[ée]|licenci[ée]|arr[êe]t[ée]"
    r"|incarc[ée]r[ée]|lib[ée]r[ée]|exclu|renvoy[ée]|menac[ée]|agress[ée]|radicalis[ée])e?s?"
    r"|(?:est|serait|[ée]tait) +(?:connue?|suivie?|fich[ée]e?|signal[ée]e?|domicili[ée]e?"
    r"|h[ée]berg[ée]e?|scolaris[ée]e?|employ[ée]e?|partie?|revenue?|radicalis[ée]e?)"
    r"|(?:aurait|serait) +(?:quitt[ée]|rejoint|tenu|menac[ée]|prof[ée]r[ée]|diffus[ée]"
    r"|partag[ée]|h[ée]berg[ée]|recrut[ée]|fr[ée]quent[ée]|contact[ée]|appel[ée]|insult[ée]"
    r"|fugu[ée]|disparu|parti|partie)"
    r"|(?:was|has been|is) +(?:seen|reported|arrested|known|spotted|stopped))(?!\w)"
)


def _subject_of_a_report(scan: Scan) -> Spans:
    """A listed surname or first name, alone, as the subject of what is reported of a person."""
    text = scan.text
    for m in _SUBJECT.finditer(text):
        if not _PERSON_PREDICATE.match(text, m.end()):
            continue
        key = fold(m.group())
        if (
            key in NOT_FIRST_WORDS
            or key in NOT_SURNAMES
            or key in town_names()
            or len(key) < 3
            or not (key in surnames() or key in first_names())
            or named_place_before(text, m.start())
            or within_eponym(text, m.start(), m.end())
        ):
            continue
        yield m.span()


_SUBJECT = re.compile(r"(?<![\w'-])[A-ZÀ-Þ][^\W\d_]+(?:-[A-ZÀ-Þ][^\W\d_]+)?(?= +[aeé])")


def _names_someone(text: str, words: list[_Word], i: int) -> bool:
    """Whether a person's name starts at ``words[i]``."""
    word = words[i]
    if word.text in CIVILITIES:
        return _after_civility(text, words, i)
    if word.title:
        return _title_first(text, words, i)
    if not word.caps or (i > 0 and words[i - 1].caps and _adjacent(text, words[i - 1], word)):
        return False
    run = [word, *_caps_run(text, words, i + 1)]
    after = words[i + len(run)] if i + len(run) < len(words) else None
    if after and after.title and after.first_name and _adjacent(text, run[-1], after):
        return _surname_like(run, min_letters=2)  # "DUPONT Jean"
    if len(run) < 2 or " ".join(w.key for w in run) in EPONYMS or _after_place(text, word):
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
    if not caps_run and nxt is None and not word.first_name:
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
            and word.key not in NOT_FIRST_WORDS
            and len([w for w in caps_run if w.key not in PARTICLES]) == 1
            and not _COMMON_NOUN_ENDING.search(caps_run[-1].text)
            and _surname_like(caps_run, min_letters=4)
        )
    if _after_place(text, word):
        return False
    if caps_run:
        return _surname_like(caps_run, min_letters=2)
    if nxt is None:
        return _particle_surname(text, word)
    if len(nxt.text) == 1 and text[nxt.end : nxt.end + 1] == ".":
        return True  # "Karim B."
    if nxt.title and nxt.key in PARTICLES:
        after = words[i + 2] if i + 2 < len(words) else None
        return after is not None and after.title and _adjacent(text, nxt, after)  # "Jean Le Gall"
    if nxt.title and nxt.key not in STOPWORDS and nxt.key not in FUNCTIONS:
        return f"{word.key} {nxt.key}" not in EPONYMS
    return False


# "Jan de Vries", "Pieter van den Berg", "Ahmed ben Youssef": particles in lower case.
_LOWER_PARTICLES = re.compile(
    r"(?: +(?:de|van|von|der|den|ten|ter|da|dos|das|del|della|di|du|ben|bin|el|al|ibn|ould"
    r"|la|le)){1,3} +(?P<name>[A-ZÀ-Þ][^\W\d_]+(?:['-][^\W\d_]+)*)"
)


def _particle_surname(text: str, word: _Word) -> bool:
    """A listed first name, particles in lower case and a capitalised surname."""
    m = _LOWER_PARTICLES.match(text, word.end)
    if m is None:
        return False
    key = fold(m.group("name"))
    whole = fold(text[word.start : m.end()]).replace("-", " ")
    return not (
        key in NOT_FIRST_WORDS
        or key in NOT_SURNAMES
        or key in town_names()
        or whole in EPONYMS
        or any(whole.startswith(eponym) for eponym in EPONYMS if " " in eponym)
    )


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
    if name.key.startswith("l'") or name.key in FUNCTIONS or name.key in STOPWORDS:
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
        if word.key in NOT_SURNAMES or _ROMAN.fullmatch(word.text) or not _VOWEL.search(word.text):
            break
        surname.append(word)
    core = [word for word in surname if word.key not in PARTICLES]
    return bool(core) and sum(c.isalpha() for w in surname for c in w.text) >= min_letters


def _adjacent(text: str, left: _Word, right: _Word) -> bool:
    gap = text[left.end : right.start]
    return 0 < len(gap) <= 3 and gap.isspace()


def _after_place(text: str, word: _Word) -> bool:
    """Whether ``word`` follows "rue", "collège", "stade"… (also in the plural)."""
    if named_place_before(text, word.start):
        return True
    before = _WORD_BEFORE.search(text, max(0, word.start - 30), word.start)
    if before is None:
        return False
    key = fold(before.group(1))
    return key in PLACE_WORDS or key.removesuffix("s") in PLACE_WORDS
