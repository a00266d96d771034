"""Names as hurried people type them: in lower case, with particles, nicknames, half-names.

* A first name of the open-data lexicon followed by a surname of the lexicon (or by a word
  that is no French word we know of), in any case: "le fils de mohamed benali", "jean-pierre
  de la tour", "Kevin martin". First names that are also ordinary words ("rose", "marine",
  "pierre" in "pierre tombale") need the surname to be a listed one.
* The surname first and the first name in lower case, as a list or a file is read out:
  "haddad karim", "HADDAD karim"; both words listed and neither a French word.
* A surname alone after a word for a person or a case: "l'agent Bouzid", "le voisin
  haddad", "dossier Benali"; in lower case only a surname that is no French word.
* Nicknames: "dit « le Grand »", "surnommé Pitbull", "alias Momo", "a.k.a. Ziggy", and
  pseudonyms written as handles: "pseudo TikTok karim.hdd69", "pseudo : @karim_hdd".
* Indirect identification: a first name or an initial with an age, a class, a school, a
  workplace or a family relation ("le fils aîné de la famille B.", "Karim, 16 ans, en 3e au
  collège", "sa sœur Inès", "his son Karim, 15").
"""

import re
from itertools import chain

from .context import named_place_before, within_eponym
from .lexicons import (
    COMMON_FIRST_NAMES,
    EPONYMS,
    FUNCTIONS,
    HEADWORDS,
    NOT_SURNAMES,
    PARTICLES,
    PLACE_WORDS,
    STOPWORDS,
    first_names,
    name_words,
    surnames,
    town_names,
)
from .scan import Scan, Spans, fold

_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
# Ordinary words that are also frequent first names or surnames; in lower case they are words.
COMMON_WORDS = frozenset(
    """
petit petite blanc blanche grand grande roux rousse brun brune gros fort bon bonne jeune vieux
page bureau jardin salle mille six sept neuf cent vingt roi prince baron comte duc marquis
rose marine ange prime olive aurore avril mai juin france paris lyon justice fortune victoire
constance prudence patience esperance celeste fleur lys iris perle ambre jade violette
capucine marguerite colombe hortense clementine cerise sauge lilas dahlia bruyere lin
clement constant modeste urbain aime desire parfait juste franc sage martial noble loyal leger
marin berger boucher boulanger meunier mercier marchand masson charpentier chevalier fontaine
pierre roche bois forest riviere lac mont vallee prairie champ pre chemin moulin pont
lion loup renard lapin poisson mouton cheval chat coq merle pigeon rossignol corbeau
barbe martin noel toussaint pascal pascale gentil doux sauvage hardi bel beau belle honore
max maxime mathieu lucie michel roger simon marc luc paul ainsi alors aussi apres
ensemble cette comme toute tout tous toutes dont elle elles lui leur leurs nous vous
ordre suite place cours pays loi code etat ville gare rue route poste police garde
fils fille pere mere frere soeur oncle tante neveu niece cousin cousine mari epouse femme
homme enfant enfants famille voisin voisine ami amie collegue chef patron
sud nord est ouest centre haut bas grand-mere grand-pere cas deux gens printemps travers nee
""".split()  # noqa: SIM905
)
_NOT_SECOND = STOPWORDS | FUNCTIONS | HEADWORDS | PLACE_WORDS | NOT_SURNAMES | COMMON_WORDS
_AMBIGUOUS_FIRST = COMMON_WORDS | STOPWORDS | FUNCTIONS | HEADWORDS | PLACE_WORDS | NOT_SURNAMES


def person_name(scan: Scan) -> Spans:
    yield from _civility_lower(scan)
    yield from _initial_surname(scan)
    yield from _after_person_word(scan)
    yield from _lexicon_names(scan)
    yield from _surname_first(scan)
    yield from _nicknames(scan)
    yield from _indirect(scan)
    yield from _parties(scan)
    yield from _after_first_name_word(scan)


