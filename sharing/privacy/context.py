"""What makes a name-shaped span not a person: a place, an office, a town, an institution.

Streets, schools, stadiums, gymnasiums, stops and festivals are named after people ("collège Jean
Moulin", "stade Léo-Lagrange", "Les Amis de Victor Hugo"); offices are written with a civility
("M. le Sous-Préfet", "Mme la Maire"); towns and institutions look like names to a model. These
are not the people a request must not name, and are let through.
"""

import re

from .lexicons import (
    EPONYMS,
    FUNCTIONS,
    HEADWORDS,
    NOT_SURNAMES,
    PLACE_WORDS,
    STOPWORDS,
    town_names,
)
from .scan import fold

# Words after which a name is that of a place, an event or a body named after someone.
_NAMED_AFTER = (
    r"rues?|avenues?|av\.?|boulevards?|bd|places?|all[ée]es?|impasses?|chemins?|quais?|cours"
    r"|squares?|esplanades?|promenades?|parcs?|jardins?|ponts?|coll[èe]ges?|lyc[ée]es?"
    r"|[ée]coles?|groupes? scolaires?|maternelles?|gymnases?|stades?|salles?|piscines?"
    r"|centres?|espaces?|m[ée]diath[èe]ques?|biblioth[èe]ques?|maisons?|foyers?|h[ôo]pitals?"
    r"|h[ôo]pitaux|cliniques?|r[ée]sidences?|cit[ée]s?|quartiers?|festivals?|prix|fondations?"
    r"|associations?|amis|amicales?|instituts?|universit[ée]s?|facult[ée]s?|campus|halles?"
    r"|th[ée][âa]tres?|mus[ée]es?|gares?|stations?|arr[êe]ts?|m[ée]tros?|trams?|a[ée]roports?"
    r"|casernes?|complexes?"
    r"|boulodromes?|dojos?|cin[ée]mas?|troph[ée]es?|tournois?|challenges?|coupes?|m[ée]morial"
    r"|monuments?|statues?|plaques?|hommages?|expositions?|comm[ée]morations?|ehpad|crèches?"
    r"|cr[èe]ches?|fondateurs?|lignes?|navettes?|vaisseaux?|bateaux?|promotions?|pavillons?"
    r"|b[âa]timents?|tours?|auditorium|amphith[ée][âa]tres?|amphis?|street|school|avenue"
    r"|square|college|stadium|high school"
)
_TITLES = (
    r"g[ée]n[ée]ral|mar[ée]chal|docteur|dr\.?|pr[ée]sident|abb[ée]|saint|sainte|st|ste"
    r"|professeur|colonel|capitaine|commandant|lieutenant|amiral|p[èe]re|m[èe]re|s(?:œ|oe)ur"
    r"|fr[èe]re|cardinal|monseigneur|mgr|pasteur|r[ée]sistant|aviateur|ma[îi]tre"
)
# "centre aquatique Laure Manaudou", "complexe sportif Jean Bouin"
_ADJECTIVES = (
    r"aquatique|sportif|sportive|culturel|culturelle|municipale?|social|sociale|scolaire"
    r"|intercommunale?|nautique|associatif|omnisports?|polyvalente?|communale?|hospitalier"
    r"|universitaire|maternelle|[ée]l[ée]mentaire|primaire|priv[ée]e?|public|publique"
    r"|national|nationale|r[ée]gional|r[ée]gionale|d[ée]partemental|d[ée]partementale"
    r"|professionnel|professionnelle|technique|agricole|international|internationale"
)
_PLACE_BEFORE = re.compile(
    rf"(?i:(?<!\w)(?:{_NAMED_AFTER})(?:\s+(?:{_ADJECTIVES}))?"
    r"(?:\s+(?:du|de\s+la|des|de|d'|l'|le|la|les|of|the))?"
    rf"(?:\s*[-«\"']\s*|\s+)(?:(?:{_TITLES})\s+(?:de\s+)?)?)\Z"
)
# Public figures are named in tributes, works, texts named after their authors and offices:
# "hommage à Arnaud Beltrame", "la circulaire Castaner", "le ministre Gérald Darmanin".
_PUBLIC_BEFORE = re.compile(
    r"(?i:(?<!\w)(?:hommage(?:\s+national)?\s+(?:à|a)|en\s+(?:m[ée]moire|l'honneur|hommage)"
    r"\s+(?:de|d'|du|à)|(?:concert|film|livre|roman|spectacle|conf[ée]rence|exposition|discours"
    r"|chanson|[œo]uvre|pi[èe]ce|oeuvres)s?\s+(?:de|d'|du)|circulaire|loi|rapport|plan|amendement"
    r"|jurisprudence|doctrine|(?:le|la|l'|du|au)\s*(?:ministre|pr[ée]sident|pr[ée]sidente"
    r"|d[ée]put[ée]e?|s[ée]nat(?:eur|rice)|pr[ée]f[èe]te?|sous-pr[ée]f[èe]te?|pape|roi|reine"
    r"|chef\s+de\s+l'[ée]tat|premier\s+ministre|premi[èe]re\s+ministre|garde\s+des\s+sceaux))"
    r"(?:\s+(?:de|d')\s*(?:l'int[ée]rieur|la\s+justice|la\s+r[ée]publique))?\s*)\Z"
)
_OFFICE_WORDS = FUNCTIONS | STOPWORDS | {"m", "mme", "mlle", "mr", "mrs", "ms", "sous", "vice"}
_INSTITUTION_WORDS = HEADWORDS | PLACE_WORDS | NOT_SURNAMES