def _lexicon_names(scan: Scan) -> Spans:
    """A lexicon first name followed (after particles) by a surname, whatever the case."""
    text = scan.text
    words = list(_WORD.finditer(text))
    known_first = first_names()
    known_surnames = surnames()
    for i, m in enumerate(words[:-1]):
        key = fold(m.group())
        parts = key.split("-")
        if not all(p in known_first for p in parts) or key in STOPWORDS or len(key) < 3:
            continue
        j = i + 1
        while j < len(words) - 1 and fold(words[j].group()) in PARTICLES and _gap(text, words, j):
            j += 1
        if not _gap(text, words, j):
            continue
        second = words[j]
        second_key = fold(second.group())
        if second_key in _NOT_SECOND or len(second_key) < 2 or second_key in town_names():
            continue
        if named_place_before(text, m.start()) or f"{key} {second_key}" in EPONYMS:
            continue
        listed = all(p in known_surnames for p in second_key.split("-"))
        ambiguous = key in _AMBIGUOUS_FIRST
        capitalised = second.group()[0].isupper() and m.group()[0].isupper()
        eponym = within_eponym(text, m.start(), second.end())
        if listed and (not ambiguous or capitalised) and not eponym:
            yield m.start(), second.end()


def _surname_first(scan: Scan) -> Spans:
    """A listed surname, then a listed first name in lower case: "haddad karim", "HADDAD karim".

    Both words must be names and nothing else: the surname no first name ("jean pierre" is
    two first names) and neither a French word ("blanc", "olivier"), the first name not an
    ambiguous one ("rose", "max").
    """
    text = scan.text
    words = list(_WORD.finditer(text))
    known_first = first_names()
    known_surnames = surnames()
    for i, m in enumerate(words[:-1]):
        second = words[i + 1]
        name = second.group()
        if not name.islower() or not _gap(text, words, i + 1):
            continue
        key = fold(m.group())
        second_key = fold(name)
        if (
            key not in known_surnames
            or key in known_first
            or key in name_words()
            or key in _NOT_SECOND
            or key in town_names()
            or len(key) < 3
            or len(second_key) < 3
            or second_key in _AMBIGUOUS_FIRST
            or not all(p in known_first for p in second_key.split("-"))
            or (second_key in name_words() and second_key not in COMMON_FIRST_NAMES)
        ):
            continue
        if not named_place_before(text, m.start()) and not within_eponym(
            text, m.start(), second.end()
        ):
            yield m.start(), second.end()


_CIVILITY_LOWER = re.compile(
    r"(?<![\w.])(?i:m\.|mr\.?|mme\.?|mlle\.?|madame|monsieur|mademoiselle|mrs\.?|ms\.?|miss)"
    r" +(?P<particle>(?:da|dos|del|di|el|al|ben|bou|ait|ibn|ould|van|von) +)?"
    r"(?P<name>[a-zà-ÿ][a-zà-ÿ'-]+)"
)
_CIVILITY_CUES = ("m.", "mr", "mme", "mlle", "madame", "monsieur", "mademoiselle", "mrs", "ms",
                  "miss")  # fmt: skip


def _civility_lower(scan: Scan) -> Spans:
    """ "mme saidi", "mr dupuis", "mr el idrissi": a civility and a name typed in lower case."""
    for m in scan.near(_CIVILITY_CUES, _CIVILITY_LOWER, before=2, after=40):
        key = fold(m.group("name"))
        if key in _NOT_SECOND or key.startswith("l'") or len(key) < 3 or key in town_names():
            continue
        yield m.span()


# "K. HADDAD", "K. Haddad", "K.HADDAD": an initial, then a surname; or the surname first, as a
# list or a file reads it: "BENALI Y.", "Haddad K.".
_SURNAME = r"(?P<name>[A-ZÀ-Þ](?:[A-ZÀ-Þ]+|[a-zà-ÿ]+)(?:-[A-ZÀ-Þa-zà-ÿ]+)?)"
_INITIAL_SURNAME = re.compile(rf"(?<![\w.'-])[A-ZÀ-Þ]\. ?{_SURNAME}(?![\w'.-])")
_SURNAME_INITIAL = re.compile(rf"(?<![\w.'-]){_SURNAME} [A-ZÀ-Þ]\.(?![\w'-]| ?[A-ZÀ-Þ]\.)")


def _initial_surname(scan: Scan) -> Spans:
    """An initial and a listed surname that is no French word, an office or a town, either way
    round: "K. HADDAD", "BENALI Y.", not "M. MAIRE", "A. PETIT" nor "Annexe B."."""
    text = scan.text
    for m in chain(_INITIAL_SURNAME.finditer(text), _SURNAME_INITIAL.finditer(text)):
        key = fold(m.group("name"))
        if (
            len(key) < 3
            or key not in surnames()
            or key in name_words()
            or key in _NOT_SECOND
            or key in town_names()
        ):
            continue
        yield m.span()


def _gap(text: str, words: list[re.Match[str]], j: int) -> bool:
    """Whether ``words[j]`` follows ``words[j - 1]`` with a space or two and nothing else."""
    gap = text[words[j - 1].end() : words[j].start()]
    return 0 < len(gap) <= 2 and gap.isspace()


_NICKNAME = re.compile(
    r"(?i:(?<!\w)(?:surnomm[ée]e?s?|alias|a\.?k\.?a\.?|nicknamed|also known as|known as"
    r"|se fait appeler|qu'on appelle|que l'on surnomme|connue? sous le (?:nom|surnom) de"
    r"|(?:son|le|un) surnom(?: est)?|dite?s? +(?=[«\"']|le +[A-Z]|la +[A-Z]|[A-Z])))"
    r"\s*[:«\"']?\s*(?P<name>(?:(?:le|la|l'|el|the) +)?[^\W\d_][\w'-]+)",
)
_NICKNAME_CUES = ("surnomm", "alias", "aka", "a.k.a", "nicknamed", "known as", "appel", "surnom",
                  "dit")  # fmt: skip


# A pseudonym on a network, written as handles are, with a digit, an underscore, a dot or "@":
# "pseudo TikTok karim.hdd69", "pseudo : @karim_hdd" ("le pseudo utilisé" passes).
_PSEUDONYM = re.compile(
    r"(?i:(?<!\w)pseudo(?:nyme)?s?(?: +(?:snap(?:chat)?|insta(?:gram)?|tiktok|facebook|twitter"
    r"|telegram|discord|twitch|x))?) *:? *(?P<name>@?[^\W_][\w.]*[\d_.@][\w.]*[^\W_]|@\w+)"
)


def _nicknames(scan: Scan) -> Spans:
    for m in scan.near(("pseudo",), _PSEUDONYM, before=2, after=60):
        if sum(c.isalpha() for c in m.group("name")) >= 3:  # not a version ("pseudos v2.0")
            yield m.span("name")
    for m in scan.near(_NICKNAME_CUES, _NICKNAME, before=20, after=60):
        name = m.group("name")
        key = fold(name.split()[-1])
        if key in STOPWORDS or key in FUNCTIONS or key in HEADWORDS or len(key) < 2:
            continue
        if name[0].islower() and key in COMMON_WORDS and "alias" not in m.group().lower():
            continue
        yield m.span()