def named_place_before(text: str, start: int) -> bool:
    """Whether the words before ``start`` make what follows a place, event, body or public
    figure named in a tribute, a work, a text or an office."""
    window = max(0, start - 60)
    return (
        _PLACE_BEFORE.search(text, window, start) is not None
        or _PUBLIC_BEFORE.search(text, window, start) is not None
    )


_MULTIWORD_EPONYMS = tuple(sorted(eponym for eponym in EPONYMS if " " in eponym))
_SEPARATORS = re.compile(r"[\s'-]+")


def within_eponym(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is part of an eponym written around it: "Luther King" in
    "Martin Luther King", "Mendès France" in "Pierre Mendès France"."""
    words = f" {_SEPARATORS.sub(' ', fold(text[start:end])).strip()} "
    if words == "  ":
        return False
    around = f" {_SEPARATORS.sub(' ', fold(text[max(0, start - 30) : end + 30]))} "
    return any(f" {eponym} " in around and words in f" {eponym} " for eponym in _MULTIWORD_EPONYMS)


def is_office_town_or_institution(name: str) -> bool:
    """A span read as a person that is an office, a town, an eponym or an institution."""
    key = fold(name).strip(" .,;:'\"«»()")
    parts = [p for p in re.split(r"[\s'.-]+", key) if p]
    if not parts:
        return True
    if all(p in _OFFICE_WORDS for p in parts):
        return True  # "M. le Sous-Préfet", "Mme la Maire"
    if key in EPONYMS or " ".join(parts) in EPONYMS or key in town_names():
        return True
    if " ".join(parts) in town_names() or "-".join(parts) in town_names():
        return True
    return any(p in _INSTITUTION_WORDS for p in parts if len(p) > 2 and p not in _NAMEABLE)


# Words of the lists above that are also common first names or surnames.
_NAMEABLE = frozenset(
    {
        "martin",
        "michel",
        "laurent",
        "vincent",
        "simon",
        "francois",
        "denis",
        "marc",
        "lucas",
        "thomas",
        "robert",
        "bernard",
        "richard",
        "petit",
        "nicolas",
        "julien",
        "colin",
        "leon",
        "roger",
        "rose",
        "bon",
        "grand",
        "etienne",
        "antoine",
        "pierre",
        "olivier",
        "maire",
        "prefet",
        "juge",
        "jan",
    }
)