_RELATION = (
    r"fils|fille|fr[èe]re|s(?:œ|oe)ur|demi-fr[èe]re|demi-s(?:œ|oe)ur|m[èe]re|p[èe]re|[ée]pouse|mari"
    r"|conjointe?|compagne?|concubine?|cousine?|neveu|ni[èe]ce|oncle|tante|grand-m[èe]re"
    r"|grand-p[èe]re|beau-fr[èe]re|belle-s(?:œ|oe)ur|beau-p[èe]re|belle-m[èe]re|voisine?|copine?"
    r"|petite?-amie?|enfant|cadet(?:te)?|a[îi]n[ée]e?|benjamine?|son|daughter|brother|sister"
    r"|mother|father|wife|husband|cousin|nephew|niece|uncle|aunt|neighbour|neighbor"
    r"|boyfriend|girlfriend"
)
_FIRST_NAME_SHAPE = r"[A-ZÀ-Þa-zà-ÿ][a-zà-ÿ]+(?:-[A-ZÀ-Þa-zà-ÿ][a-zà-ÿ]+)?"
# "la famille B.", "famille Benali", "the Benali family"
# "chez les Benali", "le petit dernier des Haddad", "l'aîné des K."
_PLURAL_FAMILY = re.compile(
    r"(?<!\w)(?:les|des|aux) (?P<name>[A-ZÀ-Þ]\.|[A-ZÀ-Þ][a-zà-ÿ'-]+)(?!\w)"
)
_ENGLISH_FAMILY = re.compile(r"(?<!\w)the (?P<name>[A-Z][a-zà-ÿ'-]+) family(?!\w)")
_FAMILY = re.compile(
    r"(?i:(?<!\w)(?:famille|family|clan|fratrie|foyer|m[ée]nage))\s+(?:de\s+|d'|des\s+)?"
    r"(?P<name>[A-ZÀ-Þ]\.|[A-ZÀ-Þ](?![\w.])|[A-ZÀ-Þ][a-zà-ÿ'-]+|[a-zà-ÿ][a-zà-ÿ'-]{2,})"
)
# "sa sœur Inès", "le fils de mohamed", "his son Karim"
_RELATION_NAME = re.compile(
    rf"(?i:(?<!\w)(?:{_RELATION}))(?:\s+(?:a[îi]n[ée]e?|cadet(?:te)?|mineure?|majeure?))?"
    r"(?:\s*,\s*|\s+)(?:(?:de|d'|du|of)\s*)?(?P<name>[^\W\d_][\w'-]+)(?:\s+(?P<initial>[A-Z]\.))?"
)
# A first name or an initial with an age, a class or a school.
_AGE = r"\d{1,2}\s*(?:ans|an|years?(?: old)?|yo|y\.o\.)(?!\w)"
_CLASS = (
    r"(?:en|in)\s+(?:\d(?:e|ème|eme|è)|seconde|premi[èe]re|terminale|cm1|cm2|ce1|ce2|cp"
    r"|sixi[èe]me|cinqui[èe]me|quatri[èe]me|troisi[èe]me|year\s+\d+|grade\s+\d+)(?!\w)"
)
_PERSON_DETAIL = re.compile(
    rf"(?i:\s*[,(]?\s*(?:(?:âgée?|aged?)\s+(?:de\s+)?)?(?:{_AGE}|{_CLASS})"
    r"|\s*[,(]\s*\d{1,2}\s*[,)]"  # "Jayden, 13, is in year 8", "Enzo (16)"
    # "Sofiane (le fils) a quitté le domicile", "Karim, le grand frère"
    rf"|\s*[,(]\s*(?:le|la|l'|son|sa)\s*(?:(?:grand|grande|petit|petite|jeune)\s+)?(?:{_RELATION})"
    r"(?!\w))"
)
_INITIAL = re.compile(r"(?<![\w.])[A-ZÀ-Þ]\.(?:\s?[A-ZÀ-Þ]\.)?(?![\w])")
_INITIAL_CONTEXT = re.compile(
    rf"(?i:{_AGE}|{_CLASS}|(?<!\w)(?:{_RELATION})(?!\w)|coll[èe]ge|lyc[ée]e|[ée]cole"
    r"|classe|travaille|employ[ée]e?|salari[ée]e?|agent|stagiaire|apprentie?|scolaris[ée]e?"
    r"|famille|mineure?|jeune|individu|intéressée?|school|works)"
)
_NOT_INITIAL_BEFORE = re.compile(r"(?i:(?:art(?:icle)?|loi|n°|p|al|ch|annexe|m|mm)\.?\s*)\Z")


def _indirect(scan: Scan) -> Spans:
    text = scan.text
    lower = scan.lower
    known_first = first_names()
    if any(cue in lower for cue in ("famil", "clan", "fratrie", "foyer", "ménage", "menage")):
        for m in _FAMILY.finditer(text):
            key = fold(m.group("name")).rstrip(".")
            # "le foyer Saint-Vincent-de-Paul": the first part of a compound is enough.
            if key in _NOT_SECOND or key.split("-")[0] in _NOT_SECOND or key in town_names():
                continue
            if len(key) == 1 or m.group("name")[0].isupper() or key in surnames():
                yield m.span()
    for m in _PLURAL_FAMILY.finditer(text):
        name = m.group("name")
        key = fold(name).rstrip(".")
        if len(key) == 1:
            if _INITIAL_CONTEXT.search(text, max(0, m.start() - 40), m.end() + 40):
                yield m.span()
        elif (
            key in surnames()
            and key not in _NOT_SECOND
            and key not in town_names()
            and key not in COMMON_FIRST_NAMES
            and not named_place_before(text, m.start())
        ):
            yield m.span()
    if " family" in lower:
        for m in _ENGLISH_FAMILY.finditer(text):
            if fold(m.group("name")) not in _NOT_SECOND:
                yield m.span()
    for m in _RELATION_NAME.finditer(text):
        name = m.group("name")
        key = fold(name)
        # "le collège Sœur Emmanuelle", "l'école Frère Roger": a place named after a religious.
        if key in _AMBIGUOUS_FIRST or key in town_names() or named_place_before(text, m.start()):
            continue
        if all(p in known_first for p in key.split("-")) or m.group("initial"):
            yield m.span()
    for m in _INITIAL.finditer(text):
        if _NOT_INITIAL_BEFORE.search(text, max(0, m.start() - 9), m.start()):
            continue
        if m.group() in {"M.", "Mme.", "Dr."}:
            continue
        window = text[max(0, m.start() - 60) : m.end() + 60]
        if _INITIAL_CONTEXT.search(window) and not re.match(r"\s*\d", text[m.end() : m.end() + 3]):
            yield m.span()
    for m in re.finditer(_FIRST_NAME_SHAPE, text):
        key = fold(m.group())
        if key in _AMBIGUOUS_FIRST or not all(p in known_first for p in key.split("-")):
            continue
        if _PERSON_DETAIL.match(text, m.end()):
            yield m.start(), m.end()


# A surname alone after a word for a person or a case: "l'agent Bouzid", "le jeune Haddad",
# "l'animateur HADDAD", "dossier Haddad", "l'affaire Benali", "le voisin haddad", "le dénommé
# haddad", "personne signalée : haddad" (a colon as a form's label would have it), "le prévenu
# HADDAD", "suspect : HADDAD", "l'ASVP Haddad", "les époux Haddad"; with a particle no French
# word is, "le jeune da silva", "l'agent el amrani".
_PERSON_WORD = re.compile(
    r"(?i:(?<!\w)(?:agent|animat(?:eur|rice)|candidate?|jeune|imam|[ée]ducat(?:eur|rice)|atsem"
    r"|individu|int[ée]ress[ée]e?|nomm[ée]e?|d[ée]nomm[ée]e?|dossier|affaire|cas|fils|fille"
    r"|concern(?:e|ant)|personne +(?:signal|concern|vis)[ée]e|voisine?|coll[èe]gue|stagiaire"
    r"|[ée]l[èe]ve|locataire|salari[ée]e?|gardien(?:ne)?|enfants?|suspecte?|pr[ée]venue?"
    r"|requ[ée]rante?|usag(?:er|[èe]re)|ressortissante?|administr[ée]e?|mise? +en +cause|occupante?"
    r"|d[ée]tenue?|asvp|polici(?:er|[èe]re)|gendarme|conduct(?:eur|rice)|[ée]poux|veuve|couple)"
    r"(?: +(?:de +)?(?:voirie|municipale?|recrut[ée]e?|concern[ée]e?|signal[ée]e?))?)"
    r"(?: *: *| +)[(«\"]? *(?P<particle>(?i:da|dos|das|del|della|di|el|al|ben|bou|ait|ibn|ould"
    r"|van|von) +)?(?P<name>[^\W\d_]{3,}(?:-[^\W\d_]+)?)(?![\w'-])"
)
_PERSON_WORDS = ("agent", "anima", "candidat", "jeune", "imam", "ducat", "atsem", "individu",
                 "ress", "nomm", "dossier", "affaire", "cas ", "fils", "fille", "concern",
                 "personne", "voisin", "coll", "stagiaire", "lève", "leve", "locataire",
                 "salari", "gardien", "enfant", "suspect", "prévenu", "prevenu", "requérant",
                 "requerant", "usager", "usagère", "usagere", "administr", "en cause",
                 "occupant", "détenu", "detenu", "asvp", "polici", "gendarme", "conduct", "poux",
                 "veuve", "couple")  # fmt: skip


def _after_person_word(scan: Scan) -> Spans:
    text = scan.text
    for m in scan.near(_PERSON_WORDS, _PERSON_WORD, before=20, after=60):
        name, particle = m.group("name"), m.group("particle")
        key = fold(name)
        # After "da" or "el" a town's name is a surname: "le dénommé da costa".
        if key in _NOT_SECOND or (key in town_names() and not particle) or key not in surnames():
            continue
        if name.islower() and key in name_words():
            continue  # "l'agent chargé", "le jeune majeur": in lower case, a word of prose
        if named_place_before(text, m.start("name")):
            continue
        yield m.start("particle") if particle else m.start("name"), m.end("name")


# The parties of a case as a legal officer names it: "Haddad c/ commune de Bron", "Commune de
# Bron c/ Haddad", "Préfet du Rhône c/ M. Benali" (the civility is read by :mod:`.names`).
_BEFORE_VERSUS = re.compile(r"(?<![\w'-])(?P<name>[A-ZÀ-Þ][^\W\d_]+(?:-[A-ZÀ-Þ][^\W\d_]+)?) +c/")
_AFTER_VERSUS = re.compile(r"(?<!\w)c/ *(?P<name>[A-ZÀ-Þ][^\W\d_]+(?:-[A-ZÀ-Þ][^\W\d_]+)?)")


def _parties(scan: Scan) -> Spans:
    """A listed surname on either side of "c/" that is no French word, office, body or town."""
    if "c/" not in scan.text:
        return
    for m in chain(_BEFORE_VERSUS.finditer(scan.text), _AFTER_VERSUS.finditer(scan.text)):
        key = fold(m.group("name"))
        if all(p in surnames() for p in key.split("-")) and not (
            key in name_words() or key in _NOT_SECOND or key in town_names()
        ):
            yield m.span("name")


# "individu de type européen, prénom Karim": a listed first name after the word itself, without
# the colon a form has ("prénom Inconnu", "le champ Prénom" pass).
_FIRST_NAME_WORD = re.compile(
    r"(?i:(?<!\w)pr[ée]noms?) +(?P<name>[A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-ZÀ-Þ][a-zà-ÿ]+)?)(?![\w'-])"
)


def _after_first_name_word(scan: Scan) -> Spans:
    for m in scan.near(("prénom", "prenom"), _FIRST_NAME_WORD, before=2, after=40):
        key = fold(m.group("name"))
        if key not in _AMBIGUOUS_FIRST and all(p in first_names() for p in key.split("-")):
            yield m.span("name")
